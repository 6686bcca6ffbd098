// An optimizer's state (optim/optimizer.hpp) in a safetensors file beside the model's weights,
// so that training resumed from a checkpoint continues exactly: what torch's
// optimizer.state_dict() holds, under the parameters' names instead of their positions.
//
//   tensors   "optimizer.state.<parameter>.<buffer>", e.g.
//   "optimizer.state.layers.0.weight.exp_avg" metadata  "optimizer": JSON {"type": "Adam", "steps":
//   40, "param_groups": [{"lr": 0.001,
//             "beta1": 0.9, ..., "params": ["layers.0.weight", ...]}], "step": {"<parameter>": 40}}
//
//   TensorFile file = parameters_to_file(model.named_parameters());
//   add_optimizer_state(file, optimizer, model.named_parameters());
//   write_safetensors("checkpoint.safetensors", file);
//   ...
//   TensorFile checkpoint = read_safetensors("checkpoint.safetensors");
//   load_parameters(without_optimizer_state(checkpoint), model.named_parameters());
//   load_optimizer_state(checkpoint, optimizer, model.named_parameters());
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../graph/parameter.hpp"
#include "../../optim/optimizer.hpp"
#include "safetensors.hpp"

namespace tapegrad {

inline constexpr std::string_view kOptimizerTensorPrefix = "optimizer.state.";
inline constexpr std::string_view kOptimizerMetadataKey = "optimizer";

// Adds the optimizer's step count, each group's options and parameter names, and each
// parameter's step count and buffers (in T's element type) to `file`. Throws Error if an
// optimizer parameter is not among `named_parameters` (the model's, by identity).
template <class T>
void add_optimizer_state(TensorFile& file, const Optimizer<T>& optimizer,
                         const std::vector<std::pair<std::string, Parameter<T>>>& named_parameters);

// Restores what add_optimizer_state saved into an optimizer of the same kind over the same
// parameters (by name, in the same groups). Checks everything first: on any mismatch (another
// optimizer, other groups or parameters, a missing, unexpected or mis-shaped buffer, a setting
// the optimizer does not have) it throws Error listing every problem and changes nothing.
template <class T>
void load_optimizer_state(
    const TensorFile& file, Optimizer<T>& optimizer,
    const std::vector<std::pair<std::string, Parameter<T>>>& named_parameters);

// Whether `file` holds an optimizer's state (its metadata has the "optimizer" key).
bool has_optimizer_state(const TensorFile& file);
// The model's part of a checkpoint: `file` without the optimizer's tensors and metadata, and
// without a scheduler's (scheduler_state.hpp).
TensorFile without_optimizer_state(const TensorFile& file);

extern template void add_optimizer_state(
    TensorFile&, const Optimizer<float>&,
    const std::vector<std::pair<std::string, Parameter<float>>>&);
extern template void add_optimizer_state(
    TensorFile&, const Optimizer<double>&,
    const std::vector<std::pair<std::string, Parameter<double>>>&);
extern template void load_optimizer_state(
    const TensorFile&, Optimizer<float>&,
    const std::vector<std::pair<std::string, Parameter<float>>>&);
extern template void load_optimizer_state(
    const TensorFile&, Optimizer<double>&,
    const std::vector<std::pair<std::string, Parameter<double>>>&);

}  // namespace tapegrad
