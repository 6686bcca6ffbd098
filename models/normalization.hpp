// Normalisation layers: LayerNorm (torch::nn::LayerNorm) and BatchNorm1d/BatchNorm2d
// (torch::nn::BatchNorm1d/2d) around the layer_norm and batch_norm ops (ops/layer_ops.hpp), with
// torch's defaults: eps 1e-5, affine weight 1 and bias 0; batch norm's momentum 0.1, running mean
// 0 and variance 1 (buffers "running_mean", "running_var", updated in training mode with the
// unbiased batch variance) and the int64 buffer "num_batches_tracked".
//
//   BatchNorm2d<float> bn(BatchNormOptions(8));
//   Var<float> y = bn.forward(x);  // x [N, 8, H, W]; training mode: batch statistics
#pragma once

#include <cstddef>
#include <vector>

#include "../ops/layer_ops.hpp"
#include "module.hpp"

namespace tapegrad {

class LayerNormOptions {
 public:
  explicit LayerNormOptions(std::vector<std::size_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  LayerNormOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  LayerNormOptions& elementwise_affine(bool on) {
    elementwise_affine_ = on;
    return *this;
  }
  const std::vector<std::size_t>& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }
  bool elementwise_affine() const { return elementwise_affine_; }

 private:
  std::vector<std::size_t> normalized_shape_;
  double eps_ = 1e-5;
  bool elementwise_affine_ = true;
};

template <class T>
class LayerNorm : public Module<T> {
 public:
  // Registers "weight" (ones) and "bias" (zeros) of normalized_shape with elementwise_affine.
  // Throws Error for an empty normalized_shape or one with a 0, or eps ≤ 0.
  explicit LayerNorm(const LayerNormOptions& options);
  // Normalises over x's trailing dimensions, which must equal normalized_shape.
  Var<T> forward(const Var<T>& x) override;
  const LayerNormOptions& options() const { return options_; }

  Parameter<T> weight;  // undefined without elementwise_affine
  Parameter<T> bias;

 private:
  LayerNormOptions options_;
};

class BatchNormOptions {
 public:
  explicit BatchNormOptions(std::size_t num_features) : num_features_(num_features) {}
  BatchNormOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  BatchNormOptions& momentum(double momentum) {
    momentum_ = momentum;
    return *this;
  }
  BatchNormOptions& affine(bool on) {
    affine_ = on;
    return *this;
  }
  BatchNormOptions& track_running_stats(bool on) {
    track_running_stats_ = on;
    return *this;
  }
  std::size_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  double momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }

 private:
  std::size_t num_features_;
  double eps_ = 1e-5;
  double momentum_ = 0.1;
  bool affine_ = true;
  bool track_running_stats_ = true;
};

// The batch norm of both layers; `Rank` lists the input ranks the layer takes ({2, 3} for
// BatchNorm1d: [N, C] or [N, C, L]; {4} for BatchNorm2d: [N, C, H, W]).
template <class T>
class BatchNorm : public Module<T> {
 public:
  // Training mode: normalises with the batch's statistics and, with track_running_stats, updates
  // the running ones and counts the batch. Evaluation mode: normalises with the running
  // statistics (or the batch's, without track_running_stats, as torch).
  Var<T> forward(const Var<T>& x) override;
  const BatchNormOptions& options() const { return options_; }

  Parameter<T> weight;            // [C], ones; undefined without affine
  Parameter<T> bias;              // [C], zeros
  Buffer<T> running_mean;         // [C], zeros; undefined without track_running_stats
  Buffer<T> running_var;          // [C], ones
  Buffer<T> num_batches_tracked;  // [], int64

 protected:
  BatchNorm(const BatchNormOptions& options, const char* layer, std::vector<std::size_t> ranks);

 private:
  BatchNormOptions options_;
  const char* layer_;
  std::vector<std::size_t> ranks_;
};

template <class T>
class BatchNorm1d : public BatchNorm<T> {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options)
      : BatchNorm<T>(options, "BatchNorm1d", {2, 3}) {}
};

template <class T>
class BatchNorm2d : public BatchNorm<T> {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options)
      : BatchNorm<T>(options, "BatchNorm2d", {4}) {}
};

extern template class LayerNorm<float>;
extern template class LayerNorm<double>;
extern template class BatchNorm<float>;
extern template class BatchNorm<double>;

}  // namespace tapegrad
