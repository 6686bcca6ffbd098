#include "mlp.hpp"

#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>

#include "../graph/errors.hpp"
#include "../graph/hot.hpp"
#include "../ops/ops.hpp"

namespace tapegrad {
namespace {

constexpr std::array<std::pair<Activation, std::string_view>, 4> kActivationNames{{
    {Activation::kIdentity, "identity"},
    {Activation::kSigmoid, "sigmoid"},
    {Activation::kTanh, "tanh"},
    {Activation::kRelu, "relu"},
}};

}  // namespace

std::string_view to_string(Activation activation) {
  for (const auto& [value, name] : kActivationNames)
    if (value == activation) return name;
  throw Error(fmt::format("to_string: unknown Activation value {}", static_cast<int>(activation)));
}

Activation parse_activation(std::string_view name) {
  for (const auto& [value, known] : kActivationNames)
    if (known == name) return value;
  throw Error(fmt::format(
      "parse_activation: unknown activation '{}'; expected one of identity, sigmoid, tanh, relu",
      name));
}

template <class T>
Var<T> activate(Activation activation, const Var<T>& x) {
  switch (activation) {
    case Activation::kIdentity:
      return x;
    case Activation::kSigmoid:
      return sigmoid(x);
    case Activation::kTanh:
      return tanh(x);
    case Activation::kRelu:
      return relu(x);
  }
  throw Error(fmt::format("activate: unknown Activation value {}", static_cast<int>(activation)));
}

template <class T>
MLP<T>::MLP(const MLPOptions& options) {
  if (options.layers().empty())
    throw Error("MLP: no layers; add them with MLPOptions(inputs).layer(units, activation)");
  if (options.inputs() == 0) throw Error("MLP: inputs must be > 0");
  for (std::size_t k = 0; k < options.layers().size(); ++k)
    if (options.layers()[k].units == 0)
      throw Error(fmt::format("MLP: layer {} has 0 units; each layer needs at least one", k));
  layers_.reserve(options.layers().size());
  std::size_t inputs = options.inputs();
  for (const MLPOptions::Layer& layer : options.layers()) {
    layers_.emplace_back(
        LinearOptions(inputs, layer.units).bias(options.bias()).generator(options.generator()));
    activations_.push_back(layer.activation);
    inputs = layer.units;
  }
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const std::string prefix = fmt::format("layers.{}", k);
    this->register_module(prefix, layers_[k]);
    layers_[k].weight.set_name(prefix + ".weight");
    if (layers_[k].bias.defined()) layers_[k].bias.set_name(prefix + ".bias");
  }
}

template <class T>
TAPEGRAD_HOT Var<T> MLP<T>::forward(const Var<T>& x) {
  Var<T> h = x;
  for (std::size_t k = 0; k < layers_.size(); ++k) h = activate(activations_[k], layers_[k](h));
  return h;
}

template Var<float> activate(Activation, const Var<float>&);
template Var<double> activate(Activation, const Var<double>&);
template class MLP<float>;
template class MLP<double>;

}  // namespace tapegrad
