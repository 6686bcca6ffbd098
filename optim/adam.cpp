#include "adam.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../graph/errors.hpp"

namespace tapegrad {
namespace {

void check_options(const AdamOptions& o) {
  // Written as !(condition) so that NaN is rejected too.
  if (!(o.lr() > 0.0))
    throw Error(fmt::format("Adam: learning rate must be > 0, got lr = {}", o.lr()));
  if (!(o.beta1() >= 0.0 && o.beta1() < 1.0) || !(o.beta2() >= 0.0 && o.beta2() < 1.0))
    throw Error(
        fmt::format("Adam: betas must lie in [0, 1), got betas = ({}, {})", o.beta1(), o.beta2()));
  if (!(o.eps() >= 0.0)) throw Error(fmt::format("Adam: eps must be >= 0, got eps = {}", o.eps()));
  if (!(o.weight_decay() >= 0.0))
    throw Error(
        fmt::format("Adam: weight_decay must be >= 0, got weight_decay = {}", o.weight_decay()));
}

}  // namespace

template <class T>
Adam<T>::Adam(std::vector<Parameter<T>> parameters, const AdamOptions& options)
    : Optimizer<T>(std::move(parameters)), options_(options) {
  check_options(options_);
  for (const Parameter<T>& parameter : this->parameters_) {
    first_moments_.emplace_back(parameter.shape());
    second_moments_.emplace_back(parameter.shape());
  }
}

template <class T>
void Adam<T>::step() {
  ++steps_;
  const T lr = static_cast<T>(options_.lr()), eps = static_cast<T>(options_.eps());
  const T beta1 = static_cast<T>(options_.beta1()), beta2 = static_cast<T>(options_.beta2());
  const T decay = static_cast<T>(options_.weight_decay());
  const T t = static_cast<T>(steps_);
  const T correction1 = T(1) - std::pow(beta1, t);  // 1 − β1^t
  const T correction2 = T(1) - std::pow(beta2, t);  // 1 − β2^t
  for (std::size_t k = 0; k < this->parameters_.size(); ++k) {
    Parameter<T>& parameter = this->parameters_[k];
    if (!parameter.requires_grad()) continue;
    const std::span<T> theta = parameter.values();
    const std::span<const T> grad = parameter.grads();
    T* m = first_moments_[k].data();
    T* v = second_moments_[k].data();
    for (std::size_t i = 0; i < theta.size(); ++i) {
      T g = grad[i];
      if (decay != T(0)) g += decay * theta[i];           // g ← g + λθ
      m[i] = beta1 * m[i] + (T(1) - beta1) * g;           // m ← β1·m + (1 − β1)·g
      v[i] = beta2 * v[i] + (T(1) - beta2) * g * g;       // v ← β2·v + (1 − β2)·g²
      const T m_hat = m[i] / correction1;                 // m̂ = m / (1 − β1^t)
      const T v_hat = v[i] / correction2;                 // v̂ = v / (1 − β2^t)
      theta[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);  // θ ← θ − η·m̂ / (√v̂ + ε)
    }
  }
}

template class Adam<float>;
template class Adam<double>;

}  // namespace tapegrad
