// Weights and gradients files for the model commands: safetensors (models/io/safetensors.hpp) with
// torch's parameter names ("layers.0.weight" [out, in], "layers.0.bias" [out]).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/tensor.hpp"
#include "models/io/safetensors.hpp"
#include "models/module.hpp"
#include "optim/optimizer.hpp"

namespace tapegrad::tools {

// Reads a weights file and checks that every value is finite: NaN or infinite weights would make
// every loss and gradient NaN and every check blame the wrong thing, so the Error names the
// first such element (tensor and index).
TensorFile read_weights(const std::string& path);

// True if the file's tensors are F64, false if F32; throws Error for a file that mixes them or
// holds no tensor.
bool weights_are_double(const TensorFile& file);

// Loads every parameter of `model` from the file, checking names and shapes; F32 weights load
// into a double model (widened exactly), but F64 weights into a float model are refused. Changes
// nothing unless every check passes. The optimizer state of a checkpoint is not read.
template <class T>
void load_weights(const TensorFile& file, Module<T>& model);
// read_weights, then load_weights.
template <class T>
void load_weights(const std::string& path, Module<T>& model);

// Writes the tensors under their names, in T's element type, atomically.
template <class T>
void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, Tensor<T>>>& tensors);

// A checkpoint of `train --checkpoint`: the weights, the optimizer's state under
// "optimizer.state.*" (models/io/optimizer_state.hpp) and the number of epochs done (metadata
// "epoch"), written atomically.
template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const Optimizer<T>& optimizer,
                     int epoch);
// For `train --resume`: loads a checkpoint's optimizer state into `optimizer` (whose model
// already has the checkpoint's weights) and returns the epochs it had done. Throws Error if the
// file is not a checkpoint or its state does not fit (another optimizer, other parameters).
template <class T>
int resume_checkpoint(const TensorFile& file, const Module<T>& model, Optimizer<T>& optimizer);

}  // namespace tapegrad::tools
