// exp(a) = e^a, elementwise. Backward keeps the output y: d e^a/da = e^a = y.
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class ExpNode final : public Node<T> {
 public:
  std::string_view name() const override { return "exp"; }
  std::string derivative(std::size_t) const override { return "{y}"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& saved = this->output();
    T* ga = ctx.input_grad(0, saved.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < saved.size(); ++i) {
      const T y = saved.data[i];
      ga[i] += g[i] * y;  // d e^a/da = e^a
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    ctx.add_input_grad(0, mul(ctx.grad_output(), ctx.output()));  // g·eᵃ
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = eᵃ ȧ
    const Value<T>& y = this->output();
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < y.size(); ++i) ctx.output_tangent()[i] += y.data[i] * ta[i];
  }
};

template <class T>
Var<T> exp_forward(const Var<T>& a) {
  Op<T> op("exp", a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const T x = in.data[i];
    y[i] = std::exp(x);
  }
  return op.template finish<ExpNode<T>>();
}

}  // namespace

Var<float> exp(const Var<float>& a) {
  return exp_forward(a);
}
Var<double> exp(const Var<double>& a) {
  return exp_forward(a);
}

}  // namespace tapegrad
