// Conv1d<T> and Conv2d<T>: convolution layers (torch::nn::Conv1d/Conv2d) around the conv1d and
// conv2d ops (ops/conv.hpp). Weight [out, in/groups, k...] and bias [out] start as torch's do:
// U(−1/√fan_in, 1/√fan_in) with fan_in = in/groups · Πk (kaiming_uniform with a = √5).
//
//   Conv2d<float> conv(Conv2dOptions(1, 8, 3).padding(1));
//   Var<float> y = conv.forward(x);  // x [N, 1, H, W] → [N, 8, H, W]
#pragma once

#include <array>
#include <cstddef>

#include "../graph/random.hpp"
#include "../ops/conv.hpp"
#include "module.hpp"

namespace tapegrad {

// The settings of a 1-D or 2-D convolution, with chained setters as torch's ConvOptions; a single
// size applies to every spatial axis. The constructor of the layer checks them (Error): channels,
// kernel, stride, dilation and groups at least 1, both channel counts divisible by groups.
template <std::size_t D>
class ConvOptions {
 public:
  using Sizes = std::array<std::size_t, D>;
  ConvOptions(std::size_t in_channels, std::size_t out_channels, Sizes kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvOptions(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_size)
      : ConvOptions(in_channels, out_channels, all(kernel_size)) {}

  ConvOptions& stride(Sizes s) { return set(stride_, s); }
  ConvOptions& stride(std::size_t s) { return set(stride_, all(s)); }
  ConvOptions& padding(Sizes p) { return set(padding_, p); }
  ConvOptions& padding(std::size_t p) { return set(padding_, all(p)); }
  ConvOptions& dilation(Sizes d) { return set(dilation_, d); }
  ConvOptions& dilation(std::size_t d) { return set(dilation_, all(d)); }
  ConvOptions& groups(std::size_t groups) {
    groups_ = groups;
    return *this;
  }
  ConvOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  // Used only while the layer is constructed; otherwise the thread's default generator.
  ConvOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }

  std::size_t in_channels() const { return in_channels_; }
  std::size_t out_channels() const { return out_channels_; }
  const Sizes& kernel_size() const { return kernel_size_; }
  const Sizes& stride() const { return stride_; }
  const Sizes& padding() const { return padding_; }
  const Sizes& dilation() const { return dilation_; }
  std::size_t groups() const { return groups_; }
  bool bias() const { return bias_; }
  Generator* generator() const { return generator_; }

 private:
  static Sizes all(std::size_t v) {
    Sizes s;
    s.fill(v);
    return s;
  }
  ConvOptions& set(Sizes& member, const Sizes& value) {
    member = value;
    return *this;
  }
  std::size_t in_channels_, out_channels_;
  Sizes kernel_size_;
  Sizes stride_ = all(1), padding_ = all(0), dilation_ = all(1);
  std::size_t groups_ = 1;
  bool bias_ = true;
  Generator* generator_ = nullptr;
};

using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;

namespace detail {
// Checks `options` (Error naming `layer`) and registers weight and bias, drawn as torch does.
template <class T, std::size_t D>
void make_conv_parameters(Module<T>& layer, const char* name, const ConvOptions<D>& options,
                          Parameter<T>& weight, Parameter<T>& bias);
}  // namespace detail

template <class T>
class Conv2d : public Module<T> {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  // x [N, in, H, W] (or [in, H, W]) → [N, out, H', W'].
  Var<T> forward(const Var<T>& x) override;
  const Conv2dOptions& options() const { return options_; }

  Parameter<T> weight;  // [out, in/groups, kH, kW]
  Parameter<T> bias;    // [out]; undefined with bias(false)

 private:
  Conv2dOptions options_;
};

template <class T>
class Conv1d : public Module<T> {
 public:
  explicit Conv1d(const Conv1dOptions& options);
  // x [N, in, L] → [N, out, L'].
  Var<T> forward(const Var<T>& x) override;
  const Conv1dOptions& options() const { return options_; }

  Parameter<T> weight;  // [out, in/groups, k]
  Parameter<T> bias;    // [out]; undefined with bias(false)

 private:
  Conv1dOptions options_;
};

extern template class Conv2d<float>;
extern template class Conv2d<double>;
extern template class Conv1d<float>;
extern template class Conv1d<double>;

}  // namespace tapegrad
