// A planted bug for the tests of the checkers: a sigmoid whose forward is right and whose
// backward is off by a factor 2 (2σ(1−σ)), while its derivative formula reads σ(1−σ) as the
// real one's does. Shared by the test programs that show a check fails on it.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "graph/node.hpp"
#include "graph/op.hpp"
#include "graph/var.hpp"

namespace tapegrad::testing {

template <class T>
class WrongSigmoidNode final : public Node<T> {
 public:
  std::string_view name() const override { return "wrong_sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& z = this->output();
    T* ga = ctx.input_grad(0, z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      ga[i] += 2 * ctx.grad_output()[i] * z.data[i] * (1 - z.data[i]);  // planted: 2σ(1−σ)
  }
};

inline Var<double> wrong_sigmoid(const Var<double>& a) {
  Op<double> op("wrong_sigmoid", a);
  double* z = op.output(op.input(0).shape);
  for (std::size_t i = 0; i < op.input(0).size(); ++i)
    z[i] = 1 / (1 + std::exp(-op.input(0).data[i]));
  return op.finish<WrongSigmoidNode<double>>();
}

}  // namespace tapegrad::testing
