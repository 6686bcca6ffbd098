// permute(a, order): the axes reordered, output axis i being a's axis order[i] (torch's permute);
// transpose(a, d0, d1) swaps two. Each output element is one input element, so the gradient is
// the output's gradient permuted back by the inverse order.
#include <fmt/format.h>

#include <array>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

using Order = std::array<std::uint8_t, Shape::kMaxRank>;

// Calls f(i, j) for each element i of the permuted tensor with j its element of `in`.
template <class F>
void for_each_permuted(const Shape& in, const Order& order, F&& f) {
  const std::size_t rank = in.rank();
  std::array<std::size_t, Shape::kMaxRank> in_strides{}, stride{}, dims{}, index{};
  for (std::size_t k = rank, s = 1; k-- > 0;) {
    in_strides[k] = s;
    s *= in[k];
  }
  for (std::size_t k = 0; k < rank; ++k) {
    dims[k] = in[order[k]];
    stride[k] = in_strides[order[k]];
  }
  std::size_t j = 0;
  for (std::size_t i = 0, n = in.size(); i < n; ++i) {
    f(i, j);
    for (std::size_t axis = rank; axis-- > 0;) {  // an odometer over the output's axes
      j += stride[axis];
      if (++index[axis] < dims[axis]) break;
      j -= stride[axis] * dims[axis];
      index[axis] = 0;
    }
  }
}

template <class T>
class PermuteNode final : public Node<T> {
 public:
  explicit PermuteNode(const Order& order) : order_(order) {}
  std::string_view name() const override { return "permute"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for_each_permuted(a.shape, order_, [&](std::size_t i, std::size_t j) { ga[j] += g[i]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // permute back: the inverse order
    const std::size_t rank = this->input(0).shape.rank();
    std::array<int, Shape::kMaxRank> inverse{};
    for (std::size_t k = 0; k < rank; ++k) inverse[order_[k]] = static_cast<int>(k);
    ctx.add_input_grad(0, permute(ctx.grad_output(), std::span<const int>(inverse.data(), rank)));
  }

 private:
  Order order_;
};

template <class T>
Var<T> permute_forward(const Var<T>& a, std::span<const int> order) {
  Op<T> op("permute", a);
  const Value<T>& in = op.input(0);
  const std::size_t rank = in.shape.rank();
  if (order.size() != rank)
    throw ShapeError(fmt::format("permute: {} has rank {} but the order lists {} axes",
                                 in.shape.str(), rank, order.size()));
  Order axes{};
  std::array<bool, Shape::kMaxRank> used{};
  std::array<std::size_t, Shape::kMaxRank> dims{};
  for (std::size_t k = 0; k < rank; ++k) {
    const std::size_t axis = detail::normalize_axis("permute", order[k], in.shape);
    if (used[axis])
      throw ShapeError(fmt::format("permute: axis {} of {} appears twice in the order", order[k],
                                   in.shape.str()));
    used[axis] = true;
    axes[k] = static_cast<std::uint8_t>(axis);
    dims[k] = in.shape[axis];
  }
  T* out = op.output(Shape(std::span<const std::size_t>(dims.data(), rank)));
  for_each_permuted(in.shape, axes, [&](std::size_t i, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<PermuteNode<T>>(axes);
}

template <class T>
Var<T> transpose_axes(const Var<T>& a, int dim0, int dim1) {
  const std::size_t rank = a.rank();
  const std::size_t d0 = detail::normalize_axis("transpose", dim0, a.shape());
  const std::size_t d1 = detail::normalize_axis("transpose", dim1, a.shape());
  std::array<int, Shape::kMaxRank> order{};
  for (std::size_t k = 0; k < rank; ++k) order[k] = static_cast<int>(k);
  std::swap(order[d0], order[d1]);
  return permute_forward(a, std::span<const int>(order.data(), rank));
}

}  // namespace

Var<float> permute(const Var<float>& a, std::span<const int> order) {
  return permute_forward(a, order);
}
Var<double> permute(const Var<double>& a, std::span<const int> order) {
  return permute_forward(a, order);
}
Var<float> permute(const Var<float>& a, std::initializer_list<int> order) {
  return permute_forward(a, std::span<const int>(order.begin(), order.size()));
}
Var<double> permute(const Var<double>& a, std::initializer_list<int> order) {
  return permute_forward(a, std::span<const int>(order.begin(), order.size()));
}
Var<float> transpose(const Var<float>& a, int dim0, int dim1) {
  return transpose_axes(a, dim0, dim1);
}
Var<double> transpose(const Var<double>& a, int dim0, int dim1) {
  return transpose_axes(a, dim0, dim1);
}

}  // namespace tapegrad
