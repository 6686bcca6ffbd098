// scale(a, s) = s·a for a constant s. ∂(s·a)/∂a = s.
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class ScaleNode final : public Node<T> {
 public:
  explicit ScaleNode(T s) : s_(s) {}
  std::string_view name() const override { return "scale"; }
  std::string derivative(std::size_t) const override { return fmt::format("{:g}", s_); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += s_ * g[i];  // ∂(s·a)/∂a = s
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    ctx.add_input_grad(0, scale(ctx.grad_output(), s_));  // da = s·g
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = s ȧ
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < this->input(0).size(); ++i) ctx.output_tangent()[i] += s_ * ta[i];
  }

 private:
  T s_;
};

template <class T>
Var<T> scale_forward(const Var<T>& a, T s) {
  Op<T> op("scale", a);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) y[i] = s * in.data[i];
  return op.template finish<ScaleNode<T>>(s);
}

}  // namespace

Var<float> scale(const Var<float>& a, float s) {
  return scale_forward(a, s);
}
Var<double> scale(const Var<double>& a, double s) {
  return scale_forward(a, s);
}

}  // namespace tapegrad
