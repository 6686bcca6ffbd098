// sigmoid(a) = 1 / (1 + e^(−a)), elementwise. Backward keeps the output z, not the input:
// dσ/da = σ(1 − σ) = z(1 − z) (the reference derivation, step 2).
#include "tapegrad/graph/op.hpp"
#include "tapegrad/ops/ops.hpp"

#include <cmath>

namespace tapegrad {
namespace {

template <class T>
class SigmoidNode final : public Node<T> {
 public:
  std::string_view name() const override { return "sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  std::size_t saved_bytes() const override { return this->output().size() * sizeof(T); }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& z = this->output();
    T* ga = ctx.input_grad(0, z.shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < z.size(); ++i)
      ga[i] += g[i] * z.data[i] * (T(1) - z.data[i]);  // dσ/da = σ(1−σ)
  }
};

template <class T>
T stable_sigmoid(T a) {
  // NOTE: e^(−a) overflows for large negative a; there the equivalent e^a/(1+e^a) is used.
  if (a >= T(0)) return T(1) / (T(1) + std::exp(-a));
  const T e = std::exp(a);
  return e / (T(1) + e);
}

template <class T>
Var<T> sigmoid_forward(const Var<T>& a) {
  Op<T> op("sigmoid", {a});
  const Value<T>& in = op.input(0);
  T* z = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) z[i] = stable_sigmoid(in.data[i]);
  return op.template finish<SigmoidNode<T>>();
}

}  // namespace

Var<float> sigmoid(const Var<float>& a) {
  return sigmoid_forward(a);
}
Var<double> sigmoid(const Var<double>& a) {
  return sigmoid_forward(a);
}

}  // namespace tapegrad
