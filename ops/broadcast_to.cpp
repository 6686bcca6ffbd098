// broadcast_to(a, shape): a repeated along the axes where `shape` is larger (NumPy's rules),
// giving a tensor of `shape`. Each output element is one input element (derivative 1), so the
// gradient is the output's gradient summed back to a's shape (sum_to).
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "detail/broadcast.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class BroadcastToNode final : public Node<T> {
 public:
  std::string_view name() const override { return "broadcast_to"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&a = this->input(0), &out = this->output();
    const auto plan = detail::Broadcast::plan("broadcast_to", out.shape, a.shape);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, a.shape);
    plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { ga[j] += g[i]; });
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    ctx.add_input_grad(0, sum_to(ctx.grad_output(), this->input(0).shape));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ broadcast the same way
    const auto plan =
        detail::Broadcast::plan("broadcast_to", this->output().shape, this->input(0).shape);
    if (const T* ta = ctx.input_tangent(0))
      plan.for_each(
          [&](std::size_t i, std::size_t, std::size_t j) { ctx.output_tangent()[i] += ta[j]; });
  }
};

template <class T>
Var<T> broadcast_to_forward(const Var<T>& a, const Shape& shape) {
  // Nothing to do for the same shape: the value itself (and no node on the tape).
  if (a.defined() && a.shape() == shape) return a;
  Op<T> op("broadcast_to", a);
  const Value<T>& in = op.input(0);
  const auto plan = detail::Broadcast::plan("broadcast_to", shape, in.shape);
  if (!(plan.shape() == shape))
    throw ShapeError(
        fmt::format("broadcast_to: {} does not broadcast to {}", in.shape.str(), shape.str()));
  T* out = op.output(shape);
  plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<BroadcastToNode<T>>();
}

}  // namespace

Var<float> broadcast_to(const Var<float>& a, const Shape& shape) {
  return broadcast_to_forward(a, shape);
}
Var<double> broadcast_to(const Var<double>& a, const Shape& shape) {
  return broadcast_to_forward(a, shape);
}

}  // namespace tapegrad
