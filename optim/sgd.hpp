// Stochastic gradient descent, with PyTorch's momentum, Nesterov momentum and weight decay.
// Plain SGD is the reference derivation's update Δθ = −η ∂E/∂θ
// (shared/reference/backprop-hidden-nodes.md). With the options, per parameter element:
//
//   g ← ∂E/∂θ + λθ                         weight decay λ (L2 penalty ½λθ²)
//   b ← g on the first step, else μb + g    momentum μ > 0 (b is the momentum buffer)
//   g ← g + μb if nesterov, else g ← b      (Sutskever et al. 2013, as torch.optim.SGD)
//   θ ← θ − ηg
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "optimizer.hpp"

namespace tapegrad {

// SGD's settings with chained setters: SGDOptions(0.1).momentum(0.9).nesterov(true). As a
// group's options, what is not set comes from the optimizer's (SGDOptions() sets nothing). The
// SGD constructor checks every group's and throws Error: lr > 0, momentum ≥ 0,
// weight_decay ≥ 0, and nesterov needs momentum > 0.
class SGDOptions final : public OptimizerOptions {
 public:
  SGDOptions() = default;
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

  // SGD has no default learning rate: NaN until set.
  double lr() const override { return lr_.value_or(std::numeric_limits<double>::quiet_NaN()); }
  double momentum() const { return momentum_.value_or(0.0); }
  bool nesterov() const { return nesterov_.value_or(false); }
  double weight_decay() const { return weight_decay_.value_or(0.0); }

  void set_lr(double lr) override { lr_ = lr; }
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<SGDOptions>(*this);
  }
  std::vector<std::pair<std::string, double>> fields() const override;
  void set_field(std::string_view name, double value) override;
  std::unique_ptr<OptimizerOptions> filled_from(const OptimizerOptions& defaults) const override;

 private:
  std::optional<double> lr_, momentum_, weight_decay_;
  std::optional<bool> nesterov_;
};

template <class T>
class SGD final : public Optimizer<T> {
 public:
  // One group with `options`.
  SGD(std::vector<Parameter<T>> parameters, const SGDOptions& options);
  // Groups with options of their own; `defaults` fill in what a group's do not set.
  SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& defaults);

  // Momentum buffers are allocated by the constructor, for the groups with momentum > 0 (or
  // here once, if a group's momentum is set later); step() does not touch the heap otherwise.
  void step() override;
  std::string_view name() const override { return "SGD"; }
  void check_group_options(const OptimizerOptions& options, std::size_t g) const override;

  const SGDOptions& options() const { return defaults_; }  // the defaults

 protected:
  const OptimizerOptions& defaults() const override { return defaults_; }
  void prepare_group(std::size_t g, std::size_t first) override;

 private:
  SGDOptions defaults_;
};

extern template class SGD<float>;
extern template class SGD<double>;

}  // namespace tapegrad
