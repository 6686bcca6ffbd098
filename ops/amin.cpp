// amin(a, dims, keepdim): the smallest elements over some axes (all by default). Its gradient goes
// to the smallest elements, shared evenly among ties (torch's amin): ∂y/∂a_i = [a_i = y]/k for k
// tied elements. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {

Var<float> amin(const Var<float>& a, const Axes& dims, bool keepdim) {
  return detail::extremum("amin", a, dims, keepdim, detail::Extreme::kSmallest,
                          detail::Ties::kShare);
}
Var<double> amin(const Var<double>& a, const Axes& dims, bool keepdim) {
  return detail::extremum("amin", a, dims, keepdim, detail::Extreme::kSmallest,
                          detail::Ties::kShare);
}

}  // namespace tapegrad
