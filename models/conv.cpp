#include "conv.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "../graph/errors.hpp"

namespace tapegrad {
namespace detail {

template <class T, std::size_t D>
void make_conv_parameters(Module<T>& layer, const char* name, const ConvOptions<D>& o,
                          Parameter<T>& weight, Parameter<T>& bias) {
  const auto at_least_one = [&](const auto& sizes, const char* what) {
    for (std::size_t v : sizes)
      if (v == 0) throw Error(fmt::format("{}: {} must be at least 1", name, what));
  };
  if (o.in_channels() == 0 || o.out_channels() == 0 || o.groups() == 0)
    throw Error(fmt::format("{}: in_channels {}, out_channels {} and groups {} must be at least 1",
                            name, o.in_channels(), o.out_channels(), o.groups()));
  at_least_one(o.kernel_size(), "kernel_size");
  at_least_one(o.stride(), "stride");
  at_least_one(o.dilation(), "dilation");
  if (o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    throw Error(fmt::format("{}: in_channels {} and out_channels {} must be divisible by groups {}",
                            name, o.in_channels(), o.out_channels(), o.groups()));
  std::vector<std::size_t> dims{o.out_channels(), o.in_channels() / o.groups()};
  std::size_t fan_in = o.in_channels() / o.groups();
  for (std::size_t k : o.kernel_size()) {
    dims.push_back(k);
    fan_in *= k;
  }
  // torch: kaiming_uniform_(weight, a = √5), i.e. U(−1/√fan_in, 1/√fan_in); the bias the same.
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  Generator& generator = o.generator() != nullptr ? *o.generator() : default_generator();
  weight = layer.register_parameter(
      "weight",
      Parameter<T>(uniform_tensor(Shape(std::span<const std::size_t>(dims)), static_cast<T>(-bound),
                                  static_cast<T>(bound), generator),
                   "weight"));
  if (o.bias())
    bias = layer.register_parameter(
        "bias", Parameter<T>(uniform_tensor(Shape{o.out_channels()}, static_cast<T>(-bound),
                                            static_cast<T>(bound), generator),
                             "bias"));
}

}  // namespace detail

template <class T>
Conv2d<T>::Conv2d(const Conv2dOptions& options) : options_(options) {
  detail::make_conv_parameters(*this, "Conv2d", options_, weight, bias);
}

template <class T>
Var<T> Conv2d<T>::forward(const Var<T>& x) {
  Conv2dArgs args;
  args.stride = options_.stride();
  args.padding = options_.padding();
  args.dilation = options_.dilation();
  args.groups = options_.groups();
  return conv2d(x, weight, bias.defined() ? Var<T>(bias) : Var<T>(), args);
}

template <class T>
Conv1d<T>::Conv1d(const Conv1dOptions& options) : options_(options) {
  detail::make_conv_parameters(*this, "Conv1d", options_, weight, bias);
}

template <class T>
Var<T> Conv1d<T>::forward(const Var<T>& x) {
  Conv1dArgs args;
  args.stride = options_.stride()[0];
  args.padding = options_.padding()[0];
  args.dilation = options_.dilation()[0];
  args.groups = options_.groups();
  return conv1d(x, weight, bias.defined() ? Var<T>(bias) : Var<T>(), args);
}

template class Conv2d<float>;
template class Conv2d<double>;
template class Conv1d<float>;
template class Conv1d<double>;

}  // namespace tapegrad
