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

template <class T>
Optimizer<T>::Optimizer(std::vector<ParamGroup<T>> groups, const OptimizerOptions& defaults)
    : groups_(std::move(groups)) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup<T>& group = groups_[g];
    if (!group.has_options()) {
      group.set_options(defaults.clone());
    } else if (auto filled = group.options().filled_from(defaults)) {
      group.set_options(std::move(filled));
    } else {
      throw Error(fmt::format(
          "optimizer: parameter group {} has the options of another optimizer; give it "
          "the options type of this one (SGDOptions for SGD, AdamOptions for Adam, ...)",
          g));
    }
    for (const Parameter<T>& parameter : group.params()) parameters_.push_back(parameter);
  }
  for (std::size_t k = 0; k < parameters_.size(); ++k) {
    if (!parameters_[k].defined())
      throw Error(fmt::format(
          "optimizer: parameter {} of {} is undefined (default-constructed); did you forget to "
          "construct it, or pass a module with bias(false) whose bias is empty?",
          k, parameters_.size()));
    for (std::size_t j = 0; j < k; ++j)
      if (parameters_[j] == parameters_[k])
        throw Error(fmt::format(
            "optimizer: parameter {} of {} ('{}', shape {}) is given twice; a parameter may be "
            "in one parameter group only, once",
            k, parameters_.size(), parameters_[k].name(), parameters_[k].shape().str()));
  }
  state_.resize(parameters_.size());
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
