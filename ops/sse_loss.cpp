// sse_loss(ŷ, y) = E = ½ Σ (y − ŷ)², the squared error of the reference derivation summed over
// every element. ∂E/∂ŷ = −(y − ŷ) (the ½ cancels the square's 2) and ∂E/∂y = y − ŷ.
#include <fmt/format.h>

#include "../graph/hot.hpp"
#include "../graph/op.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SseLossNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sse_loss"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "−({1}−{0})" : "{1}−{0}";
  }
  std::size_t saved_bytes() const override { return 2 * this->input(0).size() * sizeof(T); }

  TAPEGRAD_HOT void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&yhat = this->input(0), &y = this->input(1);
    const T g = ctx.grad_output()[0];
    // Added into each buffer, or written where it holds no values yet.
    if (const GradTarget<T> gp = ctx.input_grad_target(0, yhat.shape)) {  // ∂E/∂ŷ = −(y − ŷ)
      if (gp.accumulate)
        for (std::size_t i = 0; i < yhat.size(); ++i) gp.data[i] -= g * (y.data[i] - yhat.data[i]);
      else
        for (std::size_t i = 0; i < yhat.size(); ++i)
          gp.data[i] = -(g * (y.data[i] - yhat.data[i]));
    }
    if (const GradTarget<T> gt = ctx.input_grad_target(1, y.shape)) {  // ∂E/∂y = y − ŷ
      if (gt.accumulate)
        for (std::size_t i = 0; i < y.size(); ++i) gt.data[i] += g * (y.data[i] - yhat.data[i]);
      else
        for (std::size_t i = 0; i < y.size(); ++i) gt.data[i] = g * (y.data[i] - yhat.data[i]);
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &yhat = ctx.input(0), &y = ctx.input(1);
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, mul(g, sub(yhat, y)));  // −(y − ŷ)·g
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, mul(g, sub(y, yhat)));  // (y − ŷ)·g
  }
};

template <class T>
TAPEGRAD_HOT Var<T> sse_loss_forward(const Var<T>& prediction, const Var<T>& target) {
  Op<T> op("sse_loss", prediction, target);
  const Value<T>&yhat = op.input(0), &y = op.input(1);
  if (!(yhat.shape == y.shape))
    throw ShapeError(fmt::format("sse_loss: prediction {} and target {} must have the same shape",
                                 yhat.shape.str(), y.shape.str()));
  const double total = detail::accumulate(y.size(), [&](std::size_t i) {
    const T r = y.data[i] - yhat.data[i];
    return r * r;
  });
  *op.output(Shape{}) = static_cast<T>(0.5 * total);  // E = ½ Σ (y − ŷ)²
  return op.template finish<SseLossNode<T>>();
}

}  // namespace

TAPEGRAD_HOT Var<float> sse_loss(const Var<float>& p, const Var<float>& t) {
  return sse_loss_forward(p, t);
}
TAPEGRAD_HOT Var<double> sse_loss(const Var<double>& p, const Var<double>& t) {
  return sse_loss_forward(p, t);
}

}  // namespace tapegrad
