// The largest or smallest elements over some axes, for amax, amin, max and min. The forward
// pass keeps, for every input element, the share of the gradient it receives: 1/k for each of k
// tied extreme elements (amax, and max over everything), or 1 for the one element whose index is
// returned (max along an axis). The gradient is then weights ⊙ g broadcast back, and, the
// weights being piecewise constant in a, that product is its own rule for gradients of
// gradients.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "../../graph/op.hpp"
#include "../ops.hpp"
#include "axes.hpp"

namespace tapegrad::detail {

template <class T>
class ExtremumNode final : public Node<T> {
 public:
  ExtremumNode(std::string_view name, const Shape& kept, const T* weights)
      : name_(name), kept_(kept), weights_(weights) {}
  std::string_view name() const override { return name_; }
  std::string derivative(std::size_t) const override { return "[{0}={y}]/k"; }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for_each_broadcast<1>(a.shape, {&kept_}, [&](std::size_t i, const auto& j) {
      ga[i] += weights_[i] * g[j[0]];  // ∂y_j/∂a_i = the share of a_i in y_j
    });
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Shape& in = this->input(0).shape;
    const Var<T> weights = Tape<T>::current().constant_view(in, weights_);
    ctx.add_input_grad(0, mul(weights, reshape(ctx.grad_output(), kept_)));
  }

 private:
  std::string_view name_;  // a literal: amax, amin, max, min
  Shape kept_;
  const T* weights_;  // on the tape, as long as the node
};

enum class Extreme { kLargest, kSmallest };
enum class Ties { kShare, kFirst };

template <class T>
bool beats(Extreme e, T x, T best) {
  return e == Extreme::kLargest ? x > best : x < best;
}

// The extreme values of `a` over `dims` (NaN wins, as in torch); with kFirst, also the index
// along the single axis of `dims` of the first extreme element of each slice (into *indices).
// Scratch lives on the tape, so that a step allocates nothing from the heap.
template <class T>
Var<T> extremum(std::string_view name, const Var<T>& a, const Axes& dims, bool keepdim, Extreme e,
                Ties ties, IndexTensor* indices = nullptr) {
  Op<T> op(name, a);
  const Value<T>& in = op.input(0);
  const AxisReduction r(name, in.shape, dims, keepdim);
  if (r.count() == 0)
    throw ShapeError(
        fmt::format("{}: {} has no elements to reduce over the axes given", name, in.shape.str()));
  T* out = op.output(r.out());
  const std::size_t n = r.out().size();
  std::fill_n(out, n,
              e == Extreme::kLargest ? -std::numeric_limits<T>::infinity()
                                     : std::numeric_limits<T>::infinity());
  r.for_each([&](std::size_t i, std::size_t j) {
    const T x = in.data[i];
    if (x != x || beats(e, x, out[j])) out[j] = x;
  });
  // weights[i]: 1 for the elements equal to their extreme, then divided by how many are (kShare),
  // or kept for the first one only (kFirst). tally[j] counts them.
  T* weights = op.save(in.size());
  T* tally = op.save(n);
  std::fill_n(tally, n, T(0));
  std::size_t axis = 0, inner = 1;
  if (indices != nullptr) {
    axis = normalize_axis(name, dims.list()[0], in.shape);
    for (std::size_t k = axis + 1; k < in.shape.rank(); ++k) inner *= in.shape[k];
    *indices = IndexTensor(r.out());
  }
  r.for_each([&](std::size_t i, std::size_t j) {
    const bool extreme = in.data[i] == out[j] || (in.data[i] != in.data[i] && out[j] != out[j]);
    const bool counted = extreme && (ties == Ties::kShare || tally[j] == T(0));
    weights[i] = counted ? T(1) : T(0);
    if (counted && indices != nullptr && tally[j] == T(0))
      (*indices)[j] = static_cast<std::int64_t>((i / inner) % in.shape[axis]);
    if (counted) tally[j] += T(1);
  });
  if (ties == Ties::kShare)
    r.for_each([&](std::size_t i, std::size_t j) { weights[i] /= tally[j]; });
  return op.template finish<ExtremumNode<T>>(name, r.kept(), weights);
}

// max(a, dim)/min(a, dim): the extreme along one axis and its index, the first of tied elements.
template <class T>
ValuesIndices<T> extremum_along(std::string_view name, const Var<T>& a, int dim, bool keepdim,
                                Extreme e) {
  ValuesIndices<T> result;
  result.values = extremum(name, a, Axes(dim), keepdim, e, Ties::kFirst, &result.indices);
  return result;
}

// argmax/argmin: the index alone; without a dim the flat index over all elements, as torch's.
template <class T>
IndexTensor arg_extremum(std::string_view name, const Var<T>& a, std::optional<int> dim,
                         bool keepdim, Extreme e) {
  const NoGradGuard indices_only;
  if (dim) return extremum_along(name, a, *dim, keepdim, e).indices;
  const Var<T> flat = reshape(a, Shape{a.size()});
  IndexTensor index = extremum_along(name, flat, 0, keepdim, e).indices;
  if (!keepdim) return index;
  const std::vector<std::size_t> ones(a.rank(), 1);
  return index.reshaped(Shape(std::span<const std::size_t>(ones)));
}

}  // namespace tapegrad::detail
