// mse_loss(ŷ, y) = (1/N) Σ (y − ŷ)² over the N elements.
// ∂/∂ŷ = −2(y − ŷ)/N and ∂/∂y = 2(y − ŷ)/N.
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class MseLossNode final : public Node<T> {
 public:
  std::string_view name() const override { return "mse_loss"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "−2({1}−{0})/N" : "2({1}−{0})/N";
  }
  std::size_t saved_bytes() const override { return 2 * this->input(0).size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&yhat = this->input(0), &y = this->input(1);
    const T g = ctx.grad_output()[0] * T(2) / static_cast<T>(y.size());
    if (T* gp = ctx.input_grad(0, yhat.shape))
      for (std::size_t i = 0; i < yhat.size(); ++i)
        gp[i] -= g * (y.data[i] - yhat.data[i]);  // ∂/∂ŷ = −2(y − ŷ)/N
    if (T* gt = ctx.input_grad(1, y.shape))
      for (std::size_t i = 0; i < y.size(); ++i)
        gt[i] += g * (y.data[i] - yhat.data[i]);  // ∂/∂y = 2(y − ŷ)/N
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &yhat = ctx.input(0), &y = ctx.input(1);
    const T c = T(2) / static_cast<T>(this->input(1).size());
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, scale(mul(g, sub(yhat, y)), c));  // −2(y − ŷ)/N
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, scale(mul(g, sub(y, yhat)), c));  // 2(y − ŷ)/N
  }
  void jvp(const JvpContext<T>& ctx) const override {  // Ė = (2/N) Σ (ŷ − y)(ŷ̇ − ẏ)
    const Value<T>&yhat = this->input(0), &y = this->input(1);
    const T *tp = ctx.input_tangent(0), *tt = ctx.input_tangent(1);
    T total = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      total += (yhat.data[i] - y.data[i]) * ((tp ? tp[i] : T(0)) - (tt ? tt[i] : T(0)));
    ctx.output_tangent()[0] += T(2) * total / static_cast<T>(y.size());
  }
};

template <class T>
Var<T> mse_loss_forward(const Var<T>& prediction, const Var<T>& target) {
  Op<T> op("mse_loss", prediction, target);
  const Value<T>&yhat = op.input(0), &y = op.input(1);
  if (!(yhat.shape == y.shape))
    throw ShapeError(fmt::format("mse_loss: prediction {} and target {} must have the same shape",
                                 yhat.shape.str(), y.shape.str()));
  const double total = detail::accumulate(y.size(), [&](std::size_t i) {
    const T r = y.data[i] - yhat.data[i];
    return r * r;
  });
  *op.output(Shape{}) = static_cast<T>(total / static_cast<double>(y.size()));  // (1/N) Σ (y − ŷ)²
  return op.template finish<MseLossNode<T>>();
}

}  // namespace

Var<float> mse_loss(const Var<float>& p, const Var<float>& t) {
  return mse_loss_forward(p, t);
}
Var<double> mse_loss(const Var<double>& p, const Var<double>& t) {
  return mse_loss_forward(p, t);
}

}  // namespace tapegrad
