// reshape(a, shape): the same elements in the same (row-major) order under another shape of as
// many elements; squeeze, unsqueeze and flatten are reshapes too. Each output element is one
// input element, so the gradient is the output's gradient under a's shape.
#include <fmt/format.h>

#include <algorithm>

#include <vector>

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

std::vector<std::size_t> dims_of(const Shape& s) {
  return {s.dims().begin(), s.dims().end()};
}
Shape shape_of(const std::vector<std::size_t>& dims) {
  return Shape(std::span<const std::size_t>(dims));
}

template <class T>
Var<T> squeeze_forward(const Var<T>& a, std::optional<int> dim) {
  std::vector<std::size_t> dims = dims_of(a.shape());
  if (dim) {
    const std::size_t axis = detail::normalize_axis("squeeze", *dim, a.shape());
    if (dims[axis] == 1) dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(axis));
  } else {
    std::erase(dims, std::size_t{1});
  }
  return reshape_forward(a, shape_of(dims));
}

template <class T>
Var<T> unsqueeze_forward(const Var<T>& a, int dim) {
  std::vector<std::size_t> dims = dims_of(a.shape());
  if (dims.size() == Shape::kMaxRank)
    throw ShapeError(fmt::format("unsqueeze: {} already has the largest rank, {}", a.shape().str(),
                                 Shape::kMaxRank));
  const std::size_t axis = detail::normalize_axis("unsqueeze", dim, a.shape(), dims.size() + 1);
  dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(axis), 1);
  return reshape_forward(a, shape_of(dims));
}

template <class T>
Var<T> flatten_forward(const Var<T>& a, int start_dim, int end_dim) {
  if (a.rank() == 0) return reshape_forward(a, Shape{1});  // torch: a scalar flattens to [1]
  std::vector<std::size_t> dims = dims_of(a.shape());
  const std::size_t start = detail::normalize_axis("flatten", start_dim, a.shape());
  const std::size_t end = detail::normalize_axis("flatten", end_dim, a.shape());
  if (start > end)
    throw ShapeError(fmt::format("flatten: start_dim {} comes after end_dim {} in {}", start_dim,
                                 end_dim, a.shape().str()));
  std::size_t merged = 1;
  for (std::size_t k = start; k <= end; ++k) merged *= dims[k];
  dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(start + 1),
             dims.begin() + static_cast<std::ptrdiff_t>(end + 1));
  dims[start] = merged;
  return reshape_forward(a, shape_of(dims));
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
