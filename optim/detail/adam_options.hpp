// The settings Adam and AdamW share (optim/adam.hpp, optim/adamw.hpp), written once: each
// setting is unset until given, so that a parameter group's options fill in from the
// optimizer's defaults; Self is AdamOptions or AdamWOptions, so the setters chain in its type.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../param_group.hpp"

namespace tapegrad::detail {

// Throws Error naming `options` ("AdamOptions") and the setting, for set_field.
[[noreturn]] void unknown_adam_setting(std::string_view options, std::string_view name);

// Self names itself (kName) and gives its default weight decay (kDefaultWeightDecay).
// NOTE: not a double template argument, which clang before 18 does not support.
template <class Self>
class AdamLikeOptions : public OptimizerOptions {
 public:
  Self& lr(double lr) {
    lr_ = lr;
    return self();
  }
  Self& betas(double beta1, double beta2) {
    beta1_ = beta1;
    beta2_ = beta2;
    return self();
  }
  Self& eps(double eps) {
    eps_ = eps;
    return self();
  }
  Self& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return self();
  }

  double lr() const override { return lr_.value_or(1e-3); }
  double beta1() const { return beta1_.value_or(0.9); }
  double beta2() const { return beta2_.value_or(0.999); }
  double eps() const { return eps_.value_or(1e-8); }
  double weight_decay() const { return weight_decay_.value_or(Self::kDefaultWeightDecay); }

  void set_lr(double lr) override { lr_ = lr; }
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Self>(self());
  }
  std::vector<std::pair<std::string, double>> fields() const override {
    return {{"lr", lr()},
            {"beta1", beta1()},
            {"beta2", beta2()},
            {"eps", eps()},
            {"weight_decay", weight_decay()}};
  }
  void set_field(std::string_view name, double value) override {
    std::optional<double>* field = name == "lr"             ? &lr_
                                   : name == "beta1"        ? &beta1_
                                   : name == "beta2"        ? &beta2_
                                   : name == "eps"          ? &eps_
                                   : name == "weight_decay" ? &weight_decay_
                                                            : nullptr;
    if (field == nullptr) unknown_adam_setting(Self::kName, name);
    *field = value;
  }
  std::unique_ptr<OptimizerOptions> filled_from(const OptimizerOptions& defaults) const override {
    const auto* base = dynamic_cast<const Self*>(&defaults);
    if (base == nullptr) return nullptr;
    auto filled = std::make_unique<Self>(self());
    for (auto [mine, theirs] : {std::pair{&filled->lr_, &base->lr_},
                                {&filled->beta1_, &base->beta1_},
                                {&filled->beta2_, &base->beta2_},
                                {&filled->eps_, &base->eps_},
                                {&filled->weight_decay_, &base->weight_decay_}})
      if (!*mine) *mine = *theirs;
    return filled;
  }

 protected:
  AdamLikeOptions() = default;
  explicit AdamLikeOptions(double lr) : lr_(lr) {}

 private:
  Self& self() { return static_cast<Self&>(*this); }
  const Self& self() const { return static_cast<const Self&>(*this); }
  std::optional<double> lr_, beta1_, beta2_, eps_, weight_decay_;
};

}  // namespace tapegrad::detail
