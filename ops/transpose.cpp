// transpose(A) = Aᵀ for a 2-D A: [m,n] → [n,m]. Each output element is one input element, so the
// local derivative is 1 and the gradient is the output's gradient transposed back.
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class TransposeNode final : public Node<T> {
 public:
  std::string_view name() const override { return "transpose"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Shape& s = this->input(0).shape;
    T* ga = ctx.input_grad(0, s);
    const T* g = ctx.grad_output();  // shape [n,m]
    for (std::size_t i = 0; i < s[0]; ++i)
      for (std::size_t j = 0; j < s[1]; ++j) ga[i * s[1] + j] += g[j * s[0] + i];  // dA = Gᵀ
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, transpose(ctx.grad_output()));  // dA = Gᵀ
  }
};

template <class T>
Var<T> transpose_forward(const Var<T>& a) {
  Op<T> op("transpose", a);
  const Value<T>& in = op.input(0);
  if (in.shape.rank() != 2)
    throw ShapeError(fmt::format("transpose: {} is not 2-D", in.shape.str()));
  const std::size_t m = in.shape[0], n = in.shape[1];
  T* y = op.output(Shape{n, m});
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) y[j * m + i] = in.data[i * n + j];
  return op.template finish<TransposeNode<T>>();
}

}  // namespace

Var<float> transpose(const Var<float>& a) {
  return transpose_forward(a);
}
Var<double> transpose(const Var<double>& a) {
  return transpose_forward(a);
}

}  // namespace tapegrad
