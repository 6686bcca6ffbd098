// Tensor<T>: an owning, dense, row-major array with a shape. It carries no autograd state; it is
// what data, weights and gradients are stored in. Vars (graph/var.hpp) refer to tensors on a
// tape; Parameters (graph/parameter.hpp) own a tensor and its gradient.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <vector>

#include "shape.hpp"

namespace tapegrad {

template <class T>
class Tensor {
 public:
  using value_type = T;

  Tensor() : Tensor(Shape{0}) {}
  // Zero-filled tensor of the given shape.
  explicit Tensor(const Shape& shape) : shape_(shape), data_(shape.size(), T(0)) {}
  // Tensor with the given row-major values; throws ShapeError if the count does not fit.
  Tensor(const Shape& shape, std::vector<T> values);
  Tensor(const Shape& shape, std::initializer_list<T> values)
      : Tensor(shape, std::vector<T>(values)) {}

  static Tensor scalar(T value) { return Tensor(Shape{}, {value}); }
  static Tensor full(const Shape& shape, T value);

  const Shape& shape() const { return shape_; }
  std::size_t size() const { return data_.size(); }
  std::size_t rank() const { return shape_.rank(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::span<T> values() & { return data_; }
  std::span<const T> values() const& { return data_; }
  // On a temporary (a tensor returned by value, as Var::to_tensor() or a const Parameter's
  // grad() return one), the values themselves, moved out: `for (T v : f().values())` then reads
  // live memory, where a span would outlive the tensor it points into.
  std::vector<T> values() && { return std::move(data_); }

  T& operator[](std::size_t flat) { return data_[flat]; }
  const T& operator[](std::size_t flat) const { return data_[flat]; }
  // Bounds-checked access by multi-index; throws ShapeError naming the index and the shape.
  T& at(std::initializer_list<std::size_t> index);
  const T& at(std::initializer_list<std::size_t> index) const;
  // The single value of a one-element tensor.
  T item() const;

  void fill(T value);
  // Same values viewed with another shape of the same size.
  Tensor reshaped(const Shape& shape) const;

 private:
  Shape shape_;
  std::vector<T> data_;
};

// Prints as torch prints a tensor: the values nested by axis with a common width and format
// (4 decimals, or scientific notation for very large or small values; integers as integers),
// summarised with "..." beyond 1000 elements, and ", dtype=float64" for double:
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], dtype=float64)
template <class T>
std::ostream& operator<<(std::ostream& out, const Tensor<T>& tensor);

// Flat row-major offset of a multi-index; throws ShapeError when out of bounds.
std::size_t flat_index(const Shape& shape, std::span<const std::size_t> index);

extern template class Tensor<float>;
extern template class Tensor<double>;
extern template class Tensor<std::int64_t>;  // indices and class labels

}  // namespace tapegrad
