// MLP<T>: a multilayer perceptron, a stack of Linear layers each followed by its activation.
// The layers are the children of a ModuleList registered as "layers", so the parameters are
// "layers.0.weight", "layers.0.bias", "layers.1.weight", ... in layer order (the activations are
// functions, not modules, so they take no index).
//
//   MLP<double> net(MLPOptions(2).layer(16, Activation::kTanh).layer(1, Activation::kIdentity));
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "../graph/random.hpp"
#include "linear.hpp"
#include "module.hpp"
#include "module_list.hpp"

namespace tapegrad {

enum class Activation { kIdentity, kSigmoid, kTanh, kRelu };

// "identity", "sigmoid", "tanh", "relu".
std::string_view to_string(Activation activation);
// The inverse of to_string; throws Error listing the accepted names.
Activation parse_activation(std::string_view name);

// The activation applied with the ops (kIdentity returns x itself).
template <class T>
Var<T> activate(Activation activation, const Var<T>& x);

// MLP's settings: the number of inputs, then one .layer(units, activation) per layer, input
// side first. A generator, if given, is used only while the layers are constructed.
class MLPOptions {
 public:
  struct Layer {
    std::size_t units;
    Activation activation;
  };

  explicit MLPOptions(std::size_t inputs) : inputs_(inputs) {}

  MLPOptions& layer(std::size_t units, Activation activation) {
    layers_.push_back({units, activation});
    return *this;
  }
  MLPOptions& bias(bool bias) {
    bias_ = bias;
    return *this;
  }
  MLPOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }

  std::size_t inputs() const { return inputs_; }
  const std::vector<Layer>& layers() const { return layers_; }
  bool bias() const { return bias_; }
  Generator* generator() const { return generator_; }

 private:
  std::size_t inputs_;
  std::vector<Layer> layers_;
  bool bias_ = true;
  Generator* generator_ = nullptr;
};

template <class T>
class MLP : public Module<T> {
 public:
  // Builds the layers in order, each Linear initialised as PyTorch's default; names every
  // Parameter by its full name ("layers.0.weight") so graph dumps show it. Throws Error if
  // there are no layers or a size is 0.
  explicit MLP(const MLPOptions& options);

  // Each layer, then its activation, from the first layer to the last.
  Var<T> forward(const Var<T>& x) override;

  // The layers, first to last, as they are now in the "layers" list (a layer replaced there is
  // seen); throws Error if one is no longer a Linear.
  std::vector<std::shared_ptr<Linear<T>>> layers() const;
  // Layer k (from 0) as it is now, without building a list (training loops call it each step);
  // throws Error if k is out of range or the layer is no longer a Linear.
  Linear<T>& layer(std::size_t k) const;
  const std::vector<Activation>& activations() const { return activations_; }
  std::size_t inputs() const { return layer(0).in_features(); }
  std::size_t outputs() const { return layer(layers_->size() - 1).out_features(); }

 private:
  std::shared_ptr<ModuleList<T>> layers_;
  std::vector<Activation> activations_;
};

extern template Var<float> activate(Activation, const Var<float>&);
extern template Var<double> activate(Activation, const Var<double>&);
extern template class MLP<float>;
extern template class MLP<double>;

}  // namespace tapegrad
