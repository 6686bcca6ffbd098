#include "normalization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "../graph/errors.hpp"

namespace tapegrad {

template <class T>
LayerNorm<T>::LayerNorm(const LayerNormOptions& options) : options_(options) {
  const std::vector<std::size_t>& dims = options.normalized_shape();
  if (dims.empty() || std::find(dims.begin(), dims.end(), 0) != dims.end())
    throw Error(fmt::format("LayerNorm: normalized_shape {} must be non-empty without a 0",
                            Shape(std::span<const std::size_t>(dims)).str()));
  if (!(options.eps() > 0))
    throw Error(fmt::format("LayerNorm: eps must be > 0, got {}", options.eps()));
  if (options.elementwise_affine()) {
    const Shape shape{std::span<const std::size_t>(dims)};
    weight =
        this->register_parameter("weight", Parameter<T>(Tensor<T>::full(shape, T(1)), "weight"));
    bias = this->register_parameter("bias", Parameter<T>(Tensor<T>(shape), "bias"));
  }
}

template <class T>
Var<T> LayerNorm<T>::forward(const Var<T>& x) {
  const std::vector<std::size_t>& dims = options_.normalized_shape();
  return layer_norm(x, Shape(std::span<const std::size_t>(dims)),
                    weight.defined() ? Var<T>(weight) : Var<T>(),
                    bias.defined() ? Var<T>(bias) : Var<T>(), options_.eps());
}

template <class T>
BatchNorm<T>::BatchNorm(const BatchNormOptions& options, const char* layer,
                        std::vector<std::size_t> ranks)
    : options_(options), layer_(layer), ranks_(std::move(ranks)) {
  const std::size_t c = options.num_features();
  if (c == 0) throw Error(fmt::format("{}: num_features must be at least 1", layer));
  if (!(options.eps() > 0))
    throw Error(fmt::format("{}: eps must be > 0, got {}", layer, options.eps()));
  if (!(options.momentum() >= 0 && options.momentum() <= 1))
    throw Error(fmt::format("{}: momentum must be in [0, 1], got {}", layer, options.momentum()));
  if (options.affine()) {
    weight =
        this->register_parameter("weight", Parameter<T>(Tensor<T>::full(Shape{c}, T(1)), "weight"));
    bias = this->register_parameter("bias", Parameter<T>(Tensor<T>(Shape{c}), "bias"));
  }
  if (options.track_running_stats()) {
    running_mean = this->register_buffer("running_mean", Tensor<T>(Shape{c}));
    running_var = this->register_buffer("running_var", Tensor<T>::full(Shape{c}, T(1)));
    num_batches_tracked =
        this->register_buffer("num_batches_tracked", Tensor<std::int64_t>(Shape{}));
  }
}

template <class T>
Var<T> BatchNorm<T>::forward(const Var<T>& x) {
  const std::size_t rank = x.rank();
  if (std::find(ranks_.begin(), ranks_.end(), rank) == ranks_.end())
    throw ShapeError(fmt::format("{}: expected an input of rank {}, got {}", layer_,
                                 ranks_.size() == 1 ? fmt::format("{}", ranks_[0])
                                                    : fmt::format("{} or {}", ranks_[0], ranks_[1]),
                                 x.shape().str()));
  const bool tracking = options_.track_running_stats();
  // torch: batch statistics in training, and in evaluation without running statistics.
  const bool use_batch = this->is_training() || !tracking;
  Var<T> y = batch_norm(
      x, tracking ? &running_mean.tensor() : nullptr, tracking ? &running_var.tensor() : nullptr,
      weight.defined() ? Var<T>(weight) : Var<T>(), bias.defined() ? Var<T>(bias) : Var<T>(),
      use_batch, options_.momentum(), options_.eps());
  if (tracking && this->is_training()) ++num_batches_tracked.integer_values()[0];
  return y;
}

template class LayerNorm<float>;
template class LayerNorm<double>;
template class BatchNorm<float>;
template class BatchNorm<double>;

}  // namespace tapegrad
