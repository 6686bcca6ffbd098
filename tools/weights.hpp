// Weights and gradients files for the model commands: safetensors (models/safetensors.hpp) with
// torch's parameter names ("layers.0.weight" [out, in], "layers.0.bias" [out]).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/tensor.hpp"
#include "models/module.hpp"

namespace tapegrad::tools {

// True if the file's tensors are F64, false if F32; throws Error for a file that mixes them or
// holds no tensor.
bool weights_are_double(const std::string& path);

// Loads every parameter of `model` from the file, checking names and shapes; F32 weights load
// into a double model (widened exactly), but F64 weights into a float model are refused. Changes
// nothing unless every check passes.
template <class T>
void load_weights(const std::string& path, Module<T>& model);

// Writes the tensors under their names, in T's element type, atomically.
template <class T>
void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, Tensor<T>>>& tensors);

}  // namespace tapegrad::tools
