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
void AdamW<T>::step() {
  detail::adam_step<AdamWOptions>(this->groups_, this->state_, detail::Decay::kDecoupled);
  ++this->steps_;
}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace tapegrad
