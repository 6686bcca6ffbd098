#include "embedding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../graph/errors.hpp"

namespace tapegrad {

template <class T>
Embedding<T>::Embedding(const EmbeddingOptions& options) : options_(options) {
  const std::size_t n = options.num_embeddings(), d = options.embedding_dim();
  if (n == 0 || d == 0)
    throw Error(
        fmt::format("Embedding: num_embeddings {} and embedding_dim {} must be at least 1", n, d));
  const auto signed_n = static_cast<std::int64_t>(n);
  if (const auto& p = options.padding_idx(); p && (*p < -signed_n || *p >= signed_n))
    throw Error(fmt::format("Embedding: padding_idx {} is outside [{}, {})", *p, -signed_n, n));
  Generator& generator =
      options.generator() != nullptr ? *options.generator() : default_generator();
  Tensor<T> table(Shape{n, d});
  for (T& v : table.values()) v = static_cast<T>(generator.normal());  // N(0, 1), as torch
  if (const auto& p = options.padding_idx()) {
    const auto row = static_cast<std::size_t>(*p < 0 ? *p + signed_n : *p);
    std::fill_n(table.values().begin() + static_cast<std::ptrdiff_t>(row * d), d, T(0));
  }
  weight = this->register_parameter("weight", Parameter<T>(std::move(table), "weight"));
}

template <class T>
Var<T> Embedding<T>::forward(const IndexTensor& indices) {
  return embedding(Var<T>(weight), indices, options_.padding_idx());
}

template <class T>
Var<T> Embedding<T>::forward(const Var<T>& indices) {
  std::vector<std::int64_t> whole(indices.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const T v = indices.data()[i];
    if (!(std::floor(v) == v))
      throw Error(fmt::format("Embedding: index {} at position {} is not a whole number", v, i));
    whole[i] = static_cast<std::int64_t>(v);
  }
  return forward(IndexTensor(indices.shape(), std::move(whole)));
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace tapegrad
