// AdamW: Adam with decoupled weight decay, Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019, as torch.optim.AdamW. At step t, per parameter element, with
// g = ∂E/∂θ (no λθ added to it):
//
//   θ ← θ − η·λ·θ                  the decay, applied to the weights before the update
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//   θ ← θ − η·m̂ / (√v̂ + ε)        with m̂, v̂ bias-corrected as in Adam (optim/adam.hpp)
#pragma once

#include <string_view>
#include <vector>

#include "detail/adam_options.hpp"
#include "optimizer.hpp"

namespace tapegrad {

// AdamW's settings: as AdamOptions, but with torch's default weight_decay 1e-2 (lr 1e-3, betas
// (0.9, 0.999), eps 1e-8).
class AdamWOptions final : public detail::AdamLikeOptions<AdamWOptions> {
 public:
  static constexpr std::string_view kName = "AdamWOptions";
  static constexpr double kDefaultWeightDecay = 1e-2;
  AdamWOptions() = default;
  explicit AdamWOptions(double lr) : AdamLikeOptions(lr) {}
};

template <class T>
class AdamW final : public Optimizer<T> {
 public:
  AdamW(std::vector<Parameter<T>> parameters, const AdamWOptions& options);
  AdamW(std::vector<ParamGroup<T>> groups, const AdamWOptions& defaults);

  void step() override;  // allocates nothing; frozen parameters are skipped
  std::string_view name() const override { return "AdamW"; }
  void check_group_options(const OptimizerOptions& options, std::size_t g) const override;

  const AdamWOptions& options() const { return defaults_; }  // the defaults

 protected:
  const OptimizerOptions& defaults() const override { return defaults_; }
  void prepare_group(std::size_t g, std::size_t first) override;

 private:
  AdamWOptions defaults_;
};

extern template class AdamW<float>;
extern template class AdamW<double>;

}  // namespace tapegrad
