// mean(a) = (1/N) Σ_i a_i over the N elements, a scalar, and mean(a, dims, keepdim) over some
// axes (N the elements averaged into each output). ∂mean/∂a_i = 1/N. The mean of nothing is NaN
// (0/0), as in NumPy and torch.
#include <algorithm>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/reduce.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class MeanNode final : public Node<T> {
 public:
  std::string_view name() const override { return "mean"; }
  std::string derivative(std::size_t) const override { return "1/N"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T g = ctx.grad_output()[0] / static_cast<T>(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g;  // ∂mean/∂a_i = 1/N
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);  // da_i = g/n
    ctx.add_input_grad(
        0, scale(broadcast_to(ctx.grad_output(), a.shape), T(1) / static_cast<T>(a.size())));
  }
};

template <class T>
class MeanAxesNode final : public Node<T> {
 public:
  MeanAxesNode(const Shape& kept, std::size_t count) : kept_(kept), count_(count) {}
  std::string_view name() const override { return "mean"; }
  std::string derivative(std::size_t) const override { return "1/N"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    const T n = static_cast<T>(count_);
    detail::for_each_broadcast<1>(a.shape, {&kept_},
                                  [&](std::size_t i, const auto& j) { ga[i] += g[j[0]] / n; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // da_i = g_j/N
    const Var<T> spread = broadcast_to(reshape(ctx.grad_output(), kept_), this->input(0).shape);
    ctx.add_input_grad(0, div(spread, static_cast<T>(count_)));
  }

 private:
  Shape kept_;
  std::size_t count_;
};

template <class T>
Var<T> mean_axes(const Var<T>& a, const Axes& dims, bool keepdim) {
  if (dims.all() && !keepdim) return mean(a);
  Op<T> op("mean", a);
  const Value<T>& in = op.input(0);
  const detail::AxisReduction r("mean", in.shape, dims, keepdim);
  T* out = op.output(r.out());
  std::fill_n(out, r.out().size(), T(0));
  r.for_each([&](std::size_t i, std::size_t j) { out[j] += in.data[i]; });
  const T n = static_cast<T>(r.count());
  for (std::size_t j = 0; j < r.out().size(); ++j) out[j] /= n;
  return op.template finish<MeanAxesNode<T>>(r.kept(), r.count());
}

template <class T>
Var<T> mean_forward(const Var<T>& a) {
  Op<T> op("mean", a);
  const Value<T>& in = op.input(0);
  const double total = detail::accumulate(in.size(), [&](std::size_t i) { return in.data[i]; });
  *op.output(Shape{}) = static_cast<T>(total / static_cast<double>(in.size()));
  return op.template finish<MeanNode<T>>();
}

}  // namespace

Var<float> mean(const Var<float>& a) {
  return mean_forward(a);
}
Var<double> mean(const Var<double>& a) {
  return mean_forward(a);
}
Var<float> mean(const Var<float>& a, const Axes& dims, bool keepdim) {
  return mean_axes(a, dims, keepdim);
}
Var<double> mean(const Var<double>& a, const Axes& dims, bool keepdim) {
  return mean_axes(a, dims, keepdim);
}

}  // namespace tapegrad
