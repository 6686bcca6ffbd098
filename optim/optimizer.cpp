#include "optimizer.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../graph/hot.hpp"

namespace tapegrad {

template <class T>
OptimizerOptions& ParamGroup<T>::options() {
  if (!options_) throw Error("ParamGroup: this group has no options of its own");
  return *options_;
}

template <class T>
const OptimizerOptions& ParamGroup<T>::options() const {
  if (!options_) throw Error("ParamGroup: this group has no options of its own");
  return *options_;
}

namespace {

// Group g's options completed from `defaults`: its own, with what they leave unset from there.
template <class T>
void fill_options(ParamGroup<T>& group, const OptimizerOptions& defaults, std::size_t g) {
  if (!group.has_options()) {
    group.set_options(defaults.clone());
  } else if (auto filled = group.options().filled_from(defaults)) {
    group.set_options(std::move(filled));
  } else {
    throw Error(
        fmt::format("optimizer: parameter group {} has the options of another optimizer; give it "
                    "the options type of this one (SGDOptions for SGD, AdamOptions for Adam, ...)",
                    g));
  }
}

// Throws Error if parameters[k] is undefined or one of parameters[0..k) is the same, for every
// k from `first` on.
template <class T>
void check_parameters(const std::vector<Parameter<T>>& parameters, std::size_t first) {
  for (std::size_t k = first; k < parameters.size(); ++k) {
    if (!parameters[k].defined())
      throw Error(fmt::format(
          "optimizer: parameter {} of {} is undefined (default-constructed); did you forget to "
          "construct it, or pass a module with bias(false) whose bias is empty?",
          k, parameters.size()));
    for (std::size_t j = 0; j < k; ++j)
      if (parameters[j] == parameters[k])
        throw Error(fmt::format(
            "optimizer: parameter {} of {} ('{}', shape {}) is given twice; a parameter may be "
            "in one parameter group only, once",
            k, parameters.size(), parameters[k].name(), parameters[k].shape().str()));
  }
}

}  // namespace

template <class T>
Optimizer<T>::Optimizer(std::vector<ParamGroup<T>> groups, const OptimizerOptions& defaults)
    : groups_(std::move(groups)) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    fill_options(groups_[g], defaults, g);
    for (const Parameter<T>& parameter : groups_[g].params()) parameters_.push_back(parameter);
  }
  check_parameters(parameters_, 0);
  state_.resize(parameters_.size());
}

template <class T>
void Optimizer<T>::add_param_group(ParamGroup<T> group) {
  const std::size_t g = groups_.size(), first = parameters_.size();
  fill_options(group, defaults(), g);
  try {
    for (const Parameter<T>& parameter : group.params()) parameters_.push_back(parameter);
    check_parameters(parameters_, first);
    state_.resize(parameters_.size());
    groups_.push_back(std::move(group));
    prepare_group(g, first);
  } catch (...) {  // as it was
    parameters_.erase(parameters_.begin() + static_cast<std::ptrdiff_t>(first), parameters_.end());
    state_.erase(state_.begin() + static_cast<std::ptrdiff_t>(first), state_.end());
    if (groups_.size() > g) groups_.pop_back();
    throw;
  }
}

template <class T>
TAPEGRAD_HOT void Optimizer<T>::zero_grad() {
  for (Parameter<T>& parameter : parameters_) parameter.zero_grad();
}

template class ParamGroup<float>;
template class ParamGroup<double>;
template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace tapegrad
