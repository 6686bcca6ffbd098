// norm(a, p, dims, keepdim) = (Σ |a_i|^p)^(1/p) over some axes (all by default), for p > 0, and
// max |a_i| for p = ∞. ∂‖a‖_p/∂a_i = sgn(a_i)|a_i|^(p−1)/‖a‖^(p−1) (for p = 2: a_i/‖a‖, for
// p = 1: sgn(a_i)); for p = ∞ the gradient sgn(a_i) goes to the largest |a_i|, shared among
// ties. Where the norm is 0 the gradient is 0, as torch takes it.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> scalar(T value) {
  return Var<T>(Tensor<T>::scalar(value));
}

template <class T>
class NormNode final : public Node<T> {
 public:
  NormNode(const Shape& kept, double p) : kept_(kept), p_(p) {}
  std::string_view name() const override { return "norm"; }
  std::string derivative(std::size_t) const override {
    if (p_ == 1) return "sgn({0})";
    if (p_ == 2) return "{0}/{y}";
    if (std::isinf(p_)) return "sgn({0})[|{0}|={y}]/k";
    return fmt::format("sgn({{0}})|{{0}}|^{0:g}/{{y}}^{0:g}", p_ - 1);
  }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->output().size()) * sizeof(T);
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& a = ctx.input(0);
    const Var<T> g = reshape(ctx.grad_output(), kept_), y = reshape(ctx.output(), kept_);
    if (p_ == 1) {  // sgn(a)·g
      ctx.add_input_grad(0, mul(g, sign(a)));
      return;
    }
    if (std::isinf(p_)) {  // sgn(a)·[|a| = y]/k·g, k the number of tied largest |a|
      const Var<T> largest = abs(a) == y;
      ctx.add_input_grad(0, mul(mul(g, sign(a)), div(largest, sum_to(largest, kept_))));
      return;
    }
    // sgn(a)|a|^(p−1)/y^(p−1)·g, 0 where y = 0 (computed with y = 1 there, then dropped).
    const Var<T> zero_norm = y == 0;
    const Var<T> safe = where(zero_norm, scalar(T(1)), y);
    const T q = static_cast<T>(p_ - 1);
    const Var<T> numerator = p_ == 2 ? a : mul(sign(a), pow(abs(a), q));
    const Var<T> quotient = div(mul(g, numerator), p_ == 2 ? safe : pow(safe, q));
    ctx.add_input_grad(0, where(zero_norm, scalar(T(0)), quotient));
  }

 private:
  Shape kept_;
  double p_;
};

template <class T>
Var<T> norm_forward(const Var<T>& a, double p, const Axes& dims, bool keepdim) {
  if (!(p > 0))
    throw Error(
        fmt::format("norm: p must be positive (1, 2, or infinity for the largest "
                    "magnitude), got {}",
                    p));
  Op<T> op("norm", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("norm", in.shape, dims, keepdim);
  const std::size_t n = r.out().size();
  T* out = op.output(r.out());
  std::fill_n(out, n, T(0));
  if (std::isinf(p)) {
    r.for_each(
        [&](std::size_t i, std::size_t j) { out[j] = std::max(out[j], std::fabs(in.data[i])); });
  } else {
    const T power = static_cast<T>(p);
    r.for_each([&](std::size_t i, std::size_t j) {
      const T m = std::fabs(in.data[i]);
      out[j] += p == 1 ? m : p == 2 ? m * m : std::pow(m, power);
    });
    for (std::size_t j = 0; j < n; ++j)
      out[j] = p == 1 ? out[j] : p == 2 ? std::sqrt(out[j]) : std::pow(out[j], T(1) / power);
  }
  return op.template finish<NormNode<T>>(r.kept(), p);
}

}  // namespace

Var<float> norm(const Var<float>& a, double p, const Axes& dims, bool keepdim) {
  return norm_forward(a, p, dims, keepdim);
}
Var<double> norm(const Var<double>& a, double p, const Axes& dims, bool keepdim) {
  return norm_forward(a, p, dims, keepdim);
}

}  // namespace tapegrad
