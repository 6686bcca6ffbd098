// relu(a) = max(0, a), elementwise. Backward keeps the output y (y > 0 exactly where a > 0):
// d relu/da = 1 where a > 0, else 0 (at a = 0 the subgradient 0 is used, as PyTorch does).
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class ReluNode final : public Node<T> {
 public:
  std::string_view name() const override { return "relu"; }
  std::string derivative(std::size_t) const override { return "[{0}>0]"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& saved = this->output();
    T* ga = ctx.input_grad(0, saved.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < saved.size(); ++i) {
      const T y = saved.data[i];
      ga[i] += g[i] * (y > T(0) ? T(1) : T(0));  // d relu/da = 1[a > 0]
    }
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    // The mask [a > 0] is piecewise constant: a constant here, so relu'' = 0 away from 0.
    const Value<T>& a = this->input(0);
    Tensor<T> mask(a.shape);
    for (std::size_t i = 0; i < a.size(); ++i) mask.values()[i] = a.data[i] > T(0) ? T(1) : T(0);
    ctx.add_input_grad(0, mul(ctx.grad_output(), Var<T>(mask)));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = [a > 0] ȧ
    const Value<T>& a = this->input(0);
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a.data[i] > T(0)) ctx.output_tangent()[i] += ta[i];
  }
};

template <class T>
Var<T> relu_forward(const Var<T>& a) {
  Op<T> op("relu", a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const T x = in.data[i];
    y[i] = x > T(0) ? x : T(0);
  }
  return op.template finish<ReluNode<T>>();
}

}  // namespace

Var<float> relu(const Var<float>& a) {
  return relu_forward(a);
}
Var<double> relu(const Var<double>& a) {
  return relu_forward(a);
}

}  // namespace tapegrad
