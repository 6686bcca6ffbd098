// tanh(a), elementwise. Backward keeps the output t: d tanh(a)/da = 1 − tanh²(a) = 1 − t².
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class TanhNode final : public Node<T> {
 public:
  std::string_view name() const override { return "tanh"; }
  std::string derivative(std::size_t) const override { return "1−{y}²"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& saved = this->output();
    T* ga = ctx.input_grad(0, saved.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < saved.size(); ++i) {
      const T t = saved.data[i];
      ga[i] += g[i] * (T(1) - t * t);  // d tanh/da = 1 − t²
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();
    const Var<T>& t = ctx.output();  // g(1 − t²) = g − g·t²
    ctx.add_input_grad(0, sub(g, mul(g, mul(t, t))));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = (1 − t²) ȧ
    const Value<T>& y = this->output();
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < y.size(); ++i)
        ctx.output_tangent()[i] += (T(1) - y.data[i] * y.data[i]) * ta[i];
  }
};

template <class T>
Var<T> tanh_forward(const Var<T>& a) {
  Op<T> op("tanh", a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const T x = in.data[i];
    y[i] = std::tanh(x);
  }
  return op.template finish<TanhNode<T>>();
}

}  // namespace

Var<float> tanh(const Var<float>& a) {
  return tanh_forward(a);
}
Var<double> tanh(const Var<double>& a) {
  return tanh_forward(a);
}

}  // namespace tapegrad
