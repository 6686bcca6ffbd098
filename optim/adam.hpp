// Adam, as in Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
// with bias correction. At step t (from 1), per parameter element, with g = ∂E/∂θ (+ λθ if
// weight decay λ > 0, added to the gradient as torch.optim.Adam does, not decoupled as AdamW):
//
//   m ← β1·m + (1 − β1)·g          first-moment estimate
//   v ← β2·v + (1 − β2)·g²         second raw-moment estimate
//   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
//   θ ← θ − η·m̂ / (√v̂ + ε)
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/tensor.hpp"
#include "optimizer.hpp"

namespace tapegrad {

// Adam's settings with chained setters; the defaults are the paper's: lr 1e-3, betas
// (0.9, 0.999), eps 1e-8. The Adam constructor checks them and throws Error: lr > 0,
// 0 ≤ β1, β2 < 1, eps ≥ 0, weight_decay ≥ 0.
class AdamOptions {
 public:
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}

  AdamOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  AdamOptions& betas(double beta1, double beta2) {
    beta1_ = beta1;
    beta2_ = beta2;
    return *this;
  }
  AdamOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  AdamOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }

  double lr() const { return lr_; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
};

template <class T>
class Adam final : public Optimizer<T> {
 public:
  // The moment estimates m and v are allocated here, once; step() does not touch the heap.
  Adam(std::vector<Parameter<T>> parameters, const AdamOptions& options);

  void step() override;

  const AdamOptions& options() const { return options_; }
  std::size_t steps() const { return steps_; }  // t, the number of step() calls so far

 private:
  AdamOptions options_;
  std::vector<Tensor<T>> first_moments_;   // m, one per parameter
  std::vector<Tensor<T>> second_moments_;  // v, one per parameter
  std::size_t steps_ = 0;
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace tapegrad
