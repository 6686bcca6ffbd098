#include "init.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../graph/errors.hpp"

namespace tapegrad {

InitScheme init_scheme(Activation activation) {
  return activation == Activation::kRelu ? InitScheme::kHeUniform : InitScheme::kGlorotUniform;
}

std::string_view to_string(InitScheme scheme) {
  return scheme == InitScheme::kHeUniform ? "he_uniform" : "glorot_uniform";
}

double init_bound(InitScheme scheme, std::size_t in, std::size_t out) {
  // Var U(−b, b) = b²/3: He wants 2/in, Glorot 2/(in + out).
  const double fan =
      scheme == InitScheme::kHeUniform ? static_cast<double>(in) : static_cast<double>(in + out);
  return std::sqrt(6.0 / fan);
}

template <class T>
void initialize_by_activation(MLP<T>& net, Generator& generator) {
  for (std::size_t k = 0; k < net.layers().size(); ++k) {
    Linear<T>& layer = net.layer(k);
    const double bound =
        init_bound(init_scheme(net.activations()[k]), layer.in_features(), layer.out_features());
    for (T& w : layer.weight.values()) w = static_cast<T>(generator.uniform(-bound, bound));
    if (layer.bias.defined())
      for (T& b : layer.bias.values()) b = T(0);
  }
}

template void initialize_by_activation(MLP<float>&, Generator&);
template void initialize_by_activation(MLP<double>&, Generator&);

namespace nn::init {

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::kLinear:
    case Nonlinearity::kConv1d:
    case Nonlinearity::kConv2d:
    case Nonlinearity::kConv3d:
    case Nonlinearity::kSigmoid:
      return 1.0;
    case Nonlinearity::kTanh:
      return 5.0 / 3.0;
    case Nonlinearity::kReLU:
      return std::sqrt(2.0);
    case Nonlinearity::kLeakyReLU:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::kSELU:
      return 3.0 / 4.0;
  }
  throw Error(
      fmt::format("calculate_gain: unknown Nonlinearity value {}", static_cast<int>(nonlinearity)));
}

Fans fan_in_and_fan_out(const Shape& shape) {
  if (shape.rank() < 2)
    throw Error(fmt::format(
        "fan_in_and_fan_out: the tensor has shape {}; fan in and fan out need at least 2 "
        "dimensions [out, in, ...]",
        shape.str()));
  std::size_t receptive_field = 1;
  for (std::size_t d = 2; d < shape.rank(); ++d) receptive_field *= shape.dims()[d];
  return {shape.dims()[1] * receptive_field, shape.dims()[0] * receptive_field};
}

double kaiming_std(const Shape& shape, double a, FanMode mode, Nonlinearity nonlinearity) {
  const Fans fans = fan_in_and_fan_out(shape);
  const std::size_t fan = mode == FanMode::kFanIn ? fans.fan_in : fans.fan_out;
  if (fan == 0)
    throw Error(fmt::format("kaiming init: the tensor of shape {} has a zero fan", shape.str()));
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}

}  // namespace nn::init

}  // namespace tapegrad
