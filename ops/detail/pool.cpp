// The pooling windows and the window average with its transpose (ops/detail/pool.hpp).
#include "pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../graph/errors.hpp"
#include "pool_onednn.hpp"

namespace tapegrad::detail {

Shape with_plane(const Shape& shape, std::size_t h, std::size_t w) {
  std::array<std::size_t, Shape::kMaxRank> dims{};  // not a vector: no heap allocation
  std::copy(shape.dims().begin(), shape.dims().end(), dims.begin());
  dims[shape.rank() - 2] = h;
  dims[shape.rank() - 1] = w;
  return Shape(std::span<const std::size_t>(dims.data(), shape.rank()));
}

std::size_t planes_of(const Shape& shape) {
  std::size_t planes = 1;
  for (std::size_t a = 0; a + 2 < shape.rank(); ++a) planes *= shape[a];
  return planes;
}

namespace {

void check_input_rank(std::string_view op, const Shape& x) {
  if (x.rank() != 3 && x.rank() != 4)
    throw ShapeError(
        fmt::format("{}: input {}: the input must be [N, C, H, W] or [C, H, W]", op, x.str()));
}

// torch's pooling_output_shape: ⌊(size + 2·pad − kernel) / stride⌋ + 1, rounded up in ceil
// mode, except that a last window starting in the right padding is dropped.
std::size_t pooled_size(std::size_t size, std::size_t kernel, std::size_t stride, std::size_t pad,
                        bool ceil_mode) {
  const std::size_t padded = size + 2 * pad;
  if (padded < kernel) return 0;
  std::size_t out = (padded - kernel + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= size + pad) --out;
  return out;
}

// Window i along one axis, written as (first, end, divisor) at `at`.
void window(std::size_t i, std::size_t size, std::size_t kernel, std::size_t stride,
            std::size_t pad, bool average, bool count_include_pad, std::size_t* at) {
  const auto s = static_cast<std::ptrdiff_t>(size), p = static_cast<std::ptrdiff_t>(pad);
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(i * stride) - p;
  // avg_pool2d's window may reach into the right padding, and counts it there (torch)
  std::ptrdiff_t end = std::min(start + static_cast<std::ptrdiff_t>(kernel), average ? s + p : s);
  const std::ptrdiff_t padded_count = end - start;
  const std::ptrdiff_t first = std::max<std::ptrdiff_t>(start, 0);
  end = std::min(end, s);
  at[0] = static_cast<std::size_t>(first);
  at[1] = static_cast<std::size_t>(end);
  at[2] = static_cast<std::size_t>(count_include_pad ? padded_count : end - first);
}

}  // namespace

template <class T>
PoolWindows pool_windows(Op<T>& op, const Pool2dArgs& args, bool average) {
  const std::string_view name = op.name();
  const Shape& x = op.input(0).shape;
  check_input_rank(name, x);
  const std::array<std::size_t, 2> kernel = args.kernel, stride = args.stride.value_or(kernel),
                                   pad = args.padding;
  if (kernel[0] == 0 || kernel[1] == 0 || stride[0] == 0 || stride[1] == 0)
    throw ShapeError(fmt::format("{}: kernel ({}, {}) and stride ({}, {}) must be at least 1", name,
                                 kernel[0], kernel[1], stride[0], stride[1]));
  if (2 * pad[0] > kernel[0] || 2 * pad[1] > kernel[1])
    throw ShapeError(fmt::format("{}: padding ({}, {}) must be at most half the kernel ({}, {})",
                                 name, pad[0], pad[1], kernel[0], kernel[1]));
  const std::size_t h = x[x.rank() - 2], w = x[x.rank() - 1];
  const std::size_t oh = pooled_size(h, kernel[0], stride[0], pad[0], args.ceil_mode);
  const std::size_t ow = pooled_size(w, kernel[1], stride[1], pad[1], args.ceil_mode);
  if (oh == 0 || ow == 0)
    throw ShapeError(fmt::format(
        "{}: input {} with kernel ({}, {}), stride ({}, {}) and padding ({}, {}): the output "
        "would be {}×{}",
        name, x.str(), kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1], oh, ow));
  std::size_t* at = op.template save_array<std::size_t>(3 * (oh + ow));
  const bool include = average && args.count_include_pad;
  for (std::size_t i = 0; i < oh; ++i)
    window(i, h, kernel[0], stride[0], pad[0], average, include, at + 3 * i);
  for (std::size_t j = 0; j < ow; ++j)
    window(j, w, kernel[1], stride[1], pad[1], average, include, at + 3 * (oh + j));
  return {h, w, oh, ow, at, at + 3 * oh, kernel, stride, pad, include};
}

template <class T>
PoolWindows adaptive_windows(Op<T>& op, std::array<std::size_t, 2> output_size) {
  const std::string_view name = op.name();
  const Shape& x = op.input(0).shape;
  check_input_rank(name, x);
  const std::size_t h = x[x.rank() - 2], w = x[x.rank() - 1];
  const auto [oh, ow] = output_size;
  if (oh == 0 || ow == 0 || h == 0 || w == 0)
    throw ShapeError(fmt::format("{}: input {} and output size ({}, {}): both must be at least 1×1",
                                 name, x.str(), oh, ow));
  (void)with_plane(x, oh, ow);  // refuses an output no tensor can have before the tables are made
  std::size_t* at = op.template save_array<std::size_t>(3 * (oh + ow));
  const auto bins = [](std::size_t size, std::size_t n, std::size_t* to) {
    for (std::size_t i = 0; i < n; ++i, to += 3) {
      to[0] = i * size / n;                  // ⌊i·H/n⌋
      to[1] = ((i + 1) * size + n - 1) / n;  // ⌈(i+1)·H/n⌉
      to[2] = to[1] - to[0];
    }
  };
  bins(h, oh, at);
  bins(w, ow, at + 3 * oh);
  return {h, w, oh, ow, at, at + 3 * oh, {}, {}, {}, false};
}

