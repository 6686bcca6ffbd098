#include "optimizer.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../graph/hot.hpp"

namespace tapegrad {

template <class T>
Optimizer<T>::Optimizer(std::vector<Parameter<T>> parameters) : parameters_(std::move(parameters)) {
  for (std::size_t k = 0; k < parameters_.size(); ++k)
    if (!parameters_[k].defined())
      throw Error(fmt::format(
          "optimizer: parameter {} of {} is undefined (default-constructed); did you forget to "
          "construct it, or pass a module with bias(false) whose bias is empty?",
          k, parameters_.size()));
}

template <class T>
TAPEGRAD_HOT void Optimizer<T>::zero_grad() {
  for (Parameter<T>& parameter : parameters_) parameter.zero_grad();
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace tapegrad
