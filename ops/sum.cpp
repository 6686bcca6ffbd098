// sum(a) = Σ_i a_i, a scalar, and sum(a, dims, keepdim) over some axes. ∂sum/∂a_i = 1, so every
// element's gradient is that of the output element it went into: the output's gradient
// broadcast back.
#include <algorithm>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SumNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sum"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T g = ctx.grad_output()[0];
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g;  // ∂sum/∂a_i = 1
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, broadcast_to(ctx.grad_output(), this->input(0).shape));  // da_i = g
  }
};

// Over some axes: `kept` is the output's shape with the summed axes kept as 1.
template <class T>
class SumAxesNode final : public Node<T> {
 public:
  explicit SumAxesNode(const Shape& kept) : kept_(kept) {}
  std::string_view name() const override { return "sum"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    detail::for_each_broadcast<1>(a.shape, {&kept_},
                                  [&](std::size_t i, const auto& j) { ga[i] += g[j[0]]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // da_i = g_j, j the sum a_i went into
    ctx.add_input_grad(0, broadcast_to(reshape(ctx.grad_output(), kept_), this->input(0).shape));
  }

 private:
  Shape kept_;
};

template <class T>
Var<T> sum_axes(const Var<T>& a, const Axes& dims, bool keepdim) {
  if (dims.all() && !keepdim) return sum(a);
  Op<T> op("sum", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("sum", in.shape, dims, keepdim);
  T* out = op.output(r.out());
  std::fill_n(out, r.out().size(), T(0));
  r.for_each([&](std::size_t i, std::size_t j) { out[j] += in.data[i]; });
  return op.template finish<SumAxesNode<T>>(r.kept());
}

template <class T>
Var<T> sum_forward(const Var<T>& a) {
  Op<T> op("sum", a);
  const Value<T>& in = op.input(0);
  const double total = detail::accumulate(in.size(), [&](std::size_t i) { return in.data[i]; });
  *op.output(Shape{}) = static_cast<T>(total);
  return op.template finish<SumNode<T>>();
}

}  // namespace

Var<float> sum(const Var<float>& a) {
  return sum_forward(a);
}
Var<double> sum(const Var<double>& a) {
  return sum_forward(a);
}
Var<float> sum(const Var<float>& a, const Axes& dims, bool keepdim) {
  return sum_axes(a, dims, keepdim);
}
Var<double> sum(const Var<double>& a, const Axes& dims, bool keepdim) {
  return sum_axes(a, dims, keepdim);
}

}  // namespace tapegrad
