// One Adam update of a parameter (optim/adam.hpp), shared by Adam and AdamW, which differ only
// in where the weight decay goes. Called by step() only; allocates nothing.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "../optimizer.hpp"

namespace tapegrad::detail {

// How weight decay λ enters: added to the gradient (Adam's L2 penalty, g ← g + λθ) or applied
// to the weights before the update (AdamW's decoupled decay, θ ← θ − ηλθ).
enum class Decay { kL2, kDecoupled };

template <class T>
struct AdamSettings {
  T lr, beta1, beta2, eps, decay;
};

// The elementwise part of one update, over n elements, with c1 = 1 − β1^t and c2 = 1 − β2^t
// (optim/detail/adam_update.cpp: compiled per instruction set; no pointer aliases another).
void adam_moments(float* theta, const float* grad, float* m, float* v, std::size_t n,
                  const AdamSettings<float>& s, float c1, float c2, Decay where);
void adam_moments(double* theta, const double* grad, double* m, double* v, std::size_t n,
                  const AdamSettings<double>& s, double c1, double c2, Decay where);

// The update at step t (from 1) of θ with gradient ∂E/∂θ and moment buffers m, v.
template <class T>
void adam_update(std::span<T> theta, std::span<const T> grad, T* m, T* v, std::size_t t,
                 const AdamSettings<T>& s, Decay where) {
  const T correction1 = T(1) - std::pow(s.beta1, static_cast<T>(t));  // 1 − β1^t
  const T correction2 = T(1) - std::pow(s.beta2, static_cast<T>(t));  // 1 − β2^t
  adam_moments(theta.data(), grad.data(), m, v, theta.size(), s, correction1, correction2, where);
}

// One step of Adam or AdamW over every group: Options is AdamOptions or AdamWOptions. Each
// parameter counts its own steps t, as torch's state["step"]; frozen ones are skipped.
template <class Options, class T>
void adam_step(std::vector<ParamGroup<T>>& groups, std::vector<ParameterState<T>>& state,
               Decay where) {
  std::size_t k = 0;
  for (ParamGroup<T>& group : groups) {
    const auto& o = static_cast<const Options&>(group.options());
    const AdamSettings<T> settings{static_cast<T>(o.lr()), static_cast<T>(o.beta1()),
                                   static_cast<T>(o.beta2()), static_cast<T>(o.eps()),
                                   static_cast<T>(o.weight_decay())};
    for (Parameter<T>& parameter : group.params()) {
      ParameterState<T>& s = state[k++];
      if (!parameter.requires_grad()) continue;
      adam_update(parameter.values(), std::span<const T>(parameter.grads()),
                  s.buffers[0].second.data(), s.buffers[1].second.data(), ++s.step, settings,
                  where);
    }
  }
}

// Allocates the moment buffers m ("exp_avg") and v ("exp_avg_sq") of every parameter from
// parameters[first] on.
template <class T>
void allocate_moments(const std::vector<Parameter<T>>& parameters,
                      std::vector<ParameterState<T>>& state, std::size_t first = 0) {
  for (std::size_t k = first; k < parameters.size(); ++k) {
    state[k].buffers.emplace_back("exp_avg", Tensor<T>(parameters[k].shape()));
    state[k].buffers.emplace_back("exp_avg_sq", Tensor<T>(parameters[k].shape()));
  }
}

// Checks Adam's or AdamW's options (`name`) and throws Error: lr > 0, 0 ≤ β1, β2 < 1, eps ≥ 0,
// weight_decay ≥ 0. `group` is named if there are several.
void check_adam_options(std::string_view name, double lr, double beta1, double beta2, double eps,
                        double weight_decay, std::size_t group, std::size_t groups);

template <class Options, class T>
void check_adam_groups(std::string_view name, const std::vector<ParamGroup<T>>& groups) {
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& o = static_cast<const Options&>(groups[g].options());
    check_adam_options(name, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), g,
                       groups.size());
  }
}

}  // namespace tapegrad::detail
