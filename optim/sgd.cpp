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

void check_options(const SGDOptions& o, std::size_t group, std::size_t groups) {
  const std::string where = groups > 1 ? fmt::format(" (parameter group {})", group) : "";
  // Written as !(x > 0) so that NaN (also an lr never set) is rejected too.
  if (!(o.lr() > 0.0))
    throw Error(fmt::format("SGD{}: learning rate must be > 0, got lr = {}{}", where, o.lr(),
                            o.lr() != o.lr() ? " (set it: SGDOptions(lr))" : ""));
  if (!(o.momentum() >= 0.0))
    throw Error(
        fmt::format("SGD{}: momentum must be >= 0, got momentum = {}", where, o.momentum()));
  if (!(o.weight_decay() >= 0.0))
    throw Error(fmt::format("SGD{}: weight_decay must be >= 0, got weight_decay = {}", where,
                            o.weight_decay()));
  if (o.nesterov() && !(o.momentum() > 0.0))
    throw Error(fmt::format(
        "SGD{}: nesterov momentum needs momentum > 0; set it with SGDOptions(lr).momentum(0.9)",
        where));
}

// Allocates the momentum buffer of every parameter of a group with momentum.
template <class T>
void allocate_buffers(Optimizer<T>& optimizer) {
  std::size_t k = 0;
  for (const ParamGroup<T>& group : optimizer.param_groups()) {
    const bool momentum = static_cast<const SGDOptions&>(group.options()).momentum() > 0.0;
    for (const Parameter<T>& parameter : group.params()) {
      ParameterState<T>& state = optimizer.state(k++);
      if (momentum && state.buffers.empty())
        state.buffers.emplace_back("momentum_buffer", Tensor<T>(parameter.shape()));
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, double>> SGDOptions::fields() const {
  return {{"lr", lr()},
          {"momentum", momentum()},
          {"nesterov", nesterov() ? 1.0 : 0.0},
          {"weight_decay", weight_decay()}};
}

void SGDOptions::set_field(std::string_view name, double value) {
  if (name == "lr")
    lr_ = value;
  else if (name == "momentum")
    momentum_ = value;
  else if (name == "nesterov")
    nesterov_ = value != 0.0;
  else if (name == "weight_decay")
    weight_decay_ = value;
  else
    throw Error(
        fmt::format("SGDOptions: no setting '{}'; SGD has lr, momentum, nesterov and "
                    "weight_decay",
                    name));
}

std::unique_ptr<OptimizerOptions> SGDOptions::filled_from(const OptimizerOptions& defaults) const {
  const auto* base = dynamic_cast<const SGDOptions*>(&defaults);
  if (base == nullptr) return nullptr;
  auto filled = std::make_unique<SGDOptions>(*this);
  if (!lr_) filled->lr_ = base->lr_;
  if (!momentum_) filled->momentum_ = base->momentum_;
  if (!nesterov_) filled->nesterov_ = base->nesterov_;
  if (!weight_decay_) filled->weight_decay_ = base->weight_decay_;
  return filled;
}

template <class T>
SGD<T>::SGD(std::vector<Parameter<T>> parameters, const SGDOptions& options)
    : SGD(std::vector<ParamGroup<T>>{ParamGroup<T>(std::move(parameters))}, options) {}

template <class T>
SGD<T>::SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& defaults)
    : Optimizer<T>(std::move(groups), defaults), defaults_(defaults) {
  for (std::size_t g = 0; g < this->groups_.size(); ++g)
    check_options(static_cast<const SGDOptions&>(this->groups_[g].options()), g,
                  this->groups_.size());
  allocate_buffers(*this);
}

template <class T>
void SGD<T>::check_group_options(const OptimizerOptions& options, std::size_t g) const {
  check_options(static_cast<const SGDOptions&>(options), g, this->groups_.size());
}

template <class T>
void SGD<T>::prepare_group(std::size_t g, std::size_t) {
  check_options(static_cast<const SGDOptions&>(this->groups_[g].options()), g,
                this->groups_.size());
  allocate_buffers(*this);  // those not allocated yet: the new group's
}

template <class T>
TAPEGRAD_HOT void SGD<T>::step() {
  std::size_t k = 0;
  for (ParamGroup<T>& group : this->groups_) {
    const auto& options = static_cast<const SGDOptions&>(group.options());
    const T lr = static_cast<T>(options.lr());
    const T mu = static_cast<T>(options.momentum());
    const T decay = static_cast<T>(options.weight_decay());
    const bool use_momentum = options.momentum() > 0.0, nesterov = options.nesterov();
    for (Parameter<T>& parameter : group.params()) {
      ParameterState<T>& state = this->state_[k++];
      if (!parameter.requires_grad()) continue;
      const std::span<T> theta = parameter.values();
      const std::span<const T> grad = parameter.grads();
      const std::size_t n = theta.size();
      const bool first = state.step++ == 0;
      // NOTE: one plain loop per case, so that each vectorizes; the formulas are the same.
      if (!use_momentum) {
        if (decay == T(0))
          descend(theta.data(), grad.data(), lr, n);  // θ ← θ − ηg
        else
          for (std::size_t i = 0; i < n; ++i)
            theta[i] -= lr * (grad[i] + decay * theta[i]);  // θ ← θ − η(g + λθ)
        continue;
      }
      if (state.buffers.empty()) allocate_buffers(*this);  // momentum set after construction
      T* buffer = state.buffers.front().second.data();
      for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if (decay != T(0)) g += decay * theta[i];    // g ← g + λθ
        buffer[i] = first ? g : mu * buffer[i] + g;  // b ← μb + g (b ← g at first)
        g = nesterov ? g + mu * buffer[i] : buffer[i];
        theta[i] -= lr * g;  // θ ← θ − ηg
      }
    }
  }
  ++this->steps_;
}

template class SGD<float>;
template class SGD<double>;

}  // namespace tapegrad
