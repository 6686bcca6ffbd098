#include "data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "../graph/errors.hpp"

namespace tapegrad {

namespace {

// The shape of `rows` examples of a tensor [N, ...]: [rows, ...].
Shape with_rows(const Shape& shape, std::size_t rows) {
  std::vector<std::size_t> dims(shape.dims().begin(), shape.dims().end());
  dims[0] = rows;
  return Shape(std::span<const std::size_t>(dims));
}

template <class T>
void gather_examples(const Tensor<T>& source, std::span<const std::size_t> rows, Tensor<T>& out) {
  const std::size_t width = source.shape()[0] == 0 ? 0 : source.size() / source.shape()[0];
  const Shape shape = with_rows(source.shape(), rows.size());
  if (!(out.shape() == shape)) out = Tensor<T>(shape);
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::copy_n(source.data() + rows[r] * width, width, out.data() + r * width);
}

}  // namespace

template <class T>
TensorDataset<T>::TensorDataset(Tensor<T> inputs, Tensor<T> targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  if (inputs_.rank() == 0 || targets_.rank() == 0 || inputs_.shape()[0] != targets_.shape()[0])
    throw ShapeError(fmt::format(
        "TensorDataset: inputs {} and targets {}: both need the examples along the first axis, "
        "as many of each",
        inputs_.shape().str(), targets_.shape().str()));
}

template <class T>
void TensorDataset<T>::gather(std::span<const std::size_t> rows, Tensor<T>& inputs,
                              Tensor<T>& targets) const {
  for (const std::size_t row : rows)
    if (row >= size())
      throw ShapeError(
          fmt::format("TensorDataset::gather: row {} of a dataset of {} examples", row, size()));
  gather_examples(inputs_, rows, inputs);
  gather_examples(targets_, rows, targets);
}

template <class T>
DataLoader<T>::DataLoader(TensorDataset<T> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)),
      options_(options),
      generator_(options.seed()),
      order_(dataset_.size()) {
  if (options_.batch_size() == 0)
    throw Error(
        "DataLoader: batch_size must be at least 1 (give the dataset's size for one batch)");
  if (dataset_.size() == 0)
    throw Error("DataLoader: the dataset is empty; it needs at least one row");
  std::iota(order_.begin(), order_.end(), std::size_t{0});
}

template <class T>
std::size_t DataLoader<T>::size() const {
  const std::size_t n = dataset_.size(), b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

template <class T>
void DataLoader<T>::next_order() {
  ++epochs_;
  if (!options_.shuffle()) return;
  for (std::size_t i = order_.size(); i-- > 1;) {  // Fisher–Yates, from the generator's raw bits
    const std::size_t j = static_cast<std::size_t>(generator_.bits() % (i + 1));
    std::swap(order_[i], order_[j]);
  }
}

template <class T>
void DataLoader<T>::advance_epochs(std::size_t count) {
  for (std::size_t e = 0; e < count; ++e) next_order();
}

template <class T>
void DataLoader<T>::load_batch(std::size_t index) {
  if (index >= size()) return;
  const std::size_t begin = index * options_.batch_size();
  const std::size_t end = std::min(order_.size(), begin + options_.batch_size());
  batch_.indices.assign(order_.begin() + static_cast<std::ptrdiff_t>(begin),
                        order_.begin() + static_cast<std::ptrdiff_t>(end));
  dataset_.gather(batch_.indices, batch_.inputs, batch_.targets);
}

template <class T>
typename DataLoader<T>::Iterator DataLoader<T>::begin() {
  next_order();
  return Iterator(this, 0);
}

template <class T>
DataLoader<T>::Iterator::Iterator(DataLoader* loader, std::size_t index)
    : loader_(loader), index_(index) {
  loader_->load_batch(index_);
}

template <class T>
typename DataLoader<T>::Iterator& DataLoader<T>::Iterator::operator++() {
  loader_->load_batch(++index_);
  return *this;
}

template class TensorDataset<float>;
template class TensorDataset<double>;
template class DataLoader<float>;
template class DataLoader<double>;

}  // namespace tapegrad
