// Parameter<T>: a trainable leaf that outlives tapes. It owns its value and its gradient buffer;
// copies of a Parameter share them (like torch::Tensor), so a model and its optimizer see the
// same storage. Used in ops through its implicit conversion to Var<T>.
#pragma once

#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "tensor.hpp"
#include "var.hpp"

namespace tapegrad {

template <class T>
class Parameter {
 public:
  Parameter() = default;  // undefined; assign a constructed one before use
  explicit Parameter(Tensor<T> value, std::string name = {}, bool requires_grad = true);

  bool defined() const { return data_ != nullptr; }
  const std::string& name() const { return data_->name; }
  void set_name(std::string name);
  const Shape& shape() const { return data_->value.shape(); }
  std::size_t size() const { return data_->value.size(); }

  const Tensor<T>& value() const { return data_->value; }
  std::span<T> values() { return data_->value.values(); }  // in-place updates keep the shape
  // Replace the values with a tensor of the same shape; throws ShapeError otherwise.
  void assign(const Tensor<T>& value);

  // The gradient accumulated since the last zero_grad(): zeros if no backward pass has reached
  // the parameter since. On a Parameter, a reference to its storage; the first read after
  // zero_grad() writes the zeros into it then (not safe from several threads at once on copies
  // of one parameter). On a const Parameter, which is never written, a copy.
  const Tensor<T>& grad() {
    materialize_grad();
    return data_->grad;
  }
  Tensor<T> grad() const { return has_grad() ? data_->grad : Tensor<T>(shape()); }
  std::span<T> grads() {
    materialize_grad();
    return data_->grad.values();
  }
  // Whether a backward pass has reached the parameter since the last zero_grad().
  bool has_grad() const { return data_->slot.value.grad != nullptr; }
  // Sets the gradient to zero. NOTE: lazily: the storage is not written here but by the first
  // op that reaches the parameter in the next backward pass (or by grad(), if read first).
  void zero_grad();

  bool requires_grad() const { return data_->slot.value.requires_grad; }
  void set_requires_grad(bool requires_grad) { data_->slot.value.requires_grad = requires_grad; }

  operator Var<T>() const { return var(); }  // NOLINT(google-explicit-constructor)
  Var<T> var() const { return Var<T>(&data_->slot.value, nullptr, 0); }

  // Identity: copies of one Parameter compare equal.
  friend bool operator==(const Parameter& a, const Parameter& b) { return a.data_ == b.data_; }

 private:
  struct Data {
    Tensor<T> value;
    Tensor<T> grad;
    ParameterSlot<T> slot;  // the graph's view of value and grad
    std::string name;
  };
  void materialize_grad() {
    // all-zero bits are +0.0; memset is the fastest way to write them
    if (Value<T>& slot = data_->slot.value; slot.grad == nullptr) {
      std::memset(data_->grad.data(), 0, data_->grad.size() * sizeof(T));
      slot.grad = data_->grad.data();
    }
  }
  std::shared_ptr<Data> data_;
};

extern template class Parameter<float>;
extern template class Parameter<double>;

}  // namespace tapegrad
