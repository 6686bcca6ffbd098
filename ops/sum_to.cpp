// sum_to(a, shape): a summed over the axes along which `shape` broadcasts to a's shape (NumPy's
// rules), so that the result has `shape`: the reduction that a broadcasting op's backward does,
// as an op of its own for gradients of gradients. ∂out_j/∂a_i = 1 where element i lands in j;
// the gradient is the output's gradient broadcast back to a's shape (broadcast_to).
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "broadcast.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SumToNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sum_to"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&a = this->input(0), &out = this->output();
    const auto plan = detail::Broadcast::plan("sum_to", a.shape, out.shape);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, a.shape);
    plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { ga[i] += g[j]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, broadcast_to(ctx.grad_output(), this->input(0).shape));
  }
};

template <class T>
Var<T> sum_to_forward(const Var<T>& a, const Shape& shape) {
  // Nothing to do for the same shape: the value itself (and no node on the tape).
  if (a.defined() && a.shape() == shape) return a;
  Op<T> op("sum_to", a);
  const Value<T>& in = op.input(0);
  const auto plan = detail::Broadcast::plan("sum_to", in.shape, shape);
  if (!(plan.shape() == in.shape))
    throw ShapeError(
        fmt::format("sum_to: {} does not broadcast to {}, so {} cannot be summed to it",
                    shape.str(), in.shape.str(), in.shape.str()));
  T* out = op.output(shape);
  std::fill_n(out, shape.size(), T(0));
  plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { out[j] += in.data[i]; });
  return op.template finish<SumToNode<T>>();
}

}  // namespace

Var<float> sum_to(const Var<float>& a, const Shape& shape) {
  return sum_to_forward(a, shape);
}
Var<double> sum_to(const Var<double>& a, const Shape& shape) {
  return sum_to_forward(a, shape);
}

}  // namespace tapegrad
