// max(a): the largest element, with the gradient shared among ties as amax's (torch's full
// max). max(a, dim, keepdim): the largest element along one axis and its index, the first of
// tied elements (torch's max with a dim, and argmax); the gradient goes to that index alone.
// argmax(a, dim, keepdim): the index alone, or without a dim the flat index over all elements;
// no gradient. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {

using detail::Extreme;

Var<float> max(const Var<float>& a) {
  return amax(a);
}
Var<double> max(const Var<double>& a) {
  return amax(a);
}
ValuesIndices<float> max(const Var<float>& a, int dim, bool keepdim) {
  return detail::extremum_along("max", a, dim, keepdim, Extreme::kLargest);
}
ValuesIndices<double> max(const Var<double>& a, int dim, bool keepdim) {
  return detail::extremum_along("max", a, dim, keepdim, Extreme::kLargest);
}
IndexTensor argmax(const Var<float>& a, std::optional<int> dim, bool keepdim) {
  return detail::arg_extremum("max", a, dim, keepdim, Extreme::kLargest);
}
IndexTensor argmax(const Var<double>& a, std::optional<int> dim, bool keepdim) {
  return detail::arg_extremum("max", a, dim, keepdim, Extreme::kLargest);
}

}  // namespace tapegrad
