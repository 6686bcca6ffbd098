// amax(a, dims, keepdim): the largest elements over some axes (all by default). Its gradient goes
// to the largest elements, shared evenly among ties (torch's amax): ∂y/∂a_i = [a_i = y]/k for k
// tied elements. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {

Var<float> amax(const Var<float>& a, const Axes& dims, bool keepdim) {
  return detail::extremum("amax", a, dims, keepdim, detail::Extreme::kLargest,
                          detail::Ties::kShare);
}
Var<double> amax(const Var<double>& a, const Axes& dims, bool keepdim) {
  return detail::extremum("amax", a, dims, keepdim, detail::Extreme::kLargest,
                          detail::Ties::kShare);
}

}  // namespace tapegrad
