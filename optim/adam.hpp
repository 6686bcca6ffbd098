// Adam, as in Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
// with bias correction. At step t (from 1), per parameter element, with g = ∂E/∂θ (+ λθ if
// weight decay λ > 0, added to the gradient as torch.optim.Adam does; optim/adamw.hpp has the
// decoupled form):
//
//   m ← β1·m + (1 − β1)·g          first-moment estimate
//   v ← β2·v + (1 − β2)·g²         second raw-moment estimate
//   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
//   θ ← θ − η·m̂ / (√v̂ + ε)
#pragma once

#include <string_view>
#include <vector>

#include "detail/adam_options.hpp"
#include "optimizer.hpp"

namespace tapegrad {

// Adam's settings with chained setters; the defaults are the paper's: lr 1e-3, betas
// (0.9, 0.999), eps 1e-8, and weight_decay 0. As a group's options, what is not set comes from
// the optimizer's (AdamOptions() sets nothing). The Adam constructor checks every group's and
// throws Error: lr > 0, 0 ≤ β1, β2 < 1, eps ≥ 0, weight_decay ≥ 0.
class AdamOptions final : public detail::AdamLikeOptions<AdamOptions> {
 public:
  static constexpr std::string_view kName = "AdamOptions";
  static constexpr double kDefaultWeightDecay = 0.0;
  AdamOptions() = default;
  explicit AdamOptions(double lr) : AdamLikeOptions(lr) {}
};

template <class T>
class Adam final : public Optimizer<T> {
 public:
  // One group with `options`.
  Adam(std::vector<Parameter<T>> parameters, const AdamOptions& options);
  // Groups with options of their own; `defaults` fill in what a group's do not set.
  Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& defaults);

  // The moment estimates m and v are allocated by the constructor; step() does not touch the
  // heap. Each parameter's t counts its own updates (a frozen parameter's stays).
  void step() override;
  std::string_view name() const override { return "Adam"; }
  void check_group_options(const OptimizerOptions& options, std::size_t g) const override;

  const AdamOptions& options() const { return defaults_; }  // the defaults

 protected:
  const OptimizerOptions& defaults() const override { return defaults_; }
  void prepare_group(std::size_t g, std::size_t first) override;

 private:
  AdamOptions defaults_;
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace tapegrad
