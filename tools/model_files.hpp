// What the model commands (tools/model_commands.cpp, tools/train_command.cpp) share: the model of
// a config with the weights of a file, its tensors by name, and the tolerance on targets.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "graph/tensor.hpp"
#include "models/io/config.hpp"
#include "models/io/config_model.hpp"
#include "models/io/safetensors.hpp"
#include "models/module.hpp"
#include "output_paths.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> named_values(const Module<T>& net) {
  std::vector<std::pair<std::string, Tensor<T>>> out;
  for (const auto& [name, p] : net.named_parameters()) out.emplace_back(name, p.value());
  return out;
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> named_grads(const Module<T>& net) {
  std::vector<std::pair<std::string, Tensor<T>>> out;
  for (const auto& [name, p] : net.named_parameters()) out.emplace_back(name, p.grad());
  return out;
}

// The model of `config` (an MLP, or a Sequential for a layered config: models/io/config_model.hpp)
// with the weights of `weights`, checked against each other.
template <class T>
std::shared_ptr<Module<T>> load_model(const ModelConfig& config, const TensorFile& weights) {
  std::shared_ptr<Module<T>> net = make_model<T>(config);
  load_weights(weights, *net);
  return net;
}

// The tolerance on a row of softmax_cross_entropy targets summing to 1, in T's precision.
template <class T>
constexpr double kTargetSumTolerance = sizeof(T) == sizeof(float) ? 1e-6 : 1e-12;

inline InputOverwrite overwrite(bool allowed) {
  return allowed ? InputOverwrite::kAllow : InputOverwrite::kRefuse;
}

}  // namespace tapegrad::tools
