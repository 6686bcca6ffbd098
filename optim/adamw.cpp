#include "adamw.hpp"

#include "detail/adam_update.hpp"

namespace tapegrad {

template <class T>
AdamW<T>::AdamW(std::vector<Parameter<T>> parameters, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup<T>>{ParamGroup<T>(std::move(parameters))}, options) {}

template <class T>
AdamW<T>::AdamW(std::vector<ParamGroup<T>> groups, const AdamWOptions& defaults)
    : Optimizer<T>(std::move(groups), defaults), defaults_(defaults) {
  detail::check_adam_groups<AdamWOptions>("AdamW", this->groups_);
  detail::allocate_moments(this->parameters_, this->state_);
}

template <class T>
void AdamW<T>::check_group_options(const OptimizerOptions& options, std::size_t g) const {
  const auto& o = static_cast<const AdamWOptions&>(options);
  detail::check_adam_options("AdamW", o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), g,
                             this->groups_.size());
}

template <class T>
void AdamW<T>::prepare_group(std::size_t g, std::size_t first) {
  const auto& o = static_cast<const AdamWOptions&>(this->groups_[g].options());
  detail::check_adam_options("AdamW", o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), g,
                             this->groups_.size());
  detail::allocate_moments(this->parameters_, this->state_, first);
}

template <class T>
void AdamW<T>::step() {
  detail::adam_step<AdamWOptions>(this->groups_, this->state_, detail::Decay::kDecoupled);
  ++this->steps_;
}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace tapegrad
