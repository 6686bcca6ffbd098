// Module state to and from safetensors (models/io/module_state.hpp).
#include "module_state.hpp"

#include <fmt/format.h>

#include <set>
#include <string_view>
#include <variant>

#include "../../graph/errors.hpp"
#include "detail/safetensors_support.hpp"

namespace tapegrad::io {
namespace {

using detail::quote_name;

// One entry's new value, checked, with the entry to assign it to.
template <class T>
struct Pending {
  typename Module<T>::StateTensor target;
  std::variant<Tensor<T>, Tensor<std::int64_t>> value;
};

template <class T>
const Shape& shape_of(const typename Module<T>::StateTensor& entry) {
  return std::visit([](const auto& e) -> const Shape& { return e.shape(); }, entry);
}

template <class T>
bool is_integer(const typename Module<T>::StateTensor& entry) {
  const Buffer<T>* buffer = std::get_if<Buffer<T>>(&entry);
  return buffer != nullptr && buffer->is_integer();
}

template <class To, class From>
Tensor<To> converted(const Tensor<From>& tensor) {
  if constexpr (std::is_same_v<To, From>) {
    return tensor;
  } else {
    return Tensor<To>(tensor.shape(),
                      std::vector<To>(tensor.values().begin(), tensor.values().end()));
  }
}

// Appends the file's tensor as the entry's new value to `pending`, or returns a problem saying
// why it cannot be (empty if none).
template <class T>
std::string check(const std::string& name, const typename Module<T>::StateTensor& entry,
                  const NamedTensor& tensor, std::vector<Pending<T>>& pending) {
  const std::string_view what = entry.index() == 0 ? "parameter" : "buffer";
  if (!(tensor.shape() == shape_of<T>(entry)))
    return fmt::format("tensor {} has shape {} but the module's {} has shape {}", quote_name(name),
                       tensor.shape().str(), what, shape_of<T>(entry).str());
  const bool integer = is_integer<T>(entry);
  if (integer != (tensor.dtype() == DType::kI64))
    return fmt::format("tensor {} is {} but the module's {} holds {}", quote_name(name),
                       to_string(tensor.dtype()), what,
                       integer ? "integers (I64)" : "floating-point numbers (F32 or F64)");
  if (integer)
    pending.push_back({entry, std::get<Tensor<std::int64_t>>(tensor.value)});
  else if (tensor.dtype() == DType::kF32)
    pending.push_back({entry, converted<T>(std::get<Tensor<float>>(tensor.value))});
  else
    pending.push_back({entry, converted<T>(std::get<Tensor<double>>(tensor.value))});
  return {};
}

template <class T>
void assign(Pending<T>& pending) {
  if (Parameter<T>* parameter = std::get_if<Parameter<T>>(&pending.target)) {
    parameter->assign(std::get<Tensor<T>>(pending.value));  // checked() gives parameters T
    return;
  }
  Buffer<T>& buffer = std::get<Buffer<T>>(pending.target);
  std::visit([&](const auto& value) { buffer.assign(value); }, pending.value);
}

[[noreturn]] void throw_problems(const TensorFile& file, const std::vector<std::string>& problems) {
  if (problems.size() == 1) throw Error(detail::file_prefix(file) + problems.front());
  std::string message = fmt::format(
      "{}{} problems loading the module's state:", detail::file_prefix(file), problems.size());
  for (const std::string& problem : problems) message += "\n  " + problem;
  throw Error(message);
}

}  // namespace

template <class T>
TensorFile state_to_file(const Module<T>& module) {
  TensorFile file;
  for (const auto& [name, entry] : module.state_dict()) {
    if (const Parameter<T>* parameter = std::get_if<Parameter<T>>(&entry))
      file.add(name, parameter->value());
    else if (const Buffer<T>& buffer = std::get<Buffer<T>>(entry); buffer.is_integer())
      file.add(name, buffer.integer_value());
    else
      file.add(name, buffer.value());
  }
  return file;
}

template <class T>
LoadResult load_state(Module<T>& module, const TensorFile& file, const LoadOptions& options) {
  LoadResult result;
  std::vector<std::string> problems;
  std::vector<Pending<T>> pending;
  std::set<std::string_view> wanted;
  const auto entries = module.state_dict();
  for (const auto& [name, entry] : entries) {
    wanted.insert(name);
    const NamedTensor* tensor = file.find(name);
    if (tensor == nullptr) {
      result.missing_keys.push_back(name);
      if (options.strict)
        problems.push_back(
            fmt::format("no tensor {} for the module's {} of shape {}", quote_name(name),
                        entry.index() == 0 ? "parameter" : "buffer", shape_of<T>(entry).str()));
    } else if (std::string problem = check<T>(name, entry, *tensor, pending); !problem.empty()) {
      problems.push_back(std::move(problem));
    }
  }
  for (const NamedTensor& tensor : file.tensors())
    if (!wanted.contains(tensor.name)) {
      result.unexpected_keys.push_back(tensor.name);
      if (options.strict)
        problems.push_back(fmt::format("tensor {} of shape {} is not in the module",
                                       quote_name(tensor.name), tensor.shape().str()));
    }
  if (!problems.empty()) throw_problems(file, problems);
  for (Pending<T>& p : pending) assign(p);
  return result;
}

template <class T>
void save(const Module<T>& module, const std::string& path) {
  write_safetensors(path, state_to_file(module));
}

template <class T>
LoadResult load(Module<T>& module, const std::string& path, const LoadOptions& options) {
  return load_state(module, read_safetensors(path), options);
}

template TensorFile state_to_file(const Module<float>&);
template TensorFile state_to_file(const Module<double>&);
template LoadResult load_state(Module<float>&, const TensorFile&, const LoadOptions&);
template LoadResult load_state(Module<double>&, const TensorFile&, const LoadOptions&);
template void save(const Module<float>&, const std::string&);
template void save(const Module<double>&, const std::string&);
template LoadResult load(Module<float>&, const std::string&, const LoadOptions&);
template LoadResult load(Module<double>&, const std::string&, const LoadOptions&);

}  // namespace tapegrad::io
