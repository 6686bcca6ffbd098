// log(a), the natural logarithm, elementwise. Backward keeps the input a: d log(a)/da = 1/a.
// log of a ≤ 0 gives −inf or NaN, as std::log does; no error is raised.
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class LogNode final : public Node<T> {
 public:
  std::string_view name() const override { return "log"; }
  std::string derivative(std::size_t) const override { return "1/{0}"; }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& saved = this->input(0);
    T* ga = ctx.input_grad(0, saved.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < saved.size(); ++i) {
      const T a = saved.data[i];
      ga[i] += g[i] * (T(1) / a);  // d log/da = 1/a
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    // g/a, with 1/a = e^(−log a) from differentiable ops (a > 0 in log's domain).
    const Var<T> reciprocal = exp(scale(ctx.output(), T(-1)));
    ctx.add_input_grad(0, mul(ctx.grad_output(), reciprocal));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ / a
    const Value<T>& a = this->input(0);
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < a.size(); ++i) ctx.output_tangent()[i] += ta[i] / a.data[i];
  }
};

template <class T>
Var<T> log_forward(const Var<T>& a) {
  Op<T> op("log", a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const T x = in.data[i];
    y[i] = std::log(x);
  }
  return op.template finish<LogNode<T>>();
}

}  // namespace

Var<float> log(const Var<float>& a) {
  return log_forward(a);
}
Var<double> log(const Var<double>& a) {
  return log_forward(a);
}

}  // namespace tapegrad
