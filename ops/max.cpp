// max(a): the largest element, with the gradient shared among ties as amax's (torch's full
// max). max(a, dim, keepdim): the largest element along one axis and its index, the first of
// tied elements (torch's max with a dim, and argmax); the gradient goes to that index alone.
// argmax(a, dim, keepdim): the index alone, or without a dim the flat index over all elements;
// no gradient. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {
namespace {

template <class T>
ValuesIndices<T> max_along(const Var<T>& a, int dim, bool keepdim) {
  ValuesIndices<T> result;
  result.values = detail::extremum("max", a, Axes(dim), keepdim, detail::Extreme::kLargest,
                                   detail::Ties::kFirst, &result.indices);
  return result;
}

template <class T>
IndexTensor argmax(const Var<T>& a, std::optional<int> dim, bool keepdim) {
  const NoGradGuard indices_only;
  if (dim) return max_along(a, *dim, keepdim).indices;
  // Over everything: the flat index, as torch's argmax without a dim.
  const Var<T> flat = reshape(a, Shape{a.size()});
  IndexTensor index = max_along(flat, 0, keepdim).indices;
  if (keepdim) {
    std::vector<std::size_t> ones(a.rank(), 1);
    return index.reshaped(Shape(std::span<const std::size_t>(ones)));
  }
  return index;
}

}  // namespace

Var<float> max(const Var<float>& a) {
  return amax(a);
}
Var<double> max(const Var<double>& a) {
  return amax(a);
}
ValuesIndices<float> max(const Var<float>& a, int dim, bool keepdim) {
  return max_along(a, dim, keepdim);
}
ValuesIndices<double> max(const Var<double>& a, int dim, bool keepdim) {
  return max_along(a, dim, keepdim);
}
IndexTensor argmax(const Var<float>& a, std::optional<int> dim, bool keepdim) {
  return argmax<float>(a, dim, keepdim);
}
IndexTensor argmax(const Var<double>& a, std::optional<int> dim, bool keepdim) {
  return argmax<double>(a, dim, keepdim);
}

}  // namespace tapegrad
