// logsumexp(a, dims, keepdim) = log Σ e^(a_i) over some axes (all by default), computed as
// m + log Σ e^(a_i − m) with m the largest element, so that nothing overflows (all −inf gives
// −inf). ∂y/∂a_i = e^(a_i − y) = softmax(a)_i.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class LogSumExpNode final : public Node<T> {
 public:
  explicit LogSumExpNode(const Shape& kept) : kept_(kept) {}
  std::string_view name() const override { return "logsumexp"; }
  std::string derivative(std::size_t) const override { return "exp({0}−{y})"; }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->output().size()) * sizeof(T);
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g·e^(a − y), broadcast back
    const Var<T> y = reshape(ctx.output(), kept_);
    ctx.add_input_grad(0, mul(reshape(ctx.grad_output(), kept_), exp(sub(ctx.input(0), y))));
  }

 private:
  Shape kept_;
};

template <class T>
Var<T> logsumexp_forward(const Var<T>& a, const Axes& dims, bool keepdim) {
  Op<T> op("logsumexp", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("logsumexp", in.shape, dims, keepdim);
  const std::size_t n = r.out().size();
  T* out = op.output(r.out());
  T* top = op.save(n);
  std::fill_n(top, n, -std::numeric_limits<T>::infinity());
  r.for_each([&](std::size_t i, std::size_t j) { top[j] = std::max(top[j], in.data[i]); });
  for (std::size_t j = 0; j < n; ++j)
    if (!std::isfinite(top[j])) top[j] = 0;  // all −inf, or an inf: no shift
  std::fill_n(out, n, T(0));
  r.for_each([&](std::size_t i, std::size_t j) { out[j] += std::exp(in.data[i] - top[j]); });
  for (std::size_t j = 0; j < n; ++j) out[j] = top[j] + std::log(out[j]);
  return op.template finish<LogSumExpNode<T>>(r.kept());
}

}  // namespace

Var<float> logsumexp(const Var<float>& a, const Axes& dims, bool keepdim) {
  return logsumexp_forward(a, dims, keepdim);
}
Var<double> logsumexp(const Var<double>& a, const Axes& dims, bool keepdim) {
  return logsumexp_forward(a, dims, keepdim);
}

}  // namespace tapegrad
