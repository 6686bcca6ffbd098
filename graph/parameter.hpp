// Parameter<T>: a trainable leaf that outlives tapes. It owns its value and its gradient buffer;
// copies of a Parameter share them (like torch::Tensor), so a model and its optimizer see the
// same storage. Used in ops through its implicit conversion to Var<T>.
#pragma once

#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "tapegrad/graph/tensor.hpp"
#include "tapegrad/graph/var.hpp"

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

  const Tensor<T>& grad() const { return data_->grad; }
  std::span<T> grads() { return data_->grad.values(); }
  void zero_grad() {  // all-zero bits are +0.0; memset is the fastest way to write them
    std::memset(data_->grad.data(), 0, data_->grad.size() * sizeof(T));
  }

  bool requires_grad() const { return data_->slot.requires_grad; }
  void set_requires_grad(bool requires_grad) { data_->slot.requires_grad = requires_grad; }

  operator Var<T>() const { return var(); }  // NOLINT(google-explicit-constructor)
  Var<T> var() const { return Var<T>(&data_->slot, nullptr, 0); }

  // Identity: copies of one Parameter compare equal.
  friend bool operator==(const Parameter& a, const Parameter& b) { return a.data_ == b.data_; }

 private:
  struct Data {
    Tensor<T> value;
    Tensor<T> grad;
    Value<T> slot;  // the graph's view of value and grad
    std::string name;
  };
  std::shared_ptr<Data> data_;
};

extern template class Parameter<float>;
extern template class Parameter<double>;

}  // namespace tapegrad
