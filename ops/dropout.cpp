// dropout(x, p, training): in training, y_i = x_i·m_i/(1 − p), with m_i = 0 (dropped) with
// probability p and 1 (kept) otherwise, drawn from a Generator. Kept values ARE scaled by
// 1/(1 − p) ("inverted" dropout, as torch), so that E[y_i] = x_i and eval needs no rescaling.
// ∂y_i/∂x_i = m_i/(1 − p): the gradient is the same masked scaling applied to g, with the mask
// saved on the tape (drawn once, in forward), so it is its own vjp.
#include <fmt/format.h>

#include <cmath>

#include "../graph/errors.hpp"
#include "../graph/op.hpp"
#include "layer_ops.hpp"

namespace tapegrad {
namespace {

// The mask on the tape (1 kept, 0 dropped) and the factor of the kept elements.
template <class T>
struct DropoutMask {
  const std::uint8_t* kept;
  T scale;  // 1/(1 − p); 0 for p = 1, where nothing is kept
  T factor(std::size_t i) const { return kept[i] != 0 ? scale : T(0); }
};

template <class T>
Var<T> apply_mask(const Var<T>& x, const DropoutMask<T>& mask);

template <class T>
class DropoutNode final : public Node<T> {
 public:
  explicit DropoutNode(const DropoutMask<T>& mask) : mask_(mask) {}
  std::string_view name() const override { return "dropout"; }
  std::string derivative(std::size_t) const override { return "m/(1−p)"; }
  std::size_t saved_bytes() const override { return this->output().size(); }

  void backward(const BackwardContext<T>& ctx) const override {
    const std::size_t n = this->output().size();
    const T* g = ctx.grad_output();
    T* gx = ctx.input_grad(0, this->output().shape);
    for (std::size_t i = 0; i < n; ++i) gx[i] += g[i] * mask_.factor(i);  // ∂y/∂x = m/(1−p)
  }
  void vjp(const VjpContext<T>& ctx) const override {  // g·m/(1 − p), the same saved mask
    ctx.add_input_grad(0, apply_mask(ctx.grad_output(), mask_));
  }

 private:
  DropoutMask<T> mask_;
};

template <class T>
Var<T> apply_mask(const Var<T>& x, const DropoutMask<T>& mask) {
  Op<T> op("dropout", x);
  const Value<T>& in = op.input(0);
  T* y = op.output(in.shape);
  // NOTE: a product, as torch's, so that a NaN or inf dropped still shows as NaN.
  for (std::size_t i = 0; i < in.size(); ++i) y[i] = in.data[i] * mask.factor(i);
  return op.template finish<DropoutNode<T>>(mask);
}

template <class T>
Var<T> dropout_forward(const Var<T>& x, double p, bool training, Generator& generator) {
  if (!(p >= 0 && p <= 1))
    throw Error(fmt::format(
        "dropout: p = {} is outside [0, 1] (it is the probability of zeroing an element)", p));
  if (!training || p == 0) return x;
  Op<T> op("dropout", x);
  const Value<T>& in = op.input(0);
  std::uint8_t* kept = op.template save_array<std::uint8_t>(in.size());
  const DropoutMask<T> mask{kept, p < 1 ? static_cast<T>(1 / (1 - p)) : T(0)};
  T* y = op.output(in.shape);
  // Drawn once everything is allocated: an op whose allocation fails leaves the generator as it
  // was.
  for (std::size_t i = 0; i < in.size(); ++i) kept[i] = generator.uniform() >= p ? 1 : 0;
  for (std::size_t i = 0; i < in.size(); ++i) y[i] = in.data[i] * mask.factor(i);
  return op.template finish<DropoutNode<T>>(mask);
}

}  // namespace

Var<float> dropout(const Var<float>& x, double p, bool training, Generator& generator) {
  return dropout_forward(x, p, training, generator);
}
Var<double> dropout(const Var<double>& x, double p, bool training, Generator& generator) {
  return dropout_forward(x, p, training, generator);
}
Var<float> dropout(const Var<float>& x, double p, bool training) {
  return dropout_forward(x, p, training, default_generator());
}
Var<double> dropout(const Var<double>& x, double p, bool training) {
  return dropout_forward(x, p, training, default_generator());
}

}  // namespace tapegrad
