// sum(a) = Σ_i a_i, a scalar. ∂sum/∂a_i = 1, so every element's gradient is the output's.
#include "../graph/op.hpp"
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
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    ctx.add_input_grad(0, broadcast_to(ctx.grad_output(), this->input(0).shape));  // da_i = g
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = Σ ȧ
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < this->input(0).size(); ++i) ctx.output_tangent()[0] += ta[i];
  }
};

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

}  // namespace tapegrad
