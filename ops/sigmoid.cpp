// sigmoid(a) = 1 / (1 + e^(−a)), elementwise. Backward keeps the output z, not the input:
// dσ/da = σ(1 − σ) = z(1 − z) (the reference derivation, step 2).
#include "../graph/op.hpp"
#include "detail/vector_math.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

// The loops, compiled once per instruction set (TAPEGRAD_SIMD_CLONES). NOTE: the stable form
// (detail::sigmoid_of) never overflows: no NaN or Inf at a = ±1000.
TAPEGRAD_SIMD_CLONES void sigmoid_kernel(const float* a, float* z, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) z[i] = detail::sigmoid_of(a[i]);
}
TAPEGRAD_SIMD_CLONES void sigmoid_kernel(const double* a, double* z, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) z[i] = detail::sigmoid_of(a[i]);
}
// ga += g·z(1−z) (dσ/da = σ(1−σ)), or ga = g·z(1−z) where ga holds no values yet.
template <class T>
TAPEGRAD_SIMD_CLONES void sigmoid_backward_kernel(const T* __restrict g, const T* __restrict z,
                                                  T* __restrict ga, std::size_t n,
                                                  bool accumulate) {
  if (accumulate)
    for (std::size_t i = 0; i < n; ++i) ga[i] += g[i] * z[i] * (T(1) - z[i]);
  else
    for (std::size_t i = 0; i < n; ++i) ga[i] = g[i] * z[i] * (T(1) - z[i]);
}

template <class T>
class SigmoidNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& z = this->output();
    const T* g = ctx.grad_output();
    if (const std::size_t n = z.size(); n <= 4) {
      T* ga = ctx.input_grad(0, z.shape);
      for (std::size_t i = 0; i < n; ++i) ga[i] += g[i] * z.data[i] * (T(1) - z.data[i]);
    } else {
      const GradTarget<T> ga = ctx.input_grad_target(0, z.shape);
      sigmoid_backward_kernel(g, z.data, ga.data, n, ga.accumulate);
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& z = ctx.output();  // g·z(1 − z) = g·(z − z²), differentiable through z
    ctx.add_input_grad(0, mul(ctx.grad_output(), sub(z, mul(z, z))));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = z(1 − z) ȧ
    const Value<T>& z = this->output();
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < z.size(); ++i)
        ctx.output_tangent()[i] += z.data[i] * (T(1) - z.data[i]) * ta[i];
  }
};

template <class T>
Var<T> sigmoid_forward(const Var<T>& a) {
  Op<T> op("sigmoid", a);
  const Value<T>& in = op.input(0);
  T* z = op.output(in.shape);
  // NOTE: a few elements are done inline; the dispatched vector loop costs more than they do.
  if (const std::size_t n = in.size(); n <= 4)
    for (std::size_t i = 0; i < n; ++i) z[i] = detail::sigmoid_of(in.data[i]);
  else
    sigmoid_kernel(in.data, z, n);
  return op.template finish<SigmoidNode<T>>();
}

}  // namespace

Var<float> sigmoid(const Var<float>& a) {
  return sigmoid_forward(a);
}
Var<double> sigmoid(const Var<double>& a) {
  return sigmoid_forward(a);
}

}  // namespace tapegrad
