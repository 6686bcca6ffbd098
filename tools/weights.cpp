// tools/weights.hpp on top of models/io/safetensors.hpp.
#include "weights.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <type_traits>
#include <variant>

#include "flags.hpp"
#include "graph/errors.hpp"
#include "models/io/optimizer_state.hpp"
#include "models/io/safetensors.hpp"

namespace tapegrad::tools {

namespace {

void check_finite(const TensorFile& file) {
  for (const NamedTensor& tensor : file.tensors())
    std::visit(
        [&](const auto& values) {
          for (std::size_t i = 0; i < values.size(); ++i)
            if (!std::isfinite(values[i]))
              throw Error(fmt::format(
                  "{}: tensor '{}' element {} is {}; weights must be finite numbers (was the "
                  "file written by a run whose loss diverged?)",
                  file.source, tensor.name, tensor.shape().index_str(i),
                  std::isnan(values[i]) ? "NaN"
                  : values[i] > 0       ? "+infinity"
                                        : "-infinity"));
        },
        tensor.value);
}

}  // namespace

TensorFile read_weights(const std::string& path) {
  TensorFile file = read_safetensors(path);
  check_finite(file);
  return file;
}

bool weights_are_double(const TensorFile& file) {
  if (file.tensors().empty()) throw Error(fmt::format("{}: the file holds no tensor", file.source));
  const DType first = file.tensors().front().dtype();
  for (const NamedTensor& tensor : file.tensors())
    if (tensor.dtype() != first)
      throw Error(fmt::format(
          "{}: tensor '{}' is {} but tensor '{}' is {}; a weights file must use one element type",
          file.source, file.tensors().front().name, to_string(first), tensor.name,
          to_string(tensor.dtype())));
  return first == DType::kF64;
}

template <class T>
void load_weights(const TensorFile& file, Module<T>& model) {
  load_parameters(has_optimizer_state(file) ? without_optimizer_state(file) : file,
                  model.named_parameters(),
                  std::is_same_v<T, double> ? DTypeConversion::kWidenF32 : DTypeConversion::kExact);
}

template <class T>
void load_weights(const std::string& path, Module<T>& model) {
  load_weights(read_weights(path), model);
}

template <class T>
void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, Tensor<T>>>& tensors) {
  TensorFile file;
  for (const auto& [name, tensor] : tensors) file.add(name, tensor);
  write_safetensors(path, file);
}

template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const Optimizer<T>& optimizer,
                     int epoch) {
  TensorFile file = parameters_to_file(model.named_parameters());
  add_optimizer_state(file, optimizer, model.named_parameters());
  file.metadata["epoch"] = std::to_string(epoch);
  write_safetensors(path, file);
}

template <class T>
int resume_checkpoint(const TensorFile& file, const Module<T>& model, Optimizer<T>& optimizer) {
  const auto epoch = file.metadata.find("epoch");
  if (!has_optimizer_state(file) || epoch == file.metadata.end())
    throw Error(fmt::format(
        "train --resume: {} holds no optimizer state and epoch count; --resume continues from a "
        "checkpoint written by train --checkpoint (without --resume, --weights starts afresh)",
        file.source));
  // Digits only: std::stoi took "-5" (then the loader skipped 2^64 − 5 epochs of shuffles, a hang)
  // and "2abc".
  int done = 0;
  try {
    done = static_cast<int>(
        parse_integer_flag("epoch", epoch->second, 0, std::numeric_limits<int>::max()));
  } catch (const Error&) {
    throw Error(fmt::format(
        "train --resume: {}: the \"epoch\" metadata '{}' is not a number of epochs (an integer "
        "from 0 to {})",
        file.source, epoch->second, std::numeric_limits<int>::max()));
  }
  load_optimizer_state(file, optimizer, model.named_parameters());
  return done;
}

template void load_weights<float>(const TensorFile&, Module<float>&);
template void load_weights<double>(const TensorFile&, Module<double>&);
template void load_weights<float>(const std::string&, Module<float>&);
template void load_weights<double>(const std::string&, Module<double>&);
template void save_weights<float>(const std::string&,
                                  const std::vector<std::pair<std::string, Tensor<float>>>&);
template void save_weights<double>(const std::string&,
                                   const std::vector<std::pair<std::string, Tensor<double>>>&);

template void save_checkpoint(const std::string&, const Module<float>&, const Optimizer<float>&,
                              int);
template void save_checkpoint(const std::string&, const Module<double>&, const Optimizer<double>&,
                              int);
template int resume_checkpoint(const TensorFile&, const Module<float>&, Optimizer<float>&);
template int resume_checkpoint(const TensorFile&, const Module<double>&, Optimizer<double>&);

}  // namespace tapegrad::tools
