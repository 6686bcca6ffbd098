// var(a, dims, correction, keepdim) = Σ (a_i − ā)² / (N − correction) over some axes (all by
// default), ā the mean and N the count; correction 1 is Bessel's, torch's default. N ≤ correction
// divides by zero or less: inf or NaN, as in torch. ∂var/∂a_i = 2(a_i − ā)/(N − correction) (the
// mean's own dependence on a_i sums to zero).
#include <algorithm>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class VarNode final : public Node<T> {
 public:
  VarNode(const Shape& kept, std::size_t count, double correction)
      : kept_(kept), count_(count), correction_(correction) {}
  std::string_view name() const override { return "var"; }
  std::string derivative(std::size_t) const override { return "2({0}−mean)/(N−c)"; }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }
  void vjp(const VjpContext<T>& ctx) const override {  // 2(a − ā)/(N − c) · g, broadcast
    const Var<T>& a = ctx.input(0);
    const Var<T> centred = sub(a, div(sum_to(a, kept_), static_cast<T>(count_)));
    const T factor = static_cast<T>(2 / (static_cast<double>(count_) - correction_));
    ctx.add_input_grad(0, scale(mul(reshape(ctx.grad_output(), kept_), centred), factor));
  }

 private:
  Shape kept_;
  std::size_t count_;
  double correction_;
};

}  // namespace

namespace detail {
// The mean (into `mean`, of r.out()'s size) and the variance (into `out`) over r's axes.
template <class T>
void variance(const AxisReduction& r, const T* a, double correction, T* mean, T* out) {
  const std::size_t n = r.out().size();
  std::fill_n(mean, n, T(0));
  r.for_each([&](std::size_t i, std::size_t j) { mean[j] += a[i]; });
  for (std::size_t j = 0; j < n; ++j) mean[j] /= static_cast<T>(r.count());
  std::fill_n(out, n, T(0));
  r.for_each([&](std::size_t i, std::size_t j) { out[j] += (a[i] - mean[j]) * (a[i] - mean[j]); });
  const T divisor = static_cast<T>(static_cast<double>(r.count()) - correction);
  for (std::size_t j = 0; j < n; ++j) out[j] /= divisor;
}
template void variance(const AxisReduction&, const float*, double, float*, float*);
template void variance(const AxisReduction&, const double*, double, double*, double*);
}  // namespace detail

namespace {
template <class T>
Var<T> var_forward(const Var<T>& a, const Axes& dims, double correction, bool keepdim) {
  Op<T> op("var", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("var", in.shape, dims, keepdim);
  T* out = op.output(r.out());
  detail::variance(r, in.data, correction, op.save(r.out().size()), out);
  return op.template finish<VarNode<T>>(r.kept(), r.count(), correction);
}
}  // namespace

Var<float> var(const Var<float>& a, const Axes& dims, double correction, bool keepdim) {
  return var_forward(a, dims, correction, keepdim);
}
Var<double> var(const Var<double>& a, const Axes& dims, double correction, bool keepdim) {
  return var_forward(a, dims, correction, keepdim);
}

}  // namespace tapegrad
