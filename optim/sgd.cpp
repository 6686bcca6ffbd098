#include "sgd.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../graph/hot.hpp"
#include "../ops/math.hpp"

namespace tapegrad {

namespace {

// θ ← θ − ηg, the plain SGD step, compiled per instruction set (ops/detail/vector_math.hpp).
TAPEGRAD_HOT TAPEGRAD_SIMD_CLONES void descend(float* theta, const float* grad, float lr,
                                               std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) theta[i] -= lr * grad[i];
}
TAPEGRAD_HOT TAPEGRAD_SIMD_CLONES void descend(double* theta, const double* grad, double lr,
                                               std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) theta[i] -= lr * grad[i];
}

void check_options(const SGDOptions& o) {
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(o.lr() > 0.0))
    throw Error(fmt::format("SGD: learning rate must be > 0, got lr = {}", o.lr()));
  if (!(o.momentum() >= 0.0))
    throw Error(fmt::format("SGD: momentum must be >= 0, got momentum = {}", o.momentum()));
  if (!(o.weight_decay() >= 0.0))
    throw Error(
        fmt::format("SGD: weight_decay must be >= 0, got weight_decay = {}", o.weight_decay()));
  if (o.nesterov() && !(o.momentum() > 0.0))
    throw Error(
        "SGD: nesterov momentum needs momentum > 0; set it with SGDOptions(lr).momentum(0.9)");
}

}  // namespace

template <class T>
SGD<T>::SGD(std::vector<Parameter<T>> parameters, const SGDOptions& options)
    : Optimizer<T>(std::move(parameters)), options_(options) {
  check_options(options_);
  if (options_.momentum() > 0.0)
    for (const Parameter<T>& parameter : this->parameters_)
      momentum_buffers_.emplace_back(parameter.shape());
}

template <class T>
TAPEGRAD_HOT void SGD<T>::step() {
  const T lr = static_cast<T>(options_.lr());
  const T mu = static_cast<T>(options_.momentum());
  const T decay = static_cast<T>(options_.weight_decay());
  const bool use_momentum = options_.momentum() > 0.0, first = steps_ == 0;
  const bool nesterov = options_.nesterov();
  for (std::size_t k = 0; k < this->parameters_.size(); ++k) {
    Parameter<T>& parameter = this->parameters_[k];
    if (!parameter.requires_grad()) continue;
    const std::span<T> theta = parameter.values();
    const std::span<const T> grad = parameter.grads();
    const std::size_t n = theta.size();
    // NOTE: one plain loop per case, so that each vectorizes; the formulas are the same.
    if (!use_momentum) {
      if (decay == T(0))
        descend(theta.data(), grad.data(), lr, n);  // θ ← θ − ηg
      else
        for (std::size_t i = 0; i < n; ++i)
          theta[i] -= lr * (grad[i] + decay * theta[i]);  // θ ← θ − η(g + λθ)
      continue;
    }
    T* buffer = momentum_buffers_[k].data();
    for (std::size_t i = 0; i < n; ++i) {
      T g = grad[i];
      if (decay != T(0)) g += decay * theta[i];    // g ← g + λθ
      buffer[i] = first ? g : mu * buffer[i] + g;  // b ← μb + g (b ← g at first)
      g = nesterov ? g + mu * buffer[i] : buffer[i];
      theta[i] -= lr * g;  // θ ← θ − ηg
    }
  }
  ++steps_;
}

template class SGD<float>;
template class SGD<double>;

}  // namespace tapegrad
