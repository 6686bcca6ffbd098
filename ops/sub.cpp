// sub(a, b) = a − b with NumPy broadcasting. ∂(a−b)/∂a = 1 and ∂(a−b)/∂b = −1; each gradient is
// summed over the axes its input was broadcast along.
#include <functional>

#include "../graph/op.hpp"
#include "detail/broadcast.hpp"
#include "detail/elementwise.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SubNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sub"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "1" : "−1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, this->input(0).shape);
    T* gb = ctx.input_grad(1, this->input(1).shape);
    if (this->output().size() == 1) {  // NOTE: one element (scalar tapes): no plan
      if (ga) ga[0] += g[0];
      if (gb) gb[0] -= g[0];
      return;
    }
    backward_broadcast(g, ga, gb);
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();  // da = g, db = −g, summed over broadcast axes
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, sum_to(g, this->input(0).shape));
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, sum_to(scale(g, T(-1)), this->input(1).shape));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ − ḃ, broadcast
    const auto plan = detail::Broadcast::plan("sub", this->input(0).shape, this->input(1).shape);
    const T *ta = ctx.input_tangent(0), *tb = ctx.input_tangent(1);
    T* t = ctx.output_tangent();
    if (ta) plan.for_each([&](std::size_t i, std::size_t ia, std::size_t) { t[i] += ta[ia]; });
    if (tb) plan.for_each([&](std::size_t i, std::size_t, std::size_t ib) { t[i] -= tb[ib]; });
  }

 private:
  // NOTE: out of line, so that the one-element path above stays small. The plan is made again
  // rather than kept: it is cheap, and keeping it would add ~200 bytes to every recorded sub.
  [[gnu::noinline]] void backward_broadcast(const T* g, T* ga, T* gb) const {
    const auto plan = detail::Broadcast::plan("sub", this->input(0).shape, this->input(1).shape);
    if (ga) plan.for_each([&](std::size_t i, std::size_t ia, std::size_t) { ga[ia] += g[i]; });
    if (gb) plan.for_each([&](std::size_t i, std::size_t, std::size_t ib) { gb[ib] -= g[i]; });
  }
};

template <class T>
Var<T> sub_forward(const Var<T>& a, const Var<T>& b) {
  Op<T> op("sub", a, b);
  detail::binary_forward(op, std::minus<T>());
  return op.template finish<SubNode<T>>();
}

}  // namespace

Var<float> sub(const Var<float>& a, const Var<float>& b) {
  return sub_forward(a, b);
}
Var<double> sub(const Var<double>& a, const Var<double>& b) {
  return sub_forward(a, b);
}

}  // namespace tapegrad
