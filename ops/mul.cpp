// mul(a, b) = a ⊙ b, elementwise with NumPy broadcasting. ∂(ab)/∂a = b and ∂(ab)/∂b = a; each
// gradient is summed over the axes its input was broadcast along. mul(x, x) gets 2x by the
// engine summing the two paths.
#include <functional>

#include "../graph/op.hpp"
#include "detail/broadcast.hpp"
#include "detail/elementwise.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class MulNode final : public Node<T> {
 public:
  std::string_view name() const override { return "mul"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "{1}" : "{0}"; }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->input(1).size()) * sizeof(T);
  }

  void backward(const BackwardContext<T>& ctx) const override {
    const T* g = ctx.grad_output();
    const T* a = this->input(0).data;
    const T* b = this->input(1).data;
    T* ga = ctx.input_grad(0, this->input(0).shape);
    T* gb = ctx.input_grad(1, this->input(1).shape);
    if (this->output().size() == 1) {  // NOTE: one element (scalar tapes): no plan
      if (ga) ga[0] += g[0] * b[0];
      if (gb) gb[0] += g[0] * a[0];
      return;
    }
    backward_broadcast(g, ga, gb);
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();
    if (ctx.needs_grad(0))
      ctx.add_input_grad(0, sum_to(mul(g, ctx.input(1)), this->input(0).shape));
    if (ctx.needs_grad(1))
      ctx.add_input_grad(1, sum_to(mul(g, ctx.input(0)), this->input(1).shape));
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ b + a ḃ, broadcast
    const auto plan = detail::Broadcast::plan("mul", this->input(0).shape, this->input(1).shape);
    const T *a = this->input(0).data, *b = this->input(1).data;
    const T *ta = ctx.input_tangent(0), *tb = ctx.input_tangent(1);
    T* t = ctx.output_tangent();
    if (ta)
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) { t[i] += ta[ia] * b[ib]; });
    if (tb)
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) { t[i] += a[ia] * tb[ib]; });
  }

 private:
  // NOTE: out of line, so that the one-element path above stays small. The plan is made again
  // rather than kept: it is cheap, and keeping it would add ~200 bytes to every recorded mul.
  [[gnu::noinline]] void backward_broadcast(const T* g, T* ga, T* gb) const {
    const T* a = this->input(0).data;
    const T* b = this->input(1).data;
    const auto plan = detail::Broadcast::plan("mul", this->input(0).shape, this->input(1).shape);
    if (ga)  // ∂(ab)/∂a = b
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) { ga[ia] += g[i] * b[ib]; });
    if (gb)  // ∂(ab)/∂b = a
      plan.for_each([&](std::size_t i, std::size_t ia, std::size_t ib) { gb[ib] += g[i] * a[ia]; });
  }
};

template <class T>
Var<T> mul_forward(const Var<T>& a, const Var<T>& b) {
  Op<T> op("mul", a, b);
  detail::binary_forward(op, std::multiplies<T>());
  return op.template finish<MulNode<T>>();
}

}  // namespace

Var<float> mul(const Var<float>& a, const Var<float>& b) {
  return mul_forward(a, b);
}
Var<double> mul(const Var<double>& a, const Var<double>& b) {
  return mul_forward(a, b);
}

}  // namespace tapegrad
