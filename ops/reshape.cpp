// reshape(a, shape): the same elements in the same (row-major) order under another shape of as
// many elements. Each output element is one input element, so the gradient is the output's
// gradient under a's shape.
#include <fmt/format.h>

#include <algorithm>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class ReshapeNode final : public Node<T> {
 public:
  std::string_view name() const override { return "reshape"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, a.shape);
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] += g[i];
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    ctx.add_input_grad(0, reshape(ctx.grad_output(), this->input(0).shape));  // da = g in a's shape
  }
  void jvp(const JvpContext<T>& ctx) const override {  // ṫ = ȧ
    if (const T* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < this->input(0).size(); ++i) ctx.output_tangent()[i] += ta[i];
  }
};

template <class T>
Var<T> reshape_forward(const Var<T>& a, const Shape& shape) {
  // Nothing to do for the same shape: the value itself (and no node on the tape).
  if (a.defined() && a.shape() == shape) return a;
  Op<T> op("reshape", a);
  const Value<T>& in = op.input(0);
  if (shape.size() != in.size())
    throw ShapeError(fmt::format("reshape: {} has {} elements, {} has {}", in.shape.str(),
                                 in.size(), shape.str(), shape.size()));
  T* out = op.output(shape);
  std::copy_n(in.data, in.size(), out);
  return op.template finish<ReshapeNode<T>>();
}

}  // namespace

Var<float> reshape(const Var<float>& a, const Shape& shape) {
  return reshape_forward(a, shape);
}
Var<double> reshape(const Var<double>& a, const Shape& shape) {
  return reshape_forward(a, shape);
}

}  // namespace tapegrad
