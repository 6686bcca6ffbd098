// slice(a, dim, start, stop, step): a[start:stop:step] along one axis, with Python's rules
// (negative start and stop count from the end; out-of-range ones are clipped; step ≥ 1). Each
// output element is one input element, so the gradient is the output's gradient put back in
// place in a tensor of zeros: a scatter, itself an op (its own gradient is the slice again), so
// that gradients of gradients go through. split and chunk are slices.
#include <fmt/format.h>

#include <algorithm>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/composite.hpp"
#include "detail/slices.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

struct SliceSpec {
  std::size_t axis, start, step, count;
};

// Calls f(i, j) for element i of the slice and element j of the sliced tensor `whole`.
template <class F>
void for_each_sliced(const Shape& whole, const SliceSpec& s, F&& f) {
  const detail::AxisSlices w(whole, s.axis);
  std::size_t i = 0;
  for (std::size_t o = 0; o < w.outer; ++o)
    for (std::size_t k = 0; k < s.count; ++k)
      for (std::size_t in = 0; in < w.inner; ++in) f(i++, w.at(o, s.start + k * s.step, in));
}

template <class T>
Var<T> scatter_slice(const Var<T>& g, const Shape& whole, const SliceSpec& s);

template <class T>
class SliceNode final : public Node<T> {
 public:
  explicit SliceNode(const SliceSpec& s) : s_(s) {}
  std::string_view name() const override { return "slice"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for_each_sliced(a.shape, s_, [&](std::size_t i, std::size_t j) { ga[j] += g[i]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g put back in place, zeros elsewhere
    ctx.add_input_grad(0, scatter_slice(ctx.grad_output(), this->input(0).shape, s_));
  }

 private:
  SliceSpec s_;
};

// The adjoint: g placed at the slice's positions of a tensor of zeros of the whole's shape.
template <class T>
class SliceScatterNode final : public Node<T> {
 public:
  explicit SliceScatterNode(const SliceSpec& s) : s_(s) {}
  std::string_view name() const override { return "slice_scatter"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void vjp(const VjpContext<T>& ctx) const override {  // the slice of the gradient
    const std::size_t stop = s_.start + s_.count * s_.step;
    ctx.add_input_grad(
        0, slice(ctx.grad_output(), static_cast<int>(s_.axis), static_cast<std::int64_t>(s_.start),
                 static_cast<std::int64_t>(stop), static_cast<std::int64_t>(s_.step)));
  }

 private:
  SliceSpec s_;
};

template <class T>
Var<T> scatter_slice(const Var<T>& g, const Shape& whole, const SliceSpec& s) {
  Op<T> op("slice_scatter", g);
  const Value<T>& in = op.input(0);
  T* out = op.output(whole);
  std::fill_n(out, whole.size(), T(0));
  for_each_sliced(whole, s, [&](std::size_t i, std::size_t j) { out[j] = in.data[i]; });
  return op.template finish<SliceScatterNode<T>>(s);
}

template <class T>
Var<T> slice_forward(const Var<T>& a, int dim, std::int64_t start, std::int64_t stop,
                     std::int64_t step) {
  Op<T> op("slice", a);
  const Value<T>& in = op.input(0);
  const std::size_t axis = detail::normalize_axis("slice", dim, in.shape);
  if (step < 1)
    throw ShapeError(fmt::format("slice: step {} along axis {} of {}: the step must be at least 1",
                                 step, dim, in.shape.str()));
  const auto length = static_cast<std::int64_t>(in.shape[axis]);
  const auto clip = [&](std::int64_t i) {
    return std::clamp(i < 0 ? i + length : i, std::int64_t{0}, length);
  };
  const std::int64_t first = clip(start), last = clip(stop);
  const std::int64_t count = last > first ? (last - first + step - 1) / step : 0;
  const SliceSpec s{axis, static_cast<std::size_t>(first), static_cast<std::size_t>(step),
                    static_cast<std::size_t>(count)};
  T* out = op.output(detail::with_axis(in.shape, axis, s.count));
  for_each_sliced(in.shape, s, [&](std::size_t i, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<SliceNode<T>>(s);
}

template <class T>
std::vector<Var<T>> split_forward(const Var<T>& a, std::int64_t size, int dim) {
  const std::size_t axis = detail::normalize_axis("split", dim, a.shape());
  if (size < 1)
    throw ShapeError(
        fmt::format("split: pieces of {} along axis {} of {}: the size must be at "
                    "least 1",
                    size, dim, a.shape().str()));
  const auto length = static_cast<std::int64_t>(a.shape()[axis]);
  return detail::all_or_nothing<T>([&] {
    std::vector<Var<T>> pieces;
    for (std::int64_t start = 0; start < length; start += size)
      pieces.push_back(slice_forward(a, dim, start, std::min(start + size, length), 1));
    return pieces;
  });
}

template <class T>
std::vector<Var<T>> chunk_forward(const Var<T>& a, std::int64_t chunks, int dim) {
  const std::size_t axis = detail::normalize_axis("chunk", dim, a.shape());
  if (chunks < 1)
    throw ShapeError(fmt::format("chunk: {} chunks of {}: at least 1", chunks, a.shape().str()));
  const auto length = static_cast<std::int64_t>(a.shape()[axis]);
  // torch.chunk: pieces of ⌈length/chunks⌉, so there may be fewer than asked.
  return split_forward(a, std::max<std::int64_t>(1, (length + chunks - 1) / chunks), dim);
}

}  // namespace

Var<float> slice(const Var<float>& a, int dim, std::int64_t start, std::int64_t stop,
                 std::int64_t step) {
  return slice_forward(a, dim, start, stop, step);
}
Var<double> slice(const Var<double>& a, int dim, std::int64_t start, std::int64_t stop,
                  std::int64_t step) {
  return slice_forward(a, dim, start, stop, step);
}
std::vector<Var<float>> split(const Var<float>& a, std::int64_t split_size, int dim) {
  return split_forward(a, split_size, dim);
}
std::vector<Var<double>> split(const Var<double>& a, std::int64_t split_size, int dim) {
  return split_forward(a, split_size, dim);
}
std::vector<Var<float>> chunk(const Var<float>& a, std::int64_t chunks, int dim) {
  return chunk_forward(a, chunks, dim);
}
std::vector<Var<double>> chunk(const Var<double>& a, std::int64_t chunks, int dim) {
  return chunk_forward(a, chunks, dim);
}

}  // namespace tapegrad
