// Buffer<T>: a module's state that is saved with it but not trained, as torch's buffers:
// BatchNorm's running mean and variance (T) and its num_batches_tracked (int64). A Buffer holds
// either a Tensor<T> or an integer tensor (Tensor<std::int64_t>); copies share the storage, as
// copies of a Parameter do, so a module's member and its registry (Module::named_buffers) see
// the same values.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <variant>

#include "../graph/errors.hpp"
#include "../graph/tensor.hpp"

namespace tapegrad {

template <class T>
class Buffer {
 public:
  using Integer = std::int64_t;

  Buffer() = default;  // undefined; assign a constructed one before use
  explicit Buffer(Tensor<T> value) : data_(std::make_shared<Storage>(std::move(value))) {}
  explicit Buffer(Tensor<Integer> value) : data_(std::make_shared<Storage>(std::move(value))) {}

  bool defined() const { return data_ != nullptr; }
  // Whether it holds integers (value() then throws; use integer_value()).
  bool is_integer() const { return data_->index() == 1; }
  const Shape& shape() const {
    return std::visit([](const auto& tensor) -> const Shape& { return tensor.shape(); }, *data_);
  }
  std::size_t size() const { return shape().size(); }

  // The values of a T buffer; throws Error for an integer one.
  const Tensor<T>& value() const { return std::get<0>(checked(false)); }
  // The T tensor itself, for ops that update a buffer in place (batch_norm's running
  // statistics); its shape must not be changed. Throws Error for an integer buffer.
  Tensor<T>& tensor() { return std::get<0>(checked(false)); }
  std::span<T> values() { return std::get<0>(checked(false)).values(); }
  // The values of an integer buffer; throws Error for a T one.
  const Tensor<Integer>& integer_value() const { return std::get<1>(checked(true)); }
  std::span<Integer> integer_values() { return std::get<1>(checked(true)).values(); }

  // Replace the values with a tensor of the same shape and kind; throws ShapeError for another
  // shape and Error for the other kind.
  void assign(const Tensor<T>& value) { assign_checked(value); }
  void assign(const Tensor<Integer>& value) { assign_checked(value); }

  // Identity: copies of one Buffer compare equal.
  friend bool operator==(const Buffer& a, const Buffer& b) { return a.data_ == b.data_; }

 private:
  using Storage = std::variant<Tensor<T>, Tensor<Integer>>;

  Storage& checked(bool integer) const {
    if (data_ == nullptr) throw Error("Buffer: the buffer is undefined");
    if (is_integer() != integer)
      throw Error(integer ? "Buffer: integer_value() of a floating-point buffer; use value()"
                          : "Buffer: value() of an integer buffer; use integer_value()");
    return *data_;
  }
  template <class U>
  void assign_checked(const Tensor<U>& value) {
    Storage& storage = checked(std::is_same_v<U, Integer>);
    if (!(value.shape() == shape()))
      throw ShapeError("Buffer::assign: shape " + value.shape().str() +
                       " differs from the buffer's " + shape().str());
    std::get<Tensor<U>>(storage) = value;
  }

  std::shared_ptr<Storage> data_;
};

}  // namespace tapegrad
