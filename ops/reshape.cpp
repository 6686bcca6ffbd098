// reshape(a, shape): the same elements in the same (row-major) order under another shape of as
// many elements; squeeze, unsqueeze and flatten are reshapes too. Each output element is one
// input element, so the gradient is the output's gradient under a's shape.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class ReshapeNode final : public Node<T> {
 public:
  std::string_view name() const override { return "reshape"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, a.shape);
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g[i];
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, reshape(ctx.grad_output(), this->input(0).shape));  // da = g in a's shape
  }
};

template <class T>
Var<T> reshape_forward(const Var<T>& a, const Shape& shape) {
  // Nothing to do for the same shape: the value itself (and no node on the tape).
  if (a.defined() && a.shape() == shape) return a;
  Op<T> op("reshape", a);
  const Value<T>& in = op.input(0);
  if (shape.size() != in.size())
    throw ShapeError(fmt::format("reshape: {} has {} elements, {} has {}", in.shape.str(),
                                 in.size(), shape.str(), shape.size()));
  T* out = op.output(shape);
  std::copy_n(in.data, in.size(), out);
  return op.template finish<ReshapeNode<T>>();
}

// A shape's axes being edited, in place: at most Shape::kMaxRank of them, so no heap allocation.
struct Dims {
  std::array<std::size_t, Shape::kMaxRank> at{};
  std::size_t rank = 0;

  explicit Dims(const Shape& s) : rank(s.rank()) { std::ranges::copy(s.dims(), at.begin()); }
  void erase(std::size_t first, std::size_t last) {  // removes axes [first, last)
    std::copy(at.begin() + static_cast<std::ptrdiff_t>(last),
              at.begin() + static_cast<std::ptrdiff_t>(rank),
              at.begin() + static_cast<std::ptrdiff_t>(first));
    rank -= last - first;
  }
  void insert_one(std::size_t axis) {  // a new axis of size 1 before `axis`; rank < kMaxRank
    std::copy_backward(at.begin() + static_cast<std::ptrdiff_t>(axis),
                       at.begin() + static_cast<std::ptrdiff_t>(rank),
                       at.begin() + static_cast<std::ptrdiff_t>(rank + 1));
    at[axis] = 1;
    ++rank;
  }
  Shape shape() const { return Shape(std::span<const std::size_t>(at.data(), rank)); }
};

template <class T>
Var<T> squeeze_forward(const Var<T>& a, std::optional<int> dim) {
  Dims dims(a.shape());
  if (dim) {
    const std::size_t axis = detail::normalize_axis("squeeze", *dim, a.shape());
    if (dims.at[axis] == 1) dims.erase(axis, axis + 1);
  } else {
    for (std::size_t k = dims.rank; k-- > 0;)
      if (dims.at[k] == 1) dims.erase(k, k + 1);
  }
  return reshape_forward(a, dims.shape());
}

template <class T>
Var<T> unsqueeze_forward(const Var<T>& a, int dim) {
  Dims dims(a.shape());
  if (dims.rank == Shape::kMaxRank)
    throw ShapeError(fmt::format("unsqueeze: {} already has the largest rank, {}", a.shape().str(),
                                 Shape::kMaxRank));
  const std::size_t axis = detail::normalize_axis("unsqueeze", dim, a.shape(), dims.rank + 1);
  dims.insert_one(axis);
  return reshape_forward(a, dims.shape());
}

template <class T>
Var<T> flatten_forward(const Var<T>& a, int start_dim, int end_dim) {
  if (a.rank() == 0) return reshape_forward(a, Shape{1});  // torch: a scalar flattens to [1]
  Dims dims(a.shape());
  const std::size_t start = detail::normalize_axis("flatten", start_dim, a.shape());
  const std::size_t end = detail::normalize_axis("flatten", end_dim, a.shape());
  if (start > end)
    throw ShapeError(fmt::format("flatten: start_dim {} comes after end_dim {} in {}", start_dim,
                                 end_dim, a.shape().str()));
  std::size_t merged = 1;
  for (std::size_t k = start; k <= end; ++k) merged *= dims.at[k];
  dims.erase(start + 1, end + 1);
  dims.at[start] = merged;
  return reshape_forward(a, dims.shape());
}

}  // namespace

Var<float> squeeze(const Var<float>& a, std::optional<int> dim) {
  return squeeze_forward(a, dim);
}
Var<double> squeeze(const Var<double>& a, std::optional<int> dim) {
  return squeeze_forward(a, dim);
}
Var<float> unsqueeze(const Var<float>& a, int dim) {
  return unsqueeze_forward(a, dim);
}
Var<double> unsqueeze(const Var<double>& a, int dim) {
  return unsqueeze_forward(a, dim);
}
Var<float> flatten(const Var<float>& a, int start_dim, int end_dim) {
  return flatten_forward(a, start_dim, end_dim);
}
Var<double> flatten(const Var<double>& a, int start_dim, int end_dim) {
  return flatten_forward(a, start_dim, end_dim);
}

Var<float> reshape(const Var<float>& a, const Shape& shape) {
  return reshape_forward(a, shape);
}
Var<double> reshape(const Var<double>& a, const Shape& shape) {
  return reshape_forward(a, shape);
}

}  // namespace tapegrad
