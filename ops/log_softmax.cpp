// log_softmax(a) along the last axis: out_j = a_j − log Σ_k e^(a_k), row by row for [n,k] (or
// the one row of [k]), computed as a_j − max − log Σ e^(a_k − max) so that nothing overflows.
// ∂out_j/∂a_i = δ_ij − p_i with p = softmax(a) = e^out, so the gradient is g − p·Σ_j g_j per row.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

// The shape of a's row sums, kept as an axis of 1: [n,1] for [n,k], [1] for [k].
Shape row_shape(const Shape& s) {
  return s.rank() == 2 ? Shape{s[0], 1} : Shape{1};
}

template <class T>
class LogSoftmaxNode final : public Node<T> {
 public:
  std::string_view name() const override { return "log_softmax"; }
  std::string derivative(std::size_t) const override { return "δ − softmax({0})"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& out = this->output();
    const Shape& s = out.shape;
    const std::size_t k = s[s.rank() - 1], rows = out.size() / k;
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, s);
    for (std::size_t r = 0; r < rows; ++r) {
      T total = 0;
      for (std::size_t j = 0; j < k; ++j) total += g[r * k + j];
      for (std::size_t j = 0; j < k; ++j)
        ga[r * k + j] += g[r * k + j] - std::exp(out.data[r * k + j]) * total;  // g − p Σg
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();
    const Var<T> totals = sum_to(g, row_shape(this->output().shape));
    ctx.add_input_grad(0, sub(g, mul(exp(ctx.output()), totals)));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ_j = ȧ_j − Σ_k p_k ȧ_k per row
    const Value<T>& out = this->output();
    const std::size_t k = out.shape[out.shape.rank() - 1], rows = out.size() / k;
    const T* ta = ctx.input_tangent(0);
    if (!ta) return;
    T* t = ctx.output_tangent();
    for (std::size_t r = 0; r < rows; ++r) {
      T mean = 0;
      for (std::size_t j = 0; j < k; ++j) mean += std::exp(out.data[r * k + j]) * ta[r * k + j];
      for (std::size_t j = 0; j < k; ++j) t[r * k + j] += ta[r * k + j] - mean;
    }
  }
};

template <class T>
Var<T> log_softmax_forward(const Var<T>& a) {
  Op<T> op("log_softmax", a);
  const Value<T>& in = op.input(0);
  const Shape& s = in.shape;
  if (s.rank() < 1 || s.rank() > 2 || s[s.rank() - 1] == 0)
    throw ShapeError(fmt::format("log_softmax: {} must be [k] or [n,k] with k ≥ 1", s.str()));
  const std::size_t k = s[s.rank() - 1], rows = in.size() / k;
  T* out = op.output(s);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* x = in.data + r * k;
    const T top = *std::max_element(x, x + k);
    double total = 0;
    for (std::size_t j = 0; j < k; ++j) total += std::exp(static_cast<double>(x[j] - top));
    const T log_total = static_cast<T>(std::log(total));
    for (std::size_t j = 0; j < k; ++j) out[r * k + j] = x[j] - top - log_total;
  }
  return op.template finish<LogSoftmaxNode<T>>();
}

}  // namespace

Var<float> log_softmax(const Var<float>& a) {
  return log_softmax_forward(a);
}
Var<double> log_softmax(const Var<double>& a) {
  return log_softmax_forward(a);
}

}  // namespace tapegrad
