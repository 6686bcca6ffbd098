// What the losses share: the check that prediction and target have one shape, and the
// reduction of per-element losses (none, mean or sum, torch's `reduction`).
#pragma once

#include <fmt/format.h>

#include <string_view>

#include "../../graph/errors.hpp"
#include "../ops.hpp"
#include "composite.hpp"

namespace tapegrad::detail {

template <class T>
void check_same_shape(std::string_view op, const Var<T>& prediction, const Var<T>& target) {
  if (!(prediction.shape() == target.shape()))
    throw ShapeError(fmt::format("{}: prediction {} and target {} must have the same shape", op,
                                 prediction.shape().str(), target.shape().str()));
}

template <class T>
Var<T> reduce_loss(const Var<T>& per_element, Reduction reduction) {
  switch (reduction) {
    case Reduction::kNone:
      return per_element;
    case Reduction::kSum:
      return sum(per_element);
    case Reduction::kMean:
      break;
  }
  return mean(per_element);
}

}  // namespace tapegrad::detail
