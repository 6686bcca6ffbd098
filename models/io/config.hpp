// A model described in a JSON file, as the `tapegrad init/grad/gradcheck/train` commands read it:
//
//   {"name": "xor", "inputs": 2,
//    "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "identity"}],
//    "loss": "mse", "bias": true, "seed": 42}
//
// "inputs", "layers" (each with "units" and "activation") and "loss" are required; "name",
// "bias" (default true) and "seed" are optional; any other key is an error. Every error names
// the file, the JSON path of the offending value (`/layers/1/activation`) and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../mlp.hpp"

namespace tapegrad {

// The loss a model is trained with, over n rows of k outputs (y the target, ŷ the output):
enum class Loss {
  kSse,                  // "sse": ½ Σ_rows Σ_outputs (y − ŷ)²
  kMse,                  // "mse": (1/(n·k)) Σ (y − ŷ)²
  kSoftmaxCrossEntropy,  // "softmax_cross_entropy": (1/n) Σ_rows −Σ_k y_k log softmax(ŷ)_k
};

// "sse", "mse", "softmax_cross_entropy".
std::string_view to_string(Loss loss);
// The inverse of to_string; throws Error listing the accepted names.
Loss parse_loss(std::string_view name);

// The largest "inputs" or "units" a config may ask for.
inline constexpr std::size_t kMaxConfigSize = (std::size_t{1} << 31) - 1;

struct LayerConfig {
  std::size_t units = 0;
  Activation activation = Activation::kIdentity;

  friend bool operator==(const LayerConfig&, const LayerConfig&) = default;
};

struct ModelConfig {
  std::string name;  // empty when the file gives none
  std::size_t inputs = 0;
  std::vector<LayerConfig> layers;  // input side first; never empty once parsed
  Loss loss = Loss::kSse;
  bool bias = true;
  std::optional<std::uint64_t> seed;  // for initialisation; unset: the command decides

  // The last layer's units (0 if there are no layers).
  std::size_t outputs() const;
  // The network's settings, so that MLP<T>(config.mlp_options()) builds it. The seed is not
  // applied: to use it, add a generator, as in
  //   Generator generator(*config.seed);
  //   MLP<double> model(config.mlp_options().generator(&generator));
  MLPOptions mlp_options() const;

  friend bool operator==(const ModelConfig&, const ModelConfig&) = default;
};

// Parses a config from JSON text; `file_name` only labels the errors. Throws Error.
ModelConfig parse_model_config(std::string_view json_text, std::string_view file_name);
// Reads and parses the file at `path` (at most TAPEGRAD_MAX_CONFIG_BYTES, models/io/limits.hpp);
// an unreadable file's error names it and the OS's reason. A config whose parameters would pass
// TAPEGRAD_MAX_PARAMETERS is refused by both, naming the layer and the memory they would take.
ModelConfig read_model_config(const std::string& path);
// The config as JSON (keys in the order above, "bias" always written); parse_model_config
// gives back an equal config.
std::string to_json(const ModelConfig& config);

}  // namespace tapegrad
