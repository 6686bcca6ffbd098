// A model described in a JSON file, as the `tapegrad init/grad/gradcheck/train` commands read it:
//
//   {"name": "xor", "inputs": 2,
//    "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "identity"}],
//    "loss": "mse", "bias": true, "seed": 42}
//
// "inputs", "layers" (each with "units" and "activation") and "loss" are required; "name",
// "bias" (default true), "targets" (below) and "seed" are optional; any other key is an error.
// Every error names the file, the JSON path of the offending value (`/layers/1/activation`) and
// what was expected.
//
// Layered models (a CNN): every layer entry has a "type", and each becomes one module of a
// Sequential, so that the weights have torch's nn.Sequential names ("0.weight", "3.weight").
// Activations are layers of their own (no "activation" key on a typed layer):
//
//   {"name": "digits_cnn", "input_shape": [1, 8, 8],
//    "layers": [{"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
//               {"type": "relu"}, {"type": "max_pool2d", "kernel_size": 2},
//               {"type": "flatten"}, {"type": "dropout", "p": 0.25},
//               {"type": "linear", "units": 10}],
//    "loss": "softmax_cross_entropy", "seed": 1}
//
//   type        keys (besides "type"; optional ones in brackets)        torch module
//   linear      units, [in_features], [bias]                            Linear(in, units)
//   conv2d      out_channels, kernel_size, [in_channels], [stride],     Conv2d
//               [padding], [bias]
//   max_pool2d  kernel_size, [stride] (default: the kernel), [padding]  MaxPool2d
//   flatten     (none): [C, H, W] → [C·H·W]                             Flatten()
//   dropout     [p] (default 0.5, from 0 to 1)                          Dropout(p)
//   layer_norm  [eps] (default 1e-5): over the whole input of a row     LayerNorm(its shape)
//   relu, tanh, sigmoid, identity                                       ReLU(), Tanh(), ...
//
// "targets": "class_index" reads one label column per CSV row instead of `outputs` target columns
// (either kind of config). kernel_size, stride and padding are a number or [height, width].
// "input_shape" ([C, H, W] or [features]) replaces "inputs": a CSV row's first C·H·W values are the
// image, row-major. "in_*" keys are checked against the shape that reaches the layer; "bias"
// defaults to the top-level "bias". Shapes are inferred when the file is read: a layer that does
// not fit its input (a kernel larger than the image, linear without flatten before it, in_features
// that differ) is an error naming the JSON path and the shapes. The last layer must give [outputs].
// An entry without "type" is the dense layer above ({"units", "activation"}), which takes a
// row's input flat; typed and dense entries do not mix. A config whose layers are all dense is
// the MLP of before, with the names "layers.0.weight".
#pragma once

#include <array>
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

// How a CSV row gives its targets: "columns" (the default), the last `outputs` columns as they
// are; "class_index", one last column holding the class number 0 to outputs − 1, read as the
// one-hot row (as the labels of torch's CrossEntropyLoss).
enum class Targets { kColumns, kClassIndex };

// The largest "inputs" or "units" a config may ask for.
inline constexpr std::size_t kMaxConfigSize = (std::size_t{1} << 31) - 1;

// A layer entry's "type"; kDense is an entry without one.
enum class LayerType {
  kDense,
  kLinear,
  kConv2d,
  kMaxPool2d,
  kFlatten,
  kDropout,
  kLayerNorm,
  kActivation
};

// The "type" names ("linear", "conv2d", ...; the activations' own names for kActivation).
std::string_view to_string(LayerType type);

struct LayerConfig {
  std::size_t units = 0;                          // dense and linear: the outputs
  Activation activation = Activation::kIdentity;  // dense; and kActivation's function
  LayerType type = LayerType::kDense;
  std::optional<std::size_t> in{};  // linear's in_features, conv2d's in_channels, if given
  std::size_t out_channels = 0;     // conv2d
  std::array<std::size_t, 2> kernel_size{0, 0}, stride{1, 1}, padding{0, 0};  // conv2d, pool
  bool stride_given = false;   // max_pool2d: else the stride is the kernel size
  double p = 0.5;              // dropout
  double eps = 1e-5;           // layer_norm
  std::optional<bool> bias{};  // linear, conv2d: else the config's "bias"
  // Filled in by the reader: the layer's output per example ([C, H, W] or [features]).
  std::vector<std::size_t> output_shape{};

  friend bool operator==(const LayerConfig&, const LayerConfig&) = default;
};

struct ModelConfig {
  std::string name;        // empty when the file gives none
  std::size_t inputs = 0;  // the values of one row's input (the product of input_shape)
  std::vector<std::size_t> input_shape;  // as "input_shape" gave it; empty: "inputs" did
  std::vector<LayerConfig> layers;       // input side first; never empty once parsed
  Loss loss = Loss::kSse;
  bool bias = true;
  Targets targets = Targets::kColumns;
  std::optional<std::uint64_t> seed;  // for initialisation; unset: the command decides

  // The last layer's units (0 if there are no layers).
  std::size_t outputs() const;
  // True if the layers have "type"s (built as a Sequential, models/io/config_model.hpp); false
  // for a dense-only config (an MLP).
  bool is_layered() const;
  // The shape of one example's input: input_shape, or [inputs].
  std::vector<std::size_t> example_shape() const;
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
