// softmax_cross_entropy(ŷ, y) = L = (1/n) Σ_rows −Σ_k y_k log p_k with p = softmax(ŷ) per row,
// for logits ŷ and targets y of shape [n,k] (or [k]: one row). With s = Σ_k y_k (1 for one-hot
// labels and probabilities), ∂L/∂ŷ_j = (p_j s − y_j)/n and ∂L/∂y_j = −log p_j / n.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../graph/op.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class SoftmaxCrossEntropyNode final : public Node<T> {
 public:
  SoftmaxCrossEntropyNode(const T* softmax, const T* log_softmax, std::size_t rows)
      : p_(softmax), log_p_(log_softmax), rows_(rows) {}
  std::string_view name() const override { return "softmax_cross_entropy"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "(softmax({0})·Σ{1} − {1})/n" : "−log softmax({0})/n";
  }
  std::size_t saved_bytes() const override {
    return (2 * this->input(0).size() + this->input(1).size()) * sizeof(T);
  }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&logits = this->input(0), &y = this->input(1);
    const std::size_t k = logits.size() / rows_;
    const T g = ctx.grad_output()[0] / static_cast<T>(rows_);
    if (T* gl = ctx.input_grad(0, logits.shape))
      for (std::size_t r = 0; r < rows_; ++r) {
        const T* yr = y.data + r * k;
        T s = 0;
        for (std::size_t j = 0; j < k; ++j) s += yr[j];
        for (std::size_t j = 0; j < k; ++j)
          gl[r * k + j] += g * (p_[r * k + j] * s - yr[j]);  // ∂L/∂ŷ_j = (p_j s − y_j)/n
      }
    if (T* gy = ctx.input_grad(1, y.shape))
      for (std::size_t i = 0; i < y.size(); ++i) gy[i] -= g * log_p_[i];  // ∂L/∂y_j = −log p_j/n
  }
  void vjp(const VjpContext<T>& ctx) const override {
    // Recomputes log p = log_softmax(ŷ) as a recorded op, so that p = e^(log p) depends on ŷ.
    const Var<T>&g = ctx.grad_output(), &logits = ctx.input(0), &y = ctx.input(1);
    const Shape& s = this->input(0).shape;
    const Var<T> log_p = log_softmax(logits);
    const Var<T> scaled = scale(g, T(1) / static_cast<T>(rows_));  // g/n
    if (ctx.needs_grad(0)) {
      const Var<T> totals = sum_to(y, s.rank() == 2 ? Shape{s[0], 1} : Shape{1});  // Σ_k y_k
      ctx.add_input_grad(0, mul(scaled, sub(mul(exp(log_p), totals), y)));  // (p·Σy − y)/n
    }
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, mul(scale(scaled, T(-1)), log_p));  // −log p/n
  }

 private:
  const T* p_;      // softmax(ŷ), on the tape
  const T* log_p_;  // log softmax(ŷ), kept rather than log(p_), which underflows to −inf
  std::size_t rows_;
};

template <class T>
Var<T> softmax_cross_entropy_forward(const Var<T>& logits_var, const Var<T>& target_var) {
  Op<T> op("softmax_cross_entropy", logits_var, target_var);
  const Value<T>&logits = op.input(0), &y = op.input(1);
  if (!(logits.shape == y.shape))
    throw ShapeError(
        fmt::format("softmax_cross_entropy: logits {} and target {} must have the same shape",
                    logits.shape.str(), y.shape.str()));
  const Shape& s = logits.shape;
  if (s.rank() < 1 || s.rank() > 2 || s[s.rank() - 1] < 2)
    throw ShapeError(fmt::format(
        "softmax_cross_entropy: logits {} must be [k] or [n,k] with k ≥ 2 classes", s.str()));
  const std::size_t k = s[s.rank() - 1], rows = s.rank() == 2 ? s[0] : 1;
  T* p = op.save(logits.size());
  T* log_p = op.save(logits.size());
  double total = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* a = logits.data + r * k;
    // NOTE: log softmax as a − max − log Σ e^(a − max): no exponential can overflow.
    const T top = *std::max_element(a, a + k);
    double sum = 0;
    for (std::size_t j = 0; j < k; ++j) sum += std::exp(static_cast<double>(a[j] - top));
    const T log_sum = static_cast<T>(std::log(sum));
    for (std::size_t j = 0; j < k; ++j) {
      log_p[r * k + j] = a[j] - top - log_sum;
      p[r * k + j] = std::exp(log_p[r * k + j]);
      total -= static_cast<double>(y.data[r * k + j]) * log_p[r * k + j];  // −Σ y_k log p_k
    }
  }
  *op.output(Shape{}) = static_cast<T>(total / static_cast<double>(rows));  // mean over rows
  return op.template finish<SoftmaxCrossEntropyNode<T>>(p, log_p, rows);
}

}  // namespace

Var<float> softmax_cross_entropy(const Var<float>& logits, const Var<float>& target) {
  return softmax_cross_entropy_forward(logits, target);
}
Var<double> softmax_cross_entropy(const Var<double>& logits, const Var<double>& target) {
  return softmax_cross_entropy_forward(logits, target);
}

}  // namespace tapegrad
