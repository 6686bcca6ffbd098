// Linear<T>: the fully connected layer y = x·Wᵀ + b (torch::nn::Linear), a Module around the
// `linear` op. Weight and bias start as PyTorch's defaults do, uniform in (−1/√in, 1/√in).
//
//   Linear<double> layer(LinearOptions(3, 2).bias(false));
//   Var<double> y = layer.forward(x);  // x [in] or [batch, in]
#pragma once

#include <cstddef>

#include "../graph/random.hpp"
#include "module.hpp"

namespace tapegrad {

// Linear's settings with chained setters: LinearOptions(in, out).bias(false). A generator, if
// given, is used only while the layer is constructed; otherwise the thread's default generator
// (graph/random.hpp, reseeded by manual_seed) is used.
class LinearOptions {
 public:
  LinearOptions(std::size_t in_features, std::size_t out_features)
      : in_features_(in_features), out_features_(out_features) {}

  LinearOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  LinearOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }

  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }
  Generator* generator() const { return generator_; }

 private:
  std::size_t in_features_;
  std::size_t out_features_;
  bool bias_ = true;
  Generator* generator_ = nullptr;
};

template <class T>
class Linear : public Module<T> {
 public:
  // Registers "weight" [out, in] and, with bias(true), "bias" [out]. Throws Error if in or out
  // is 0.
  explicit Linear(const LinearOptions& options);
  // Linear(LinearOptions(in_features, out_features)), as torch's Linear(in, out).
  Linear(std::size_t in_features, std::size_t out_features)
      : Linear(LinearOptions(in_features, out_features)) {}

  // x·Wᵀ + b for x [in] → [out] or x [batch, in] → [batch, out].
  Var<T> forward(const Var<T>& x) override;

  // Draw weight and bias again from U(−1/√in, 1/√in): the weight's values in row-major order,
  // then the bias's.
  void reset_parameters(Generator& generator);

  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }

  Parameter<T> weight;  // [out, in]
  Parameter<T> bias;    // [out]; undefined (bias.defined() is false) with bias(false)

 private:
  std::size_t in_features_;
  std::size_t out_features_;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace tapegrad
