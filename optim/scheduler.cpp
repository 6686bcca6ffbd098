#include "scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "../graph/errors.hpp"

namespace tapegrad {

template <class T>
LRScheduler<T>::LRScheduler(Optimizer<T>& optimizer) : optimizer_(optimizer) {
  for (const ParamGroup<T>& group : optimizer_.param_groups())
    base_lrs_.push_back(group.options().lr());
}

template <class T>
void LRScheduler<T>::apply() {
  std::vector<ParamGroup<T>>& groups = optimizer_.param_groups();
  if (groups.size() != base_lrs_.size())
    throw Error(
        fmt::format("scheduler: the optimizer had {} parameter groups when the scheduler "
                    "was made and has {} now",
                    base_lrs_.size(), groups.size()));
  for (std::size_t g = 0; g < groups.size(); ++g)
    groups[g].options().set_lr(lr_at(base_lrs_[g], epoch_));
}

template <class T>
void LRScheduler<T>::load_state(std::size_t last_epoch, const std::vector<double>& base_lrs) {
  const std::size_t groups = optimizer_.param_groups().size();
  if (base_lrs.size() != groups)
    throw Error(
        fmt::format("{}: the saved state has {} base learning rates, the optimizer {} "
                    "parameter groups",
                    name(), base_lrs.size(), groups));
  for (std::size_t g = 0; g < groups; ++g)
    if (!(std::isfinite(base_lrs[g]) && base_lrs[g] >= 0.0))
      throw Error(
          fmt::format("{}: the saved base learning rate of group {} is {}, not a finite "
                      "number ≥ 0",
                      name(), g, base_lrs[g]));
  base_lrs_ = base_lrs;
  epoch_ = last_epoch;
  apply();
}

template <class T>
void LRScheduler<T>::step() {
  ++epoch_;
  apply();
}

template <class T>
std::vector<double> LRScheduler<T>::last_lr() const {
  std::vector<double> lrs;
  for (const ParamGroup<T>& group : optimizer_.param_groups()) lrs.push_back(group.options().lr());
  return lrs;
}

template <class T>
StepLR<T>::StepLR(Optimizer<T>& optimizer, std::size_t step_size, double gamma)
    : LRScheduler<T>(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size == 0) throw Error("StepLR: step_size must be at least 1, got 0");
  if (!(gamma > 0.0)) throw Error(fmt::format("StepLR: gamma must be > 0, got {}", gamma));
  this->apply();
}

template <class T>
double StepLR<T>::lr_at(double base, std::size_t t) const {
  return base * std::pow(gamma_, static_cast<double>(t / step_size_));  // base·γ^⌊t/s⌋
}

template <class T>
CosineAnnealingLR<T>::CosineAnnealingLR(Optimizer<T>& optimizer, std::size_t T_max, double eta_min)
    : LRScheduler<T>(optimizer), T_max_(T_max), eta_min_(eta_min) {
  if (T_max == 0) throw Error("CosineAnnealingLR: T_max must be at least 1, got 0");
  if (!(eta_min >= 0.0))
    throw Error(fmt::format("CosineAnnealingLR: eta_min must be >= 0, got {}", eta_min));
  this->apply();
}

template <class T>
double CosineAnnealingLR<T>::lr_at(double base, std::size_t t) const {
  const double angle = std::numbers::pi * static_cast<double>(t) / static_cast<double>(T_max_);
  return eta_min_ + (base - eta_min_) * (1 + std::cos(angle)) / 2;  // η_min + (b − η_min)(1+cos)/2
}

template <class T>
LinearLR<T>::LinearLR(Optimizer<T>& optimizer, double start_factor, double end_factor,
                      std::size_t total_iters)
    : LRScheduler<T>(optimizer), start_(start_factor), end_(end_factor), total_(total_iters) {
  if (!(start_factor > 0.0 && start_factor <= 1.0))
    throw Error(fmt::format("LinearLR: start_factor must lie in (0, 1], got {}", start_factor));
  if (!(end_factor >= 0.0 && end_factor <= 1.0))
    throw Error(fmt::format("LinearLR: end_factor must lie in [0, 1], got {}", end_factor));
  if (total_iters == 0) throw Error("LinearLR: total_iters must be at least 1, got 0");
  this->apply();
}

template <class T>
double LinearLR<T>::lr_at(double base, std::size_t t) const {
  const double progress =
      static_cast<double>(std::min(t, total_)) / static_cast<double>(total_);  // min(t, n)/n
  return base * (start_ + (end_ - start_) * progress);  // base·(s + (e − s)·min(t, n)/n)
}

template class LRScheduler<float>;
template class LRScheduler<double>;
template class StepLR<float>;
template class StepLR<double>;
template class CosineAnnealingLR<float>;
template class CosineAnnealingLR<double>;
template class LinearLR<float>;
template class LinearLR<double>;

}  // namespace tapegrad
