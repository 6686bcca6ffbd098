#include "module.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace tapegrad {

template <class T>
std::vector<Parameter<T>> Module<T>::parameters() const {
  std::vector<Parameter<T>> result;
  result.reserve(named_parameters_.size());
  for (const auto& [name, parameter] : named_parameters_) result.push_back(parameter);
  return result;
}

template <class T>
void Module<T>::zero_grad() {
  for (auto& [name, parameter] : named_parameters_) parameter.zero_grad();
}

template <class T>
void Module<T>::register_parameter(std::string name, const Parameter<T>& parameter) {
  if (!parameter.defined())
    throw Error(fmt::format("register_parameter: '{}' is an undefined Parameter", name));
  if (!names_.insert(name, named_parameters_.size()))
    throw Error(
        fmt::format("register_parameter: a parameter named '{}' is already registered", name));
  named_parameters_.emplace_back(std::move(name), parameter);
}

template <class T>
void Module<T>::register_module(const std::string& name, const Module& child) {
  for (const auto& [child_name, parameter] : child.named_parameters_)
    register_parameter(name + "." + child_name, parameter);
}

template class Module<float>;
template class Module<double>;

}  // namespace tapegrad
