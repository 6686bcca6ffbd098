// Learning-rate schedulers, as torch.optim.lr_scheduler: each sets every parameter group's lr
// from the lr the group had when the scheduler was made (its base lr) and the number of
// step() calls t, by torch's closed forms. Call step() once per epoch (or per batch), after
// the optimizer's step():
//
//   SGD<float> optimizer(model.parameters(), SGDOptions(0.1));
//   CosineAnnealingLR<float> schedule(optimizer, /*T_max=*/100);
//   for (epoch ...) { ...train one epoch...; schedule.step(); }
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "optimizer.hpp"

namespace tapegrad {

template <class T>
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // t ← t + 1, and every group's lr ← lr_at(its base lr, t).
  void step();
  std::size_t last_epoch() const { return epoch_; }  // t
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  std::vector<double> last_lr() const;  // every group's lr now
  // The scheduler's kind as torch names it ("StepLR", "CosineAnnealingLR", "LinearLR").
  virtual std::string_view name() const = 0;
  // Puts the scheduler where a saved one was (torch's load_state_dict): t and the base lrs, then
  // every group's lr ← lr_at(base, t). The settings (step size, T_max, ...) stay the
  // constructor's. Throws Error, changing nothing, unless there is one finite base lr ≥ 0 per
  // parameter group of the optimizer. (The io library keeps this in a checkpoint:
  // scheduler_state.hpp.)
  void load_state(std::size_t last_epoch, const std::vector<double>& base_lrs);

 protected:
  // Records each group's lr as its base lr. The derived constructor calls apply() to set the
  // lr at t = 0, as torch's schedulers do on construction.
  explicit LRScheduler(Optimizer<T>& optimizer);
  void apply();
  virtual double lr_at(double base, std::size_t t) const = 0;

 private:
  Optimizer<T>& optimizer_;
  std::vector<double> base_lrs_;
  std::size_t epoch_ = 0;
};

// lr = base · γ^⌊t / step_size⌋. Throws Error unless step_size ≥ 1 and γ > 0.
template <class T>
class StepLR final : public LRScheduler<T> {
 public:
  StepLR(Optimizer<T>& optimizer, std::size_t step_size, double gamma = 0.1);

  std::string_view name() const override { return "StepLR"; }

 private:
  double lr_at(double base, std::size_t t) const override;
  std::size_t step_size_;
  double gamma_;
};

// lr = η_min + (base − η_min)·(1 + cos(π t / T_max)) / 2: torch's closed form (SGDR, Loshchilov
// & Hutter 2017, without restarts); past T_max it rises again, as torch's does. Throws Error
// unless T_max ≥ 1 and η_min ≥ 0.
template <class T>
class CosineAnnealingLR final : public LRScheduler<T> {
 public:
  CosineAnnealingLR(Optimizer<T>& optimizer, std::size_t T_max, double eta_min = 0.0);

  std::string_view name() const override { return "CosineAnnealingLR"; }

 private:
  double lr_at(double base, std::size_t t) const override;
  std::size_t T_max_;
  double eta_min_;
};

// Linear warm-up, torch's LinearLR: lr = base · (s + (e − s)·min(t, n)/n), from start_factor s
// at t = 0 to end_factor e (1: the base lr) at t = n = total_iters, then constant. torch's
// defaults: s = 1/3, e = 1, n = 5. Throws Error unless 0 < s ≤ 1, 0 ≤ e ≤ 1 and n ≥ 1.
template <class T>
class LinearLR final : public LRScheduler<T> {
 public:
  explicit LinearLR(Optimizer<T>& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
                    std::size_t total_iters = 5);

  std::string_view name() const override { return "LinearLR"; }

 private:
  double lr_at(double base, std::size_t t) const override;
  double start_, end_;
  std::size_t total_;
};

// The name the warm-up goes by: LinearLR from start_factor to 1 over `total_iters` steps.
template <class T>
using LinearWarmup = LinearLR<T>;

extern template class LRScheduler<float>;
extern template class LRScheduler<double>;
extern template class StepLR<float>;
extern template class StepLR<double>;
extern template class CosineAnnealingLR<float>;
extern template class CosineAnnealingLR<double>;
extern template class LinearLR<float>;
extern template class LinearLR<double>;

}  // namespace tapegrad
