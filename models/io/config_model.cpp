// models/io/config_model.hpp: one module per layer entry, in the config's order.
#include "config_model.hpp"

#include <fmt/format.h>

#include "../../graph/errors.hpp"
#include "../../ops/ops.hpp"
#include "../activation.hpp"
#include "../conv.hpp"
#include "../dropout.hpp"
#include "../flatten.hpp"
#include "../linear.hpp"
#include "../mlp.hpp"
#include "../normalization.hpp"
#include "../pooling.hpp"

namespace tapegrad {
namespace {

template <class T>
std::shared_ptr<Module<T>> activation_module(Activation activation) {
  switch (activation) {
    case Activation::kRelu:
      return std::make_shared<ReLU<T>>();
    case Activation::kTanh:
      return std::make_shared<Tanh<T>>();
    case Activation::kSigmoid:
      return std::make_shared<Sigmoid<T>>();
    case Activation::kIdentity:
      return std::make_shared<Identity<T>>();
  }
  throw Error(fmt::format("make_sequential: unknown activation {}", static_cast<int>(activation)));
}

// The module of `layer`, whose input per example is `input`.
template <class T>
std::shared_ptr<Module<T>> layer_module(const LayerConfig& layer, bool config_bias,
                                        const std::vector<std::size_t>& input,
                                        Generator* generator) {
  const bool bias = layer.bias.value_or(config_bias);
  switch (layer.type) {
    case LayerType::kLinear:
      return std::make_shared<Linear<T>>(
          LinearOptions(input[0], layer.units).bias(bias).generator(generator));
    case LayerType::kConv2d:
      return std::make_shared<Conv2d<T>>(
          Conv2dOptions(input[0], layer.out_channels, layer.kernel_size)
              .stride(layer.stride)
              .padding(layer.padding)
              .bias(bias)
              .generator(generator));
    case LayerType::kMaxPool2d:
      return std::make_shared<MaxPool2d<T>>(
          Pool2dOptions(layer.kernel_size).stride(layer.stride).padding(layer.padding));
    case LayerType::kFlatten:
      return std::make_shared<Flatten<T>>();
    case LayerType::kDropout:
      return std::make_shared<Dropout<T>>(DropoutOptions(layer.p));
    case LayerType::kLayerNorm:
      return std::make_shared<LayerNorm<T>>(LayerNormOptions(input).eps(layer.eps));
    case LayerType::kActivation:
      return activation_module<T>(layer.activation);
    case LayerType::kDense:
      break;
  }
  throw Error("make_sequential: a dense layer entry; a config's layers have types or none");
}

}  // namespace

template <class T>
Var<T> ConfigSequential<T>::forward(const Var<T>& x) {
  if (input_shape_.size() <= 1) return Sequential<T>::forward(x);
  std::vector<std::size_t> shape;
  if (x.shape().rank() == 2) shape.push_back(x.shape()[0]);
  shape.insert(shape.end(), input_shape_.begin(), input_shape_.end());
  return Sequential<T>::forward(reshape(x, Shape(shape)));
}

template <class T>
std::shared_ptr<ConfigSequential<T>> make_sequential(const ModelConfig& config,
                                                     Generator* generator) {
  if (!config.is_layered())
    throw Error(
        "make_sequential: the config's layers have no types; build its MLP with "
        "config.mlp_options()");
  auto net = std::make_shared<ConfigSequential<T>>(config.example_shape());
  std::vector<std::size_t> input = config.example_shape();
  for (const LayerConfig& layer : config.layers) {
    net->push_back(layer_module<T>(layer, config.bias, input, generator));
    input = layer.output_shape;
  }
  return net;
}

template <class T>
std::shared_ptr<Module<T>> make_model(const ModelConfig& config, Generator* generator) {
  if (config.is_layered()) return make_sequential<T>(config, generator);
  MLPOptions options = config.mlp_options();
  if (generator != nullptr) options.generator(generator);
  return std::make_shared<MLP<T>>(options);
}

template class ConfigSequential<float>;
template class ConfigSequential<double>;
template std::shared_ptr<ConfigSequential<float>> make_sequential(const ModelConfig&, Generator*);
template std::shared_ptr<ConfigSequential<double>> make_sequential(const ModelConfig&, Generator*);
template std::shared_ptr<Module<float>> make_model(const ModelConfig&, Generator*);
template std::shared_ptr<Module<double>> make_model(const ModelConfig&, Generator*);

}  // namespace tapegrad
