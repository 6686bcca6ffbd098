#include "tensor.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "errors.hpp"

namespace tapegrad {

std::size_t flat_index(const Shape& shape, std::span<const std::size_t> index) {
  auto describe = [&] { return fmt::format("[{}]", fmt::join(index, ",")); };
  if (index.size() != shape.rank())
    throw ShapeError(
        fmt::format("index {} has {} coordinates but the tensor of shape {} has rank {}",
                    describe(), index.size(), shape.str(), shape.rank()));
  std::size_t flat = 0;
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    if (index[axis] >= shape[axis])
      throw ShapeError(
          fmt::format("index {} is out of bounds for shape {}", describe(), shape.str()));
    flat = flat * shape[axis] + index[axis];
  }
  return flat;
}

template <class T>
Tensor<T>::Tensor(const Shape& shape, std::vector<T> values)
    : shape_(shape), data_(std::move(values)) {
  if (data_.size() != shape.size())
    throw ShapeError(fmt::format("tensor: {} values given for shape {} ({} elements)", data_.size(),
                                 shape.str(), shape.size()));
}

template <class T>
Tensor<T> Tensor<T>::full(const Shape& shape, T value) {
  Tensor t(shape);
  t.fill(value);
  return t;
}

template <class T>
T& Tensor<T>::at(std::initializer_list<std::size_t> index) {
  return data_[flat_index(shape_, {index.begin(), index.size()})];
}

template <class T>
const T& Tensor<T>::at(std::initializer_list<std::size_t> index) const {
  return data_[flat_index(shape_, {index.begin(), index.size()})];
}

template <class T>
T Tensor<T>::item() const {
  if (data_.size() != 1)
    throw ShapeError(fmt::format("item(): tensor of shape {} has {} elements, not one",
                                 shape_.str(), data_.size()));
  return data_[0];
}

template <class T>
void Tensor<T>::fill(T value) {
  std::fill(data_.begin(), data_.end(), value);
}

template <class T>
Tensor<T> Tensor<T>::reshaped(const Shape& shape) const {
  if (shape.size() != size())
    throw ShapeError(fmt::format("reshape: {} ({} elements) to {} ({} elements)", shape_.str(),
                                 size(), shape.str(), shape.size()));
  return Tensor(shape, data_);
}

template class Tensor<float>;
template class Tensor<double>;
template class Tensor<std::int64_t>;

}  // namespace tapegrad
