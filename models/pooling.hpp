// Pooling layers (torch::nn::MaxPool2d, AvgPool2d, AdaptiveAvgPool2d) around the ops of
// ops/conv.hpp, with torch's defaults: the stride is the kernel size, no padding, ceil_mode off,
// and avg_pool2d counts the padding in its divisor. They have no parameters.
//
//   MaxPool2d<float> pool(Pool2dOptions(2));  // [N, C, H, W] → [N, C, H/2, W/2]
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "../ops/conv.hpp"
#include "module.hpp"

namespace tapegrad {

// A pooling window's settings, with chained setters; a single size applies to both axes.
class Pool2dOptions {
 public:
  using Sizes = std::array<std::size_t, 2>;
  explicit Pool2dOptions(Sizes kernel_size) { args_.kernel = kernel_size; }
  explicit Pool2dOptions(std::size_t kernel_size)
      : Pool2dOptions(Sizes{kernel_size, kernel_size}) {}

  Pool2dOptions& stride(Sizes s) {
    args_.stride = s;
    return *this;
  }
  Pool2dOptions& stride(std::size_t s) { return stride(Sizes{s, s}); }
  Pool2dOptions& padding(Sizes p) {
    args_.padding = p;
    return *this;
  }
  Pool2dOptions& padding(std::size_t p) { return padding(Sizes{p, p}); }
  Pool2dOptions& ceil_mode(bool on) {
    args_.ceil_mode = on;
    return *this;
  }
  Pool2dOptions& count_include_pad(bool on) {  // AvgPool2d only
    args_.count_include_pad = on;
    return *this;
  }
  const Pool2dArgs& args() const { return args_; }

 private:
  Pool2dArgs args_;
};

template <class T>
class MaxPool2d : public Module<T> {
 public:
  explicit MaxPool2d(const Pool2dOptions& options) : options_(options) {}
  Var<T> forward(const Var<T>& x) override { return max_pool2d(x, options_.args()); }
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

template <class T>
class AvgPool2d : public Module<T> {
 public:
  explicit AvgPool2d(const Pool2dOptions& options) : options_(options) {}
  Var<T> forward(const Var<T>& x) override { return avg_pool2d(x, options_.args()); }
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

template <class T>
class AdaptiveAvgPool2d : public Module<T> {
 public:
  explicit AdaptiveAvgPool2d(std::array<std::size_t, 2> output_size) : output_size_(output_size) {}
  explicit AdaptiveAvgPool2d(std::size_t output_size) : output_size_{output_size, output_size} {}
  Var<T> forward(const Var<T>& x) override { return adaptive_avg_pool2d(x, output_size_); }

 private:
  std::array<std::size_t, 2> output_size_;
};

}  // namespace tapegrad
