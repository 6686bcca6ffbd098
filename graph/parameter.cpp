#include "parameter.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "errors.hpp"
#include "hot.hpp"
#include "poison.hpp"

namespace tapegrad {

template <class T>
Parameter<T>::Parameter(Tensor<T> value, std::string name, bool requires_grad)
    : data_(std::make_shared<Data>()) {
  Shape shape = value.shape();
  data_->value = std::move(value);
  data_->grad = Tensor<T>(shape);
  data_->name = std::move(name);
  data_->slot.grad_storage = data_->grad.data();
  Value<T>& slot = data_->slot.value;
  slot.shape = shape;
  slot.data = data_->value.data();
  slot.grad = data_->grad.data();
  slot.label = Label(data_->name.c_str());
  slot.kind = ValueKind::kParameter;
  slot.requires_grad = requires_grad;
}

template <class T>
void Parameter<T>::set_name(std::string name) {
  data_->name = std::move(name);
  data_->slot.value.label = Label(data_->name.c_str());
}

template <class T>
TAPEGRAD_HOT void Parameter<T>::zero_grad() {
  data_->slot.value.grad = nullptr;
#ifdef TAPEGRAD_POISON_MEMORY
  detail::poison(data_->grad.values());  // what backward must not read: NaN until written
#endif
}

template <class T>
void Parameter<T>::assign(const Tensor<T>& value) {
  if (!(value.shape() == shape()))
    throw ShapeError(
        fmt::format("assign to parameter '{}': new value has shape {}, the parameter {}", name(),
                    value.shape().str(), shape().str()));
  std::copy_n(value.data(), value.size(), data_->value.data());
}

template class Parameter<float>;
template class Parameter<double>;

}  // namespace tapegrad
