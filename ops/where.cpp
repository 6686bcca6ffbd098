// where(mask, a, b) = a where mask ≠ 0, else b, the three broadcast together. The gradient goes
// to a where the mask holds and to b elsewhere (as where(mask, g, 0), so that an inf or NaN in g
// never leaks into the input that was not picked); the mask, piecewise constant, gets zero.
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "broadcast.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> zero() {
  return Var<T>(Tensor<T>::scalar(T(0)));
}

template <class T>
class WhereNode final : public Node<T> {
 public:
  std::string_view name() const override { return "where"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "0" : input == 1 ? "[{0}≠0]" : "[{0}=0]";
  }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }

  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &mask = ctx.input(0);
    if (ctx.needs_grad(0))  // ∂y/∂mask = 0 wherever it is defined
      ctx.add_input_grad(0, Var<T>(Tensor<T>(this->input(0).shape)));
    if (ctx.needs_grad(1))  // ∂y/∂a = [mask ≠ 0]
      ctx.add_input_grad(1, sum_to(where(mask, g, zero<T>()), this->input(1).shape));
    if (ctx.needs_grad(2))  // ∂y/∂b = [mask = 0]
      ctx.add_input_grad(2, sum_to(where(mask, zero<T>(), g), this->input(2).shape));
  }
};

template <class T>
Var<T> where_forward(const Var<T>& mask, const Var<T>& a, const Var<T>& b) {
  Op<T> op("where", mask, a, b);
  const Value<T>&m = op.input(0), &x = op.input(1), &y = op.input(2);
  Shape shape;
  try {
    shape = detail::broadcast_shapes("where", detail::broadcast_shapes("where", m.shape, x.shape),
                                     y.shape);
  } catch (const ShapeError&) {
    throw ShapeError(fmt::format("where: mask {}, a {} and b {} cannot be broadcast together",
                                 m.shape.str(), x.shape.str(), y.shape.str()));
  }
  T* out = op.output(shape);
  detail::for_each_broadcast<3>(shape, {&m.shape, &x.shape, &y.shape},
                                [&](std::size_t i, const auto& at) {
                                  out[i] = m.data[at[0]] != T(0) ? x.data[at[1]] : y.data[at[2]];
                                });
  return op.template finish<WhereNode<T>>();
}

}  // namespace

Var<float> where(const Var<float>& mask, const Var<float>& a, const Var<float>& b) {
  return where_forward(mask, a, b);
}
Var<double> where(const Var<double>& mask, const Var<double>& a, const Var<double>& b) {
  return where_forward(mask, a, b);
}

}  // namespace tapegrad
