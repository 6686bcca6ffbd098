// Stochastic gradient descent, with PyTorch's momentum, Nesterov momentum and weight decay.
// Plain SGD is the reference derivation's update Δθ = −η ∂E/∂θ
// (shared/reference/backprop-hidden-nodes.md). With the options, per parameter element:
//
//   g ← ∂E/∂θ + λθ                         weight decay λ (L2 penalty ½λθ²)
//   b ← g on the first step, else μb + g    momentum μ > 0 (b is the momentum buffer)
//   g ← g + μb if nesterov, else g ← b      (Sutskever et al. 2013, as torch.optim.SGD)
//   θ ← θ − ηg
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/tensor.hpp"
#include "optimizer.hpp"

namespace tapegrad {

// SGD's settings with chained setters: SGDOptions(0.1).momentum(0.9).nesterov(true). The SGD
// constructor checks them and throws Error: lr > 0, momentum ≥ 0, weight_decay ≥ 0, and
// nesterov needs momentum > 0.
class SGDOptions {
 public:
  explicit SGDOptions(double lr) : lr_(lr) {}

  SGDOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  SGDOptions& momentum(double momentum) {
    momentum_ = momentum;
    return *this;
  }
  SGDOptions& nesterov(bool nesterov) {
    nesterov_ = nesterov;
    return *this;
  }
  SGDOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_;
  double momentum_ = 0.0;
  bool nesterov_ = false;
  double weight_decay_ = 0.0;
};

template <class T>
class SGD final : public Optimizer<T> {
 public:
  // Momentum buffers are allocated here, once; step() does not touch the heap.
  SGD(std::vector<Parameter<T>> parameters, const SGDOptions& options);

  void step() override;

  const SGDOptions& options() const { return options_; }
  std::size_t steps() const { return steps_; }  // number of step() calls so far

 private:
  SGDOptions options_;
  std::vector<Tensor<T>> momentum_buffers_;  // one per parameter if momentum > 0, else none
  std::size_t steps_ = 0;
};

extern template class SGD<float>;
extern template class SGD<double>;

}  // namespace tapegrad
