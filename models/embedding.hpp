// Embedding<T> (torch::nn::Embedding): a lookup table of num_embeddings vectors of embedding_dim,
// indexed by integers, around the embedding op (ops/layer_ops.hpp). The weight starts N(0, 1) as
// torch's, with the padding_idx row (if any) zero; that row receives no gradient.
//
//   Embedding<float> embed(EmbeddingOptions(10, 4).padding_idx(0));
//   Var<float> v = embed.forward(IndexTensor(Shape{2, 3}, {1, 2, 0, 4, 5, 9}));  // [2, 3, 4]
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "../graph/random.hpp"
#include "../ops/layer_ops.hpp"
#include "module.hpp"

namespace tapegrad {

class EmbeddingOptions {
 public:
  EmbeddingOptions(std::size_t num_embeddings, std::size_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  // Negative counts from the end, as torch's.
  EmbeddingOptions& padding_idx(std::int64_t index) {
    padding_idx_ = index;
    return *this;
  }
  // Used only while the layer is constructed; otherwise the thread's default generator.
  EmbeddingOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }
  std::size_t num_embeddings() const { return num_embeddings_; }
  std::size_t embedding_dim() const { return embedding_dim_; }
  const std::optional<std::int64_t>& padding_idx() const { return padding_idx_; }
  Generator* generator() const { return generator_; }

 private:
  std::size_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
  Generator* generator_ = nullptr;
};

template <class T>
class Embedding : public Module<T> {
 public:
  // Registers "weight" [num_embeddings, embedding_dim]. Throws Error if a size is 0 or
  // padding_idx is outside [−num_embeddings, num_embeddings).
  explicit Embedding(const EmbeddingOptions& options);
  // The rows picked by `indices` (any shape): indices.shape + [embedding_dim].
  Var<T> forward(const IndexTensor& indices);
  // Module's forward on a Var holding whole numbers (as float), for Sequential.
  Var<T> forward(const Var<T>& indices) override;
  const EmbeddingOptions& options() const { return options_; }

  Parameter<T> weight;

 private:
  EmbeddingOptions options_;
};

extern template class Embedding<float>;
extern template class Embedding<double>;

}  // namespace tapegrad
