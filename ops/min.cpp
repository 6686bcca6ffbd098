// min(a): the smallest element, with the gradient shared among ties as amin's (torch's full
// min). min(a, dim, keepdim): the smallest element along one axis and its index, the first of
// tied elements (torch's min with a dim, and argmin); the gradient goes to that index alone.
// argmin(a, dim, keepdim): the index alone, or without a dim the flat index over all elements;
// no gradient. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {

using detail::Extreme;

Var<float> min(const Var<float>& a) {
  return amin(a);
}
Var<double> min(const Var<double>& a) {
  return amin(a);
}
ValuesIndices<float> min(const Var<float>& a, int dim, bool keepdim) {
  return detail::extremum_along("min", a, dim, keepdim, Extreme::kSmallest);
}
ValuesIndices<double> min(const Var<double>& a, int dim, bool keepdim) {
  return detail::extremum_along("min", a, dim, keepdim, Extreme::kSmallest);
}
IndexTensor argmin(const Var<float>& a, std::optional<int> dim, bool keepdim) {
  return detail::arg_extremum("min", a, dim, keepdim, Extreme::kSmallest);
}
IndexTensor argmin(const Var<double>& a, std::optional<int> dim, bool keepdim) {
  return detail::arg_extremum("min", a, dim, keepdim, Extreme::kSmallest);
}

}  // namespace tapegrad
