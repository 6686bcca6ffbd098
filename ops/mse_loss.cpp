// mse_loss(ŷ, y) = (1/N) Σ (y − ŷ)² over the N elements (reduction kMean, the default; kSum
// leaves out the 1/N, kNone keeps (y − ŷ)² per element). ∂/∂ŷ = −2(y − ŷ)/N and
// ∂/∂y = 2(y − ŷ)/N (N = 1 for kSum).
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "detail/losses.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class MseLossNode final : public Node<T> {
 public:
  explicit MseLossNode(std::size_t divisor) : divisor_(divisor) {}
  std::string_view name() const override { return "mse_loss"; }
  std::string derivative(std::size_t input) const override {
    if (divisor_ == 1) return input == 0 ? "−2({1}−{0})" : "2({1}−{0})";
    return input == 0 ? "−2({1}−{0})/N" : "2({1}−{0})/N";
  }
  std::size_t saved_bytes() const override { return 2 * this->input(0).size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&yhat = this->input(0), &y = this->input(1);
    const T g = ctx.grad_output()[0] * T(2) / static_cast<T>(divisor_);
    if (T* gp = ctx.input_grad(0, yhat.shape))
      for (std::size_t i = 0; i < yhat.size(); ++i)
        gp[i] -= g * (y.data[i] - yhat.data[i]);  // ∂/∂ŷ = −2(y − ŷ)/N
    if (T* gt = ctx.input_grad(1, y.shape))
      for (std::size_t i = 0; i < y.size(); ++i)
        gt[i] += g * (y.data[i] - yhat.data[i]);  // ∂/∂y = 2(y − ŷ)/N
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &yhat = ctx.input(0), &y = ctx.input(1);
    const T c = T(2) / static_cast<T>(divisor_);
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, scale(mul(g, sub(yhat, y)), c));  // −2(y − ŷ)/N
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, scale(mul(g, sub(y, yhat)), c));  // 2(y − ŷ)/N
  }

 private:
  std::size_t divisor_;  // N for the mean, 1 for the sum
};

template <class T>
Var<T> mse_loss_forward(const Var<T>& prediction, const Var<T>& target, Reduction reduction) {
  if (reduction == Reduction::kNone) {
    detail::check_same_shape("mse_loss", prediction, target);
    return detail::all_or_nothing<T>([&] { return square(sub(prediction, target)); });
  }
  Op<T> op("mse_loss", prediction, target);
  const Value<T>&yhat = op.input(0), &y = op.input(1);
  if (!(yhat.shape == y.shape))
    throw ShapeError(fmt::format("mse_loss: prediction {} and target {} must have the same shape",
                                 yhat.shape.str(), y.shape.str()));
  const double total = detail::accumulate(y.size(), [&](std::size_t i) {
    const T r = y.data[i] - yhat.data[i];
    return r * r;
  });
  const std::size_t divisor = reduction == Reduction::kMean ? y.size() : 1;
  *op.output(Shape{}) = static_cast<T>(total / static_cast<double>(divisor));  // (1/N) Σ (y − ŷ)²
  return op.template finish<MseLossNode<T>>(divisor);
}

}  // namespace

Var<float> mse_loss(const Var<float>& p, const Var<float>& t, Reduction reduction) {
  return mse_loss_forward(p, t, reduction);
}
Var<double> mse_loss(const Var<double>& p, const Var<double>& t, Reduction reduction) {
  return mse_loss_forward(p, t, reduction);
}

}  // namespace tapegrad
