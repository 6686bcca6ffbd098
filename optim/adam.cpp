#include "adam.hpp"

#include <fmt/format.h>

#include <string>

#include "../graph/errors.hpp"
#include "detail/adam_update.hpp"

namespace tapegrad {

namespace detail {

void unknown_adam_setting(std::string_view options, std::string_view name) {
  throw Error(fmt::format("{}: no setting '{}'; it has lr, beta1, beta2, eps and weight_decay",
                          options, name));
}

void check_adam_options(std::string_view name, double lr, double beta1, double beta2, double eps,
                        double weight_decay, std::size_t group, std::size_t groups) {
  const std::string where = groups > 1 ? fmt::format(" (parameter group {})", group) : "";
  // Written as !(condition) so that NaN is rejected too.
  if (!(lr > 0.0))
    throw Error(fmt::format("{}{}: learning rate must be > 0, got lr = {}", name, where, lr));
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0))
    throw Error(fmt::format("{}{}: betas must lie in [0, 1), got betas = ({}, {})", name, where,
                            beta1, beta2));
  if (!(eps >= 0.0))
    throw Error(fmt::format("{}{}: eps must be >= 0, got eps = {}", name, where, eps));
  if (!(weight_decay >= 0.0))
    throw Error(fmt::format("{}{}: weight_decay must be >= 0, got weight_decay = {}", name, where,
                            weight_decay));
}

}  // namespace detail

template <class T>
Adam<T>::Adam(std::vector<Parameter<T>> parameters, const AdamOptions& options)
    : Adam(std::vector<ParamGroup<T>>{ParamGroup<T>(std::move(parameters))}, options) {}

template <class T>
Adam<T>::Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& defaults)
    : Optimizer<T>(std::move(groups), defaults), defaults_(defaults) {
  detail::check_adam_groups<AdamOptions>("Adam", this->groups_);
  detail::allocate_moments(this->parameters_, this->state_);
}

template <class T>
void Adam<T>::check_group_options(const OptimizerOptions& options, std::size_t g) const {
  const auto& o = static_cast<const AdamOptions&>(options);
  detail::check_adam_options("Adam", o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), g,
                             this->groups_.size());
}

template <class T>
void Adam<T>::prepare_group(std::size_t g, std::size_t first) {
  const auto& o = static_cast<const AdamOptions&>(this->groups_[g].options());
  detail::check_adam_options("Adam", o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), g,
                             this->groups_.size());
  detail::allocate_moments(this->parameters_, this->state_, first);
}

template <class T>
void Adam<T>::step() {
  detail::adam_step<AdamOptions>(this->groups_, this->state_, detail::Decay::kL2);
  ++this->steps_;
}

template class Adam<float>;
template class Adam<double>;

}  // namespace tapegrad
