// log_softmax(a, dim): y_k = a_k − log Σ_j e^(a_j) along one axis (the last by default),
// computed as a_k − m − log Σ e^(a_j − m) with m the slice's largest element, so that nothing
// overflows. ∂y_k/∂a_i = δ_ik − p_i with p = softmax(a) = e^y, so the gradient is g − p·Σ_k g_k
// per slice.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/slices.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class LogSoftmaxNode final : public Node<T> {
 public:
  explicit LogSoftmaxNode(std::size_t axis) : axis_(axis) {}
  std::string_view name() const override { return "log_softmax"; }
  std::string derivative(std::size_t) const override { return "δ − softmax({0})"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& y = this->output();
    const detail::AxisSlices s(y.shape, axis_);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, y.shape);
    for (std::size_t o = 0; o < s.outer; ++o)
      for (std::size_t i = 0; i < s.inner; ++i) {
        T total = 0;
        for (std::size_t k = 0; k < s.length; ++k) total += g[s.at(o, k, i)];
        for (std::size_t k = 0; k < s.length; ++k) {
          const std::size_t at = s.at(o, k, i);
          ga[at] += g[at] - std::exp(y.data[at]) * total;  // g − p·Σg
        }
      }
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g − e^y·Σ_k g_k
    const Var<T>& g = ctx.grad_output();
    const Var<T> totals = sum_to(g, detail::with_axis(this->output().shape, axis_, 1));
    ctx.add_input_grad(0, sub(g, mul(exp(ctx.output()), totals)));
  }

 private:
  std::size_t axis_;
};

template <class T>
Var<T> log_softmax_forward(const Var<T>& a, int dim) {
  Op<T> op("log_softmax", a);
  const Value<T>& in = op.input(0);
  const std::size_t axis = detail::normalize_axis("log_softmax", dim, in.shape);
  const detail::AxisSlices s(in.shape, axis);
  T* out = op.output(in.shape);
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) {
      T top = -std::numeric_limits<T>::infinity();
      for (std::size_t k = 0; k < s.length; ++k) top = std::max(top, in.data[s.at(o, k, i)]);
      if (!std::isfinite(top)) top = 0;  // all −inf (or an inf): no shift
      double total = 0;
      for (std::size_t k = 0; k < s.length; ++k)
        total += std::exp(static_cast<double>(in.data[s.at(o, k, i)] - top));
      const T log_total = static_cast<T>(std::log(total));
      for (std::size_t k = 0; k < s.length; ++k)
        out[s.at(o, k, i)] = in.data[s.at(o, k, i)] - top - log_total;
    }
  return op.template finish<LogSoftmaxNode<T>>(axis);
}

}  // namespace

Var<float> log_softmax(const Var<float>& a, int dim) {
  return log_softmax_forward(a, dim);
}
Var<double> log_softmax(const Var<double>& a, int dim) {
  return log_softmax_forward(a, dim);
}

}  // namespace tapegrad
