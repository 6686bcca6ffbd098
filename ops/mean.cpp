// mean(a) = (1/N) Σ_i a_i over the N elements, a scalar. ∂mean/∂a_i = 1/N.
// The mean of an empty tensor is NaN (0/0), as in NumPy.
#include "../graph/op.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class MeanNode final : public Node<T> {
 public:
  std::string_view name() const override { return "mean"; }
  std::string derivative(std::size_t) const override { return "1/N"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T g = ctx.grad_output()[0] / static_cast<T>(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g;  // ∂mean/∂a_i = 1/N
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);  // da_i = g/n
    ctx.add_input_grad(
        0, scale(broadcast_to(ctx.grad_output(), a.shape), T(1) / static_cast<T>(a.size())));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = Σ ȧ / n
    const std::size_t n = this->input(0).size();
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < n; ++i) ctx.output_tangent()[0] += ta[i] / static_cast<T>(n);
  }
};

template <class T>
Var<T> mean_forward(const Var<T>& a) {
  Op<T> op("mean", a);
  const Value<T>& in = op.input(0);
  const double total = detail::accumulate(in.size(), [&](std::size_t i) { return in.data[i]; });
  *op.output(Shape{}) = static_cast<T>(total / static_cast<double>(in.size()));
  return op.template finish<MeanNode<T>>();
}

}  // namespace

Var<float> mean(const Var<float>& a) {
  return mean_forward(a);
}
Var<double> mean(const Var<double>& a) {
  return mean_forward(a);
}

}  // namespace tapegrad
