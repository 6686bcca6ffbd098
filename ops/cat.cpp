// cat(parts, dim): Vars joined along an existing axis, which may differ in length while every
// other axis agrees; stack(parts, dim) joins them along a new axis (cat of the parts unsqueezed).
// Each output element is one input element, so each part's gradient is its slice of the output's
// gradient.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/composite.hpp"
#include "detail/slices.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class CatNode final : public Node<T> {
 public:
  explicit CatNode(std::size_t axis) : axis_(axis) {}
  std::string_view name() const override { return "cat"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const detail::AxisSlices out(this->output().shape, axis_);
    const T* g = ctx.grad_output();
    std::size_t offset = 0;  // where part k starts along the axis
    for (std::size_t k = 0; k < this->num_inputs(); ++k) {
      const Value<T>& part = this->input(k);
      const std::size_t length = part.shape[axis_];
      if (T* gp = ctx.input_grad(k, part.shape))
        for (std::size_t o = 0; o < out.outer; ++o)
          for (std::size_t l = 0; l < length * out.inner; ++l)
            gp[o * length * out.inner + l] += g[out.at(o, offset, 0) + l];
      offset += length;
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {  // each part: its slice of g
    std::int64_t offset = 0;
    for (std::size_t k = 0; k < this->num_inputs(); ++k) {
      const auto length = static_cast<std::int64_t>(this->input(k).shape[axis_]);
      if (ctx.needs_grad(k))
        ctx.add_input_grad(
            k, slice(ctx.grad_output(), static_cast<int>(axis_), offset, offset + length));
      offset += length;
    }
  }

 private:
  std::size_t axis_;
};

template <class T>
Var<T> cat_forward(std::span<const Var<T>> parts, int dim) {
  Op<T> op("cat", parts);
  const Shape& first = op.input(0).shape;
  const std::size_t axis = detail::normalize_axis("cat", dim, first);
  std::size_t total = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Shape& s = op.input(k).shape;
    bool fits = s.rank() == first.rank();
    for (std::size_t a = 0; fits && a < s.rank(); ++a) fits = a == axis || s[a] == first[a];
    if (!fits)
      throw ShapeError(
          fmt::format("cat: part {} has shape {} and part 0 {}: they must agree on "
                      "every axis but {}",
                      k, s.str(), first.str(), dim));
    total += s[axis];
  }
  const Shape shape = detail::with_axis(first, axis, total);
  const detail::AxisSlices out(shape, axis);
  T* y = op.output(shape);
  std::size_t offset = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Value<T>& part = op.input(k);
    const std::size_t length = part.shape[axis];
    for (std::size_t o = 0; o < out.outer; ++o)
      std::copy_n(part.data + o * length * out.inner, length * out.inner, y + out.at(o, offset, 0));
    offset += length;
  }
  return op.template finish<CatNode<T>>(axis);
}

template <class T>
Var<T> stack_forward(std::span<const Var<T>> parts, int dim) {
  if (parts.empty()) throw Error("stack: needs at least one input, got none");
  const auto rank = static_cast<int>(parts[0].rank());
  // The new axis may be one past the last (−1 puts it at the end, as torch's stack).
  const int axis = dim < 0 ? dim + rank + 1 : dim;
  std::vector<Var<T>> expanded;
  expanded.reserve(parts.size());
  for (std::size_t k = 0; k < parts.size(); ++k)
    if (!(parts[k].shape() == parts[0].shape()))
      throw ShapeError(fmt::format("stack: part {} has shape {} and part 0 {}: they must be equal",
                                   k, parts[k].shape().str(), parts[0].shape().str()));
  return detail::all_or_nothing<T>([&] {
    for (const Var<T>& part : parts) expanded.push_back(unsqueeze(part, axis));
    return cat_forward(std::span<const Var<T>>(expanded), axis);
  });
}

}  // namespace

Var<float> cat(std::span<const Var<float>> parts, int dim) {
  return cat_forward(parts, dim);
}
Var<double> cat(std::span<const Var<double>> parts, int dim) {
  return cat_forward(parts, dim);
}
Var<float> cat(std::initializer_list<Var<float>> parts, int dim) {
  return cat_forward(std::span<const Var<float>>(parts.begin(), parts.size()), dim);
}
Var<double> cat(std::initializer_list<Var<double>> parts, int dim) {
  return cat_forward(std::span<const Var<double>>(parts.begin(), parts.size()), dim);
}
Var<float> stack(std::span<const Var<float>> parts, int dim) {
  return stack_forward(parts, dim);
}
Var<double> stack(std::span<const Var<double>> parts, int dim) {
  return stack_forward(parts, dim);
}
Var<float> stack(std::initializer_list<Var<float>> parts, int dim) {
  return stack_forward(std::span<const Var<float>>(parts.begin(), parts.size()), dim);
}
Var<double> stack(std::initializer_list<Var<double>> parts, int dim) {
  return stack_forward(std::span<const Var<double>>(parts.begin(), parts.size()), dim);
}

}  // namespace tapegrad
