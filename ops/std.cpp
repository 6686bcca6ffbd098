// std(a, dims, correction, keepdim) = √var(a, dims, correction): the standard deviation over some
// axes (ops/var.cpp). ∂std/∂a_i = (a_i − ā)/((N − correction)·std); where std = 0 (every element
// equal) the gradient is 0, as torch takes it, not 0/0.
#include <cmath>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class StdNode final : public Node<T> {
 public:
  StdNode(const Shape& kept, std::size_t count, double correction)
      : kept_(kept), count_(count), correction_(correction) {}
  std::string_view name() const override { return "std"; }
  std::string derivative(std::size_t) const override { return "({0}−mean)/((N−c){y})"; }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->output().size()) * sizeof(T);
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& a = ctx.input(0);
    const Var<T> s = reshape(ctx.output(), kept_);
    const Var<T> centred = sub(a, div(sum_to(a, kept_), static_cast<T>(count_)));
    // NOTE: where std = 0 the quotient is computed with 1 in its place and then dropped, so that
    // no 0/0 reaches a gradient of this gradient either.
    const Var<T> zero_spread = s == 0;
    const Var<T> safe = where(zero_spread, Var<T>(Tensor<T>::scalar(1)), s);
    const T n = static_cast<T>(static_cast<double>(count_) - correction_);
    const Var<T> quotient = div(mul(reshape(ctx.grad_output(), kept_), centred), scale(safe, n));
    ctx.add_input_grad(0, where(zero_spread, Var<T>(Tensor<T>::scalar(0)), quotient));
  }

 private:
  Shape kept_;
  std::size_t count_;
  double correction_;
};

template <class T>
Var<T> std_forward(const Var<T>& a, const Axes& dims, double correction, bool keepdim) {
  Op<T> op("std", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("std", in.shape, dims, keepdim);
  T* out = op.output(r.out());
  detail::variance(r, in.data, correction, op.save(r.out().size()), out);
  for (std::size_t j = 0; j < r.out().size(); ++j) out[j] = std::sqrt(out[j]);
  return op.template finish<StdNode<T>>(r.kept(), r.count(), correction);
}

}  // namespace

Var<float> std(const Var<float>& a, const Axes& dims, double correction, bool keepdim) {
  return std_forward(a, dims, correction, keepdim);
}
Var<double> std(const Var<double>& a, const Axes& dims, double correction, bool keepdim) {
  return std_forward(a, dims, correction, keepdim);
}

}  // namespace tapegrad
