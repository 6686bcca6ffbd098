// softmax(a, dim): y_k = e^(a_k) / Σ_j e^(a_j) along one axis (the last by default), computed
// with the slice's largest element subtracted first, so that nothing overflows.
// ∂y_k/∂a_i = y_k(δ_ik − y_i), so the gradient is y ⊙ (g − Σ_k g_k y_k) per slice.
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
class SoftmaxNode final : public Node<T> {
 public:
  explicit SoftmaxNode(std::size_t axis) : axis_(axis) {}
  std::string_view name() const override { return "softmax"; }
  std::string derivative(std::size_t) const override { return "{y}(δ − {y})"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& y = this->output();
    const detail::AxisSlices s(y.shape, axis_);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, y.shape);
    for (std::size_t o = 0; o < s.outer; ++o)
      for (std::size_t i = 0; i < s.inner; ++i) {
        T dot = 0;
        for (std::size_t k = 0; k < s.length; ++k) dot += g[s.at(o, k, i)] * y.data[s.at(o, k, i)];
        for (std::size_t k = 0; k < s.length; ++k) {
          const std::size_t at = s.at(o, k, i);
          ga[at] += y.data[at] * (g[at] - dot);  // y(g − Σ g y)
        }
      }
  }
  void vjp(const VjpContext<T>& ctx) const override {  // y ⊙ (g − Σ_k g_k y_k)
    const Var<T>&g = ctx.grad_output(), &y = ctx.output();
    const Var<T> dot = sum_to(mul(g, y), detail::with_axis(this->output().shape, axis_, 1));
    ctx.add_input_grad(0, mul(y, sub(g, dot)));
  }

 private:
  std::size_t axis_;
};

template <class T>
Var<T> softmax_forward(const Var<T>& a, int dim) {
  Op<T> op("softmax", a);
  const Value<T>& in = op.input(0);
  const std::size_t axis = detail::normalize_axis("softmax", dim, in.shape);
  const detail::AxisSlices s(in.shape, axis);
  T* out = op.output(in.shape);
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) {
      T top = -std::numeric_limits<T>::infinity();
      for (std::size_t k = 0; k < s.length; ++k) top = std::max(top, in.data[s.at(o, k, i)]);
      if (!std::isfinite(top)) top = 0;
      double total = 0;
      for (std::size_t k = 0; k < s.length; ++k) {
        const double e = std::exp(static_cast<double>(in.data[s.at(o, k, i)] - top));
        out[s.at(o, k, i)] = static_cast<T>(e);
        total += e;
      }
      for (std::size_t k = 0; k < s.length; ++k)
        out[s.at(o, k, i)] = static_cast<T>(static_cast<double>(out[s.at(o, k, i)]) / total);
    }
  return op.template finish<SoftmaxNode<T>>(axis);
}

}  // namespace

Var<float> softmax(const Var<float>& a, int dim) {
  return softmax_forward(a, dim);
}
Var<double> softmax(const Var<double>& a, int dim) {
  return softmax_forward(a, dim);
}

}  // namespace tapegrad