namespace {

// Calls f(input index, output index, 1/divisor) for every input element of every window.
template <class T, class F>
void for_each_window_element(std::size_t planes, const PoolWindows& p, F&& f) {
  for (std::size_t plane = 0; plane < planes; ++plane)
    for (std::size_t i = 0; i < p.oh; ++i)
      for (std::size_t j = 0; j < p.ow; ++j) {
        const std::size_t out = (plane * p.oh + i) * p.ow + j;
        const T share = T(1) / static_cast<T>(p.divisor(i, j));
        for (std::size_t r = p.first_row(i); r < p.end_row(i); ++r)
          for (std::size_t c = p.first_col(j); c < p.end_col(j); ++c)
            f((plane * p.h + r) * p.w + c, out, share);
      }
}

// The [N, C] of a pooling's input or output shape ([1, C] for [C, H, W]): oneDNN's batch and
// channels.
std::pair<std::size_t, std::size_t> batch_and_channels(const Shape& shape) {
  return shape.rank() == 4 ? std::pair{shape[0], shape[1]} : std::pair{std::size_t{1}, shape[0]};
}

std::string_view transpose_name(std::string_view forward) {
  return forward == "avg_pool2d" ? "avg_pool2d_backward" : "adaptive_avg_pool2d_backward";
}

template <class T>
Var<T> spread_windows(const Var<T>& grad, const PoolWindows& p, std::string_view forward);

template <class T>
class AverageNode final : public Node<T> {
 public:
  AverageNode(const PoolWindows& p, std::string_view name) : p_(p), name_(name) {}
  std::string_view name() const override { return name_; }
  std::string derivative(std::size_t) const override { return "1/|window|"; }
  void vjp(const VjpContext<T>& ctx) const override {  // dx[r,c] = Σ_{windows ∋ (r,c)} G/|window|
    ctx.add_input_grad(0, spread_windows(ctx.grad_output(), p_, name_));
  }

 private:
  PoolWindows p_;
  std::string_view name_;
};

template <class T>
class SpreadNode final : public Node<T> {
 public:
  SpreadNode(const PoolWindows& p, std::string_view forward) : p_(p), forward_(forward) {}
  std::string_view name() const override { return transpose_name(forward_); }
  std::string derivative(std::size_t) const override { return "1/|window|"; }
  void vjp(const VjpContext<T>& ctx) const override {  // the transpose's transpose: the average
    Op<T> op(forward_, ctx.grad_output());
    ctx.add_input_grad(0, average_windows(op, p_));
  }

 private:
  PoolWindows p_;
  std::string_view forward_;
};

template <class T>
Var<T> spread_windows(const Var<T>& grad, const PoolWindows& p, std::string_view forward) {
  Op<T> op(transpose_name(forward), grad);
  const Value<T>& g = op.input(0);
  const Shape shape = with_plane(g.shape, p.h, p.w);
  T* dx = op.output(shape);
  if constexpr (std::is_same_v<T, float>) {
    if (average_uses_onednn(p, planes_of(g.shape))) {
      const auto [n, c] = batch_and_channels(g.shape);
      onednn_spread(p, n, c, g.data, dx);  // the same sum, on oneDNN's pooling_backward
      return op.template finish<SpreadNode<T>>(p, forward);
    }
  }
  std::fill_n(dx, shape.size(), T(0));
  for_each_window_element<T>(planes_of(g.shape), p, [&](std::size_t in, std::size_t out, T share) {
    dx[in] += g.data[out] * share;  // ∂y/∂x = 1/|window| for each x in the window
  });
  return op.template finish<SpreadNode<T>>(p, forward);
}

}  // namespace

template <class T>
Var<T> average_windows(Op<T>& op, const PoolWindows& p) {
  const Value<T>& x = op.input(0);
  const Shape shape = with_plane(x.shape, p.oh, p.ow);
  T* y = op.output(shape);
  if constexpr (std::is_same_v<T, float>) {
    if (average_uses_onednn(p, planes_of(x.shape))) {
      const auto [n, c] = batch_and_channels(x.shape);
      onednn_average(p, n, c, x.data, y);  // the same average, on oneDNN's pooling_forward
      return op.template finish<AverageNode<T>>(p, op.name());
    }
  }
  std::fill_n(y, shape.size(), T(0));
  for_each_window_element<T>(planes_of(x.shape), p, [&](std::size_t in, std::size_t out, T share) {
    y[out] += x.data[in] * share;  // y = Σ_window x / |window|
  });
  return op.template finish<AverageNode<T>>(p, op.name());
}

template PoolWindows pool_windows(Op<float>&, const Pool2dArgs&, bool);
template PoolWindows pool_windows(Op<double>&, const Pool2dArgs&, bool);
template PoolWindows adaptive_windows(Op<float>&, std::array<std::size_t, 2>);
template PoolWindows adaptive_windows(Op<double>&, std::array<std::size_t, 2>);
template Var<float> average_windows(Op<float>&, const PoolWindows&);
template Var<double> average_windows(Op<double>&, const PoolWindows&);

}  // namespace tapegrad::detail
