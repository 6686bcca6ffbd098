// Weight initialisation: torch's nn::init functions (below), and the scheme `tapegrad init`
// chooses by each MLP layer's activation:
//   relu:                       He uniform,     W ~ U(−√(6/in), √(6/in))          (He et al. 2015)
//   sigmoid, tanh, identity:    Glorot uniform, W ~ U(−√(6/(in+out)), √(6/(in+out)))
//                                                                      (Glorot & Bengio 2010)
//   biases: 0.
// Both keep the variance of the signal roughly constant from layer to layer: He's for ReLU,
// which zeroes half its inputs, Glorot's for activations that are near-linear around 0.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../graph/random.hpp"
#include "mlp.hpp"

namespace tapegrad {

enum class InitScheme { kGlorotUniform, kHeUniform };

InitScheme init_scheme(Activation activation);
std::string_view to_string(InitScheme scheme);  // "glorot_uniform", "he_uniform"

// The bound b of U(−b, b) for a layer of `in` inputs and `out` outputs under `scheme`.
double init_bound(InitScheme scheme, std::size_t in, std::size_t out);

// Re-initialises every layer of `net` by its activation, drawing from `generator` layer by
// layer, weight first (row-major); biases are set to 0.
template <class T>
void initialize_by_activation(MLP<T>& net, Generator& generator);

extern template void initialize_by_activation(MLP<float>&, Generator&);
extern template void initialize_by_activation(MLP<double>&, Generator&);

// torch.nn.init: each function fills a Tensor<T>, a Parameter<T> or a floating Buffer<T> in
// place, element by element in row-major order, drawing from `generator` (the thread's default
// generator if none is given, reseeded by manual_seed), and returns nothing.
namespace nn::init {

enum class FanMode { kFanIn, kFanOut };
enum class Nonlinearity {
  kLinear,
  kConv1d,
  kConv2d,
  kConv3d,
  kSigmoid,
  kTanh,
  kReLU,
  kLeakyReLU,
  kSELU
};

// torch.nn.init.calculate_gain: the factor that keeps the variance of a layer's output at that of
// its input after `nonlinearity`; `param` is leaky_relu's negative slope (0.01 by default).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

struct Fans {
  std::size_t fan_in;
  std::size_t fan_out;
};
// As torch's _calculate_fan_in_and_fan_out for a weight [out, in, k...]: fan_in = in·Πk,
// fan_out = out·Πk. Throws Error for fewer than 2 dimensions.
Fans fan_in_and_fan_out(const Shape& shape);

// Anything with shape() and values() as a span of float or double.
template <class X>
concept Initializable = requires(X& x) {
  { x.shape() } -> std::convertible_to<const Shape&>;
  {x.values()};
}
&&std::is_floating_point_v<std::remove_reference_t<decltype(std::declval<X&>().values()[0])>>;

template <Initializable X>
void fill_(X& tensor, double value) {
  for (auto& v : tensor.values()) v = static_cast<std::remove_reference_t<decltype(v)>>(value);
}
template <Initializable X>
void constant_(X& tensor, double value) {
  fill_(tensor, value);
}
template <Initializable X>
void zeros_(X& tensor) {
  fill_(tensor, 0.0);
}
template <Initializable X>
void ones_(X& tensor) {
  fill_(tensor, 1.0);
}
// U(low, high).
template <Initializable X>
void uniform_(X& tensor, double low = 0.0, double high = 1.0,
              Generator& generator = default_generator()) {
  for (auto& v : tensor.values())
    v = static_cast<std::remove_reference_t<decltype(v)>>(generator.uniform(low, high));
}
// N(mean, std²).
template <Initializable X>
void normal_(X& tensor, double mean = 0.0, double std = 1.0,
             Generator& generator = default_generator()) {
  for (auto& v : tensor.values())
    v = static_cast<std::remove_reference_t<decltype(v)>>(generator.normal(mean, std));
}
// Glorot & Bengio (2010): U(−b, b), b = gain·√(6/(fan_in + fan_out)).
template <Initializable X>
void xavier_uniform_(X& tensor, double gain = 1.0, Generator& generator = default_generator()) {
  const Fans fans = fan_in_and_fan_out(tensor.shape());
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fans.fan_in + fans.fan_out));
  uniform_(tensor, -bound, bound, generator);
}
// Glorot & Bengio (2010): N(0, σ²), σ = gain·√(2/(fan_in + fan_out)).
template <Initializable X>
void xavier_normal_(X& tensor, double gain = 1.0, Generator& generator = default_generator()) {
  const Fans fans = fan_in_and_fan_out(tensor.shape());
  normal_(tensor, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out)),
          generator);
}
// σ = gain/√fan of He et al. (2015), gain = calculate_gain(nonlinearity, a); torch's defaults.
double kaiming_std(const Shape& shape, double a, FanMode mode, Nonlinearity nonlinearity);
// He et al. (2015): U(−b, b), b = √3·σ.
template <Initializable X>
void kaiming_uniform_(X& tensor, double a = 0.0, FanMode mode = FanMode::kFanIn,
                      Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU,
                      Generator& generator = default_generator()) {
  const double bound = std::sqrt(3.0) * kaiming_std(tensor.shape(), a, mode, nonlinearity);
  uniform_(tensor, -bound, bound, generator);
}
// He et al. (2015): N(0, σ²).
template <Initializable X>
void kaiming_normal_(X& tensor, double a = 0.0, FanMode mode = FanMode::kFanIn,
                     Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU,
                     Generator& generator = default_generator()) {
  normal_(tensor, 0.0, kaiming_std(tensor.shape(), a, mode, nonlinearity), generator);
}

}  // namespace nn::init

}  // namespace tapegrad
