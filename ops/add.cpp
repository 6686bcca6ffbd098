// add(a, b) = a + b with NumPy broadcasting. ∂(a+b)/∂a = ∂(a+b)/∂b = 1, so each input's gradient
// is the output's gradient, summed over the axes that input was broadcast along.
#include <functional>

#include "../graph/op.hpp"
#include "detail/broadcast.hpp"
#include "detail/elementwise.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class AddNode final : public Node<T> {
 public:
  std::string_view name() const override { return "add"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, this->input(0).shape);
    T* gb = ctx.input_grad(1, this->input(1).shape);
    if (this->output().size() == 1) {  // NOTE: one element (scalar tapes): no plan
      if (ga) ga[0] += g[0];
      if (gb) gb[0] += g[0];
      return;
    }
    backward_broadcast(g, ga, gb);
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();  // da = db = g, summed over broadcast axes
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, sum_to(g, this->input(0).shape));
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, sum_to(g, this->input(1).shape));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ + ḃ, broadcast
    const auto plan = detail::Broadcast::plan("add", this->input(0).shape, this->input(1).shape);
    const T *ta = ctx.input_tangent(0), *tb = ctx.input_tangent(1);
    T* t = ctx.output_tangent();
    if (ta) plan.for_each([&](std::size_t i, std::size_t ia, std::size_t) { t[i] += ta[ia]; });
    if (tb) plan.for_each([&](std::size_t i, std::size_t, std::size_t ib) { t[i] += tb[ib]; });
  }

 private:
  // NOTE: out of line, so that the one-element path above stays small. The plan is made again
  // rather than kept: it is cheap, and keeping it would add ~200 bytes to every recorded add.
  [[gnu::noinline]] void backward_broadcast(const T* g, T* ga, T* gb) const {
    const auto plan = detail::Broadcast::plan("add", this->input(0).shape, this->input(1).shape);
    if (ga) plan.for_each([&](std::size_t i, std::size_t ia, std::size_t) { ga[ia] += g[i]; });
    if (gb) plan.for_each([&](std::size_t i, std::size_t, std::size_t ib) { gb[ib] += g[i]; });
  }
};

template <class T>
Var<T> add_forward(const Var<T>& a, const Var<T>& b) {
  Op<T> op("add", a, b);
  detail::binary_forward(op, std::plus<T>());
  return op.template finish<AddNode<T>>();
}

}  // namespace

Var<float> add(const Var<float>& a, const Var<float>& b) {
  return add_forward(a, b);
}
Var<double> add(const Var<double>& a, const Var<double>& b) {
  return add_forward(a, b);
}

}  // namespace tapegrad
