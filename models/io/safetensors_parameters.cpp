// A model's parameters to and from safetensors files (models/io/safetensors.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "../../graph/errors.hpp"
#include "detail/safetensors_support.hpp"
#include "safetensors.hpp"

namespace tapegrad {

using detail::quote_name;

template <class T>
TensorFile parameters_to_file(const std::vector<std::pair<std::string, Parameter<T>>>& parameters) {
  TensorFile file;
  for (const auto& [name, parameter] : parameters) file.add(name, parameter.value());
  return file;
}

template <class T>
TensorFile gradients_to_file(const std::vector<std::pair<std::string, Parameter<T>>>& parameters) {
  TensorFile file;
  for (const auto& [name, parameter] : parameters) file.add(name, parameter.grad());
  return file;
}

namespace {

// The tensor `tensor` as a T parameter's new value, or a problem saying why it cannot be.
template <class T>
std::variant<Tensor<T>, std::string> value_for(const NamedTensor& tensor, const Shape& expected,
                                               DTypeConversion conversion) {
  if (!(tensor.shape() == expected))
    return fmt::format("tensor {} has shape {} but the model's parameter has shape {}",
                       quote_name(tensor.name), tensor.shape().str(), expected.str());
  if (tensor.dtype() == dtype_of<T>()) return std::get<Tensor<T>>(tensor.value);
  if constexpr (std::is_same_v<T, double>) {
    if (conversion == DTypeConversion::kWidenF32 && tensor.dtype() == DType::kF32) {
      const Tensor<float>& narrow = std::get<Tensor<float>>(tensor.value);
      return Tensor<double>(narrow.shape(),
                            std::vector<double>(narrow.values().begin(), narrow.values().end()));
    }
  }
  return fmt::format("tensor {} is {} but the model is {}{}", quote_name(tensor.name),
                     to_string(tensor.dtype()), detail::type_name(dtype_of<T>()),
                     std::is_same_v<T, float> ? " (F64 is not narrowed to float)" : "");
}

}  // namespace

template <class T>
void load_parameters(const TensorFile& file,
                     const std::vector<std::pair<std::string, Parameter<T>>>& parameters,
                     DTypeConversion conversion) {
  std::vector<std::string> problems;
  std::vector<Tensor<T>> values;
  std::set<std::string_view> wanted;
  for (const auto& [name, parameter] : parameters) {
    wanted.insert(name);
    const NamedTensor* tensor = file.find(name);
    if (!parameter.defined())
      problems.push_back(fmt::format("the model's parameter {} is undefined", quote_name(name)));
    else if (tensor == nullptr)
      problems.push_back(fmt::format("no tensor {} for the model's parameter of shape {}",
                                     quote_name(name), parameter.shape().str()));
    else if (auto value = value_for<T>(*tensor, parameter.shape(), conversion); value.index() == 0)
      values.push_back(std::get<0>(std::move(value)));
    else
      problems.push_back(std::get<1>(std::move(value)));
  }
  for (const NamedTensor& tensor : file.tensors())
    if (!wanted.contains(tensor.name))
      problems.push_back(
          fmt::format("tensor {} is not a parameter of the model", quote_name(tensor.name)));
  if (problems.size() == 1) throw Error(detail::file_prefix(file) + problems.front());
  if (!problems.empty()) {
    // One per line, the first kShownProblems: a config and a file that share nothing would
    // otherwise print every tensor of both.
    constexpr std::size_t kShownProblems = 20;
    const std::size_t shown = std::min(problems.size(), kShownProblems);
    std::string message =
        fmt::format("{}{} problems loading the model's parameters:", detail::file_prefix(file),
                    problems.size());
    for (std::size_t i = 0; i < shown; ++i) message += "\n  " + problems[i];
    if (shown < problems.size())
      message += fmt::format("\n  ... and {} more", problems.size() - shown);
    throw Error(message);
  }
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Parameter<T> parameter = parameters[i].second;  // a copy shares the model's storage
    parameter.assign(values[i]);
  }
}

template TensorFile parameters_to_file(
    const std::vector<std::pair<std::string, Parameter<float>>>&);
template TensorFile parameters_to_file(
    const std::vector<std::pair<std::string, Parameter<double>>>&);
template TensorFile gradients_to_file(const std::vector<std::pair<std::string, Parameter<float>>>&);
template TensorFile gradients_to_file(
    const std::vector<std::pair<std::string, Parameter<double>>>&);
template void load_parameters(const TensorFile&,
                              const std::vector<std::pair<std::string, Parameter<float>>>&,
                              DTypeConversion);
template void load_parameters(const TensorFile&,
                              const std::vector<std::pair<std::string, Parameter<double>>>&,
                              DTypeConversion);

}  // namespace tapegrad
