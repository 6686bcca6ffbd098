// min(a): the smallest element, with the gradient shared among ties as amin's (torch's full
// min). min(a, dim, keepdim): the smallest element along one axis and its index, the first of
// tied elements (torch's min with a dim, and argmin); the gradient goes to that index alone.
// argmin(a, dim, keepdim): the index alone, or without a dim the flat index over all elements;
// no gradient. See ops/detail/extremum.hpp.
#include "detail/extremum.hpp"

namespace tapegrad {
namespace {

template <class T>
ValuesIndices<T> min_along(const Var<T>& a, int dim, bool keepdim) {
  ValuesIndices<T> result;
  result.values = detail::extremum("min", a, Axes(dim), keepdim, detail::Extreme::kSmallest,
                                   detail::Ties::kFirst, &result.indices);
  return result;
}

template <class T>
IndexTensor argmin(const Var<T>& a, std::optional<int> dim, bool keepdim) {
  const NoGradGuard indices_only;
  if (dim) return min_along(a, *dim, keepdim).indices;
  // Over everything: the flat index, as torch's argmin without a dim.
  const Var<T> flat = reshape(a, Shape{a.size()});
  IndexTensor index = min_along(flat, 0, keepdim).indices;
  if (keepdim) {
    std::vector<std::size_t> ones(a.rank(), 1);
    return index.reshaped(Shape(std::span<const std::size_t>(ones)));
  }
  return index;
}

}  // namespace

Var<float> min(const Var<float>& a) {
  return amin(a);
}
Var<double> min(const Var<double>& a) {
  return amin(a);
}
ValuesIndices<float> min(const Var<float>& a, int dim, bool keepdim) {
  return min_along(a, dim, keepdim);
}
ValuesIndices<double> min(const Var<double>& a, int dim, bool keepdim) {
  return min_along(a, dim, keepdim);
}
IndexTensor argmin(const Var<float>& a, std::optional<int> dim, bool keepdim) {
  return argmin<float>(a, dim, keepdim);
}
IndexTensor argmin(const Var<double>& a, std::optional<int> dim, bool keepdim) {
  return argmin<double>(a, dim, keepdim);
}

}  // namespace tapegrad
