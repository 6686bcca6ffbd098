// sum(a) = Σ_i a_i, a scalar, and sum(a, dims, keepdim) over some axes. ∂sum/∂a_i = 1, so every
// element's gradient is that of the output element it went into: the output's gradient
// broadcast back.
#include <algorithm>
#include <array>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SumNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sum"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T g = ctx.grad_output()[0];
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g;  // ∂sum/∂a_i = 1
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, broadcast_to(ctx.grad_output(), this->input(0).shape));  // da_i = g
  }
};

// Over some axes: `kept` is the output's shape with the summed axes kept as 1.
template <class T>
class SumAxesNode final : public Node<T> {
 public:
  explicit SumAxesNode(const Shape& kept) : kept_(kept) {}
  std::string_view name() const override { return "sum"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    detail::for_each_broadcast<1>(a.shape, {&kept_},
                                  [&](std::size_t i, const auto& j) { ga[i] += g[j[0]]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // da_i = g_j, j the sum a_i went into
    ctx.add_input_grad(0, broadcast_to(reshape(ctx.grad_output(), kept_), this->input(0).shape));
  }

 private:
  Shape kept_;
};

// The input's axes merged into runs of neighbours that are all summed or all kept (axes of size
// 1 join either): a conv2d bias gradient's sum over N, H, W of [N, C, H, W] is the runs
// [N] summed, [C] kept, [H·W] summed.
struct Runs {
  std::array<std::size_t, Shape::kMaxRank> size{};
  std::array<bool, Shape::kMaxRank> summed{};
  std::size_t count = 0;
};

Runs runs_of(const detail::AxisReduction& r) {
  Runs u;
  for (std::size_t axis = 0; axis < r.in().rank(); ++axis) {
    const std::size_t n = r.in()[axis];
    if (n == 1) continue;
    if (u.count > 0 && u.summed[u.count - 1] == r.reduced(axis)) {
      u.size[u.count - 1] *= n;
    } else {
      u.size[u.count] = n;
      u.summed[u.count++] = r.reduced(axis);
    }
  }
  return u;
}

// out[k] = Σ over the summed axes, in double (as the full sum, detail::accumulate) into `acc`,
// for the runs [O] K [I] (O and I summed, either may be absent) and K1 [R] K2, which are the
// sums a model makes (bias gradients, row and column sums); false for other patterns.
template <class T>
bool sum_runs(const Runs& u, const T* a, std::size_t in_size, double* acc, std::size_t out_size) {
  std::fill_n(acc, out_size, 0.0);
  const auto& n = u.size;
  const std::size_t kept =
      static_cast<std::size_t>(std::count(u.summed.begin(), u.summed.begin() + u.count, false));
  if (kept == 0) {  // everything: one sum
    acc[0] = detail::accumulate(in_size, [&](std::size_t i) { return a[i]; });
    return true;
  }
  if (kept == 1) {
    const std::size_t first = u.summed[0] ? 1 : 0;  // the kept run's position
    const std::size_t O = first == 1 ? n[0] : 1, K = n[first];
    const std::size_t I = first + 1 < u.count ? n[first + 1] : 1;
    for (std::size_t o = 0; o < O; ++o) {
      const T* block = a + o * K * I;
      if (I == 1) {
        for (std::size_t k = 0; k < K; ++k) acc[k] += static_cast<double>(block[k]);
      } else {
        for (std::size_t k = 0; k < K; ++k)
          acc[k] += detail::accumulate(I, [&](std::size_t i) { return block[k * I + i]; });
      }
    }
    return true;
  }
  if (u.count == 3 && !u.summed[0] && u.summed[1]) {  // K1 [R] K2
    const std::size_t R = n[1], K2 = n[2];
    for (std::size_t k1 = 0; k1 < n[0]; ++k1)
      for (std::size_t r = 0; r < R; ++r)
        for (std::size_t k2 = 0; k2 < K2; ++k2)
          acc[k1 * K2 + k2] += static_cast<double>(a[(k1 * R + r) * K2 + k2]);
    return true;
  }
  return false;
}

template <class T>
Var<T> sum_axes(const Var<T>& a, const Axes& dims, bool keepdim) {
  if (dims.all() && !keepdim) return sum(a);
  Op<T> op("sum", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("sum", in.shape, dims, keepdim);
  const std::size_t size = r.out().size();
  double* acc = op.template save_array<double>(size);  // on the tape: steps allocate nothing
  T* out = op.output(r.out());
  if (sum_runs(runs_of(r), in.data, in.size(), acc, size)) {
    for (std::size_t k = 0; k < size; ++k) out[k] = static_cast<T>(acc[k]);
  } else {  // other patterns: one element at a time, in T
    std::fill_n(out, size, T(0));
    r.for_each([&](std::size_t i, std::size_t j) { out[j] += in.data[i]; });
  }
  return op.template finish<SumAxesNode<T>>(r.kept());
}

template <class T>
Var<T> sum_forward(const Var<T>& a) {
  Op<T> op("sum", a);
  const Value<T>& in = op.input(0);
  const double total = detail::accumulate(in.size(), [&](std::size_t i) { return in.data[i]; });
  *op.output(Shape{}) = static_cast<T>(total);
  return op.template finish<SumNode<T>>();
}

}  // namespace

Var<float> sum(const Var<float>& a) {
  return sum_forward(a);
}
Var<double> sum(const Var<double>& a) {
  return sum_forward(a);
}
Var<float> sum(const Var<float>& a, const Axes& dims, bool keepdim) {
  return sum_axes(a, dims, keepdim);
}
Var<double> sum(const Var<double>& a, const Axes& dims, bool keepdim) {
  return sum_axes(a, dims, keepdim);
}

}  // namespace tapegrad
