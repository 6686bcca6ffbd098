// The typed layers of a model config (models/io/config.hpp): each entry's keys, the shape it gives
// for the shape that reaches it (inferred here, when the file is read, so that a layer that does
// not fit is an error naming its JSON path and both shapes), their parameter count, and the JSON
// that reads back the same.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>

#include "../../graph/errors.hpp"
#include "detail/config_reader.hpp"
#include "limits.hpp"

namespace tapegrad {
namespace {

using detail::config_child;
using detail::describe_json;
using detail::shape_text;
using nlohmann::json;

constexpr std::array<std::pair<LayerType, std::string_view>, 6> kTypeNames{{
    {LayerType::kLinear, "linear"},
    {LayerType::kConv2d, "conv2d"},
    {LayerType::kMaxPool2d, "max_pool2d"},
    {LayerType::kFlatten, "flatten"},
    {LayerType::kDropout, "dropout"},
    {LayerType::kLayerNorm, "layer_norm"},
}};
constexpr std::array<Activation, 4> kActivationLayers{Activation::kRelu, Activation::kTanh,
                                                      Activation::kSigmoid, Activation::kIdentity};

constexpr std::array<std::string_view, 4> kLinearKeys{"type", "units", "in_features", "bias"};
constexpr std::array<std::string_view, 7> kConvKeys{
    "type", "out_channels", "kernel_size", "in_channels", "stride", "padding", "bias"};
constexpr std::array<std::string_view, 4> kPoolKeys{"type", "kernel_size", "stride", "padding"};
constexpr std::array<std::string_view, 2> kDropoutKeys{"type", "p"};
constexpr std::array<std::string_view, 2> kLayerNormKeys{"type", "eps"};
constexpr std::array<std::string_view, 1> kTypeOnly{"type"};

std::string type_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kTypeNames) names.push_back(entry.second);
  for (Activation activation : kActivationLayers) names.push_back(to_string(activation));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::span<const std::string_view> keys_of(LayerType type) {
  switch (type) {
    case LayerType::kLinear:
      return kLinearKeys;
    case LayerType::kConv2d:
      return kConvKeys;
    case LayerType::kMaxPool2d:
      return kPoolKeys;
    case LayerType::kDropout:
      return kDropoutKeys;
    case LayerType::kLayerNorm:
      return kLayerNormKeys;
    default:
      return kTypeOnly;
  }
}

// The number of values of `shape`, or nullopt past kMaxConfigSize (or on overflow).
std::optional<std::size_t> checked_size(const std::vector<std::size_t>& shape) {
  std::uint64_t size = 1;
  for (std::size_t axis : shape)
    if (__builtin_mul_overflow(size, std::uint64_t{axis}, &size) || size > kMaxConfigSize)
      return std::nullopt;
  return static_cast<std::size_t>(size);
}

std::string pair_text(const std::array<std::size_t, 2>& pair) {
  return fmt::format("{}×{}", pair[0], pair[1]);
}

json pair_json(const std::array<std::size_t, 2>& pair) {
  return pair[0] == pair[1] ? json(pair[0]) : json(pair);
}

}  // namespace

std::string_view to_string(LayerType type) {
  for (const auto& [value, name] : kTypeNames)
    if (value == type) return name;
  if (type == LayerType::kDense) return "dense";
  if (type == LayerType::kActivation) return "activation";
  throw Error(fmt::format("to_string: unknown LayerType value {}", static_cast<int>(type)));
}

namespace detail {

std::vector<std::size_t> ConfigReader::read_input_shape(const json& value) const {
  if (!value.is_array() || (value.size() != 1 && value.size() != 3))
    fail("/input_shape", fmt::format("expected [channels, height, width] or [features], got {}",
                                     describe_json(value)));
  std::vector<std::size_t> shape;
  for (std::size_t k = 0; k < value.size(); ++k)
    shape.push_back(read_size(value[k], config_child("/input_shape", k)));
  if (!checked_size(shape))
    fail("/input_shape",
         fmt::format("{} is more than {} values per example", shape_text(shape), kMaxConfigSize));
  return shape;
}

std::vector<LayerConfig> ConfigReader::read_typed_layers(
    const json& value, const std::vector<std::size_t>& input) const {
  std::vector<LayerConfig> layers;
  std::vector<std::size_t> shape = input;
  for (std::size_t k = 0; k < value.size(); ++k) {
    layers.push_back(read_typed_layer(value[k], config_child("/layers", k), shape));
    shape = layers.back().output_shape;
  }
  if (shape.size() != 1)
    fail(config_child("/layers", layers.size() - 1),
         fmt::format("the last layer gives {} per example, but the loss compares [outputs]: end "
                     "with {{\"type\": \"flatten\"}} and a {{\"type\": \"linear\"}} layer",
                     shape_text(shape)));
  return layers;
}

LayerConfig ConfigReader::read_typed_layer(const json& layer, const std::string& path,
                                           const std::vector<std::size_t>& input) const {
  if (!layer.is_object())
    fail(path, fmt::format("expected an object such as {{\"type\": \"linear\", \"units\": 4}}, "
                           "got {}",
                           describe_json(layer)));
  const json& type = require(layer, path, "type");
  LayerConfig config;
  std::optional<LayerType> found;
  for (const auto& [value, name] : kTypeNames)
    if (type.is_string() && type.get<std::string>() == name) found = value;
  for (Activation activation : kActivationLayers)
    if (type.is_string() && type.get<std::string>() == to_string(activation))
      found = LayerType::kActivation, config.activation = activation;
  if (!found)
    fail(config_child(path, "type"),
         fmt::format("expected one of {}, got {}", type_names(), describe_json(type)));
  config.type = *found;
  if (layer.contains("activation") && config.type != LayerType::kActivation)
    fail(config_child(path, "activation"),
         "a typed layer takes no \"activation\"; put the activation after it as a layer of its "
         "own, such as {\"type\": \"relu\"}");
  check_keys(layer, path, keys_of(config.type));
  read_layer_settings(config, layer, path);
  infer_shape(config, path, input);
  return config;
}

// The keys of `config.type` other than "type", with their defaults.
void ConfigReader::read_layer_settings(LayerConfig& config, const json& layer,
                                       const std::string& path) const {
  const auto optional_size = [&](const char* key, std::size_t least) -> std::optional<std::size_t> {
    const auto found_key = layer.find(key);
    if (found_key == layer.end()) return std::nullopt;
    return read_size(*found_key, config_child(path, key), least);
  };
  if (const auto bias = layer.find("bias"); bias != layer.end()) {
    if (!bias->is_boolean())
      fail(config_child(path, "bias"), "expected true or false, got " + describe_json(*bias));
    config.bias = bias->get<bool>();
  }
  switch (config.type) {
    case LayerType::kLinear:
      config.units = read_size(require(layer, path, "units"), config_child(path, "units"));
      config.in = optional_size("in_features", 1);
      break;
    case LayerType::kConv2d:
      config.out_channels =
          read_size(require(layer, path, "out_channels"), config_child(path, "out_channels"));
      config.in = optional_size("in_channels", 1);
      [[fallthrough]];
    case LayerType::kMaxPool2d:
      config.kernel_size =
          read_pair(require(layer, path, "kernel_size"), config_child(path, "kernel_size"), 1);
      if (layer.contains("stride"))
        config.stride = read_pair(layer["stride"], config_child(path, "stride"), 1),
        config.stride_given = true;
      else if (config.type == LayerType::kMaxPool2d)
        config.stride = config.kernel_size;
      if (layer.contains("padding"))
        config.padding = read_pair(layer["padding"], config_child(path, "padding"), 0);
      break;
    case LayerType::kDropout:
      if (layer.contains("p"))
        config.p = read_number(layer["p"], config_child(path, "p"), 0, 1, true);
      break;
    case LayerType::kLayerNorm:
      if (layer.contains("eps"))
        config.eps = read_number(layer["eps"], config_child(path, "eps"), 0, 1, false);
      break;
    default:
      break;
  }
}

std::array<std::size_t, 2> ConfigReader::read_pair(const json& value, std::string_view path,
                                                   std::size_t least) const {
  if (value.is_array()) {
    if (value.size() != 2)
      fail(path,
           fmt::format("expected a number or [height, width], got an array of {}", value.size()));
    return {read_size(value[0], config_child(path, std::size_t{0}), least),
            read_size(value[1], config_child(path, std::size_t{1}), least)};
  }
  if (!value.is_number())
    fail(path, fmt::format("expected a number or [height, width], got {}", describe_json(value)));
  const std::size_t size = read_size(value, path, least);
  return {size, size};
}

double ConfigReader::read_number(const json& value, std::string_view path, double low, double high,
                                 bool low_included) const {
  if (value.is_number()) {
    const double number = value.get<double>();
    if (std::isfinite(number) && (low_included ? number >= low : number > low) && number <= high)
      return number;
  }
  fail(path, low_included ? fmt::format("expected a number from {} to {}, got {}", low, high,
                                        describe_json(value))
                          : fmt::format("expected a number greater than {} and at most {}, got {}",
                                        low, high, describe_json(value)));
}

void ConfigReader::infer_shape(LayerConfig& layer, const std::string& path,
                               const std::vector<std::size_t>& input) const {
  const std::string name(to_string(layer.type));
  switch (layer.type) {
    case LayerType::kLinear:
      if (input.size() != 1)
        fail(path, fmt::format("linear takes [features] per example, but its input is {}; put "
                               "{{\"type\": \"flatten\"}} before it",
                               shape_text(input)));
      if (layer.in && *layer.in != input[0])
        fail(config_child(path, "in_features"),
             fmt::format("is {}, but the layer's input is {}", *layer.in, shape_text(input)));
      layer.output_shape = {layer.units};
      return;
    case LayerType::kConv2d:
      if (input.size() == 3 && layer.in && *layer.in != input[0])
        fail(config_child(path, "in_channels"),
             fmt::format("is {}, but the layer's input {} has {}", *layer.in, shape_text(input),
                         input[0]));
      infer_window(layer, path, input, layer.out_channels);
      return;
    case LayerType::kMaxPool2d:
      if (2 * layer.padding[0] > layer.kernel_size[0] ||
          2 * layer.padding[1] > layer.kernel_size[1])
        fail(config_child(path, "padding"),
             fmt::format("{} is more than half the kernel {}, as torch refuses",
                         pair_text(layer.padding), pair_text(layer.kernel_size)));
      infer_window(layer, path, input, input.size() == 3 ? input[0] : 0);
      return;
    case LayerType::kFlatten:
      layer.output_shape = {*checked_size(input)};  // the input's size was checked
      return;
    default:
      layer.output_shape = input;
      return;
  }
}

// conv2d's and max_pool2d's output [channels, ⌊(H + 2p − k)/s⌋ + 1, same for W].
void ConfigReader::infer_window(LayerConfig& layer, const std::string& path,
                                const std::vector<std::size_t>& input, std::size_t channels) const {
  const std::string name(to_string(layer.type));
  if (input.size() != 3)
    fail(path, fmt::format("{} takes [channels, height, width] per example, but its input is {}; "
                           "give \"input_shape\": [C, H, W] (and no flatten before it)",
                           name, shape_text(input)));
  std::vector<std::size_t> out{channels, 0, 0};
  for (std::size_t axis = 0; axis < 2; ++axis) {
    const std::uint64_t padded = std::uint64_t{input[axis + 1]} + 2 * layer.padding[axis];
    if (padded < layer.kernel_size[axis])
      fail(config_child(path, "kernel_size"),
           fmt::format("the kernel {} is larger than the {} input {}{}",
                       pair_text(layer.kernel_size), name, shape_text(input),
                       layer.padding == std::array<std::size_t, 2>{0, 0}
                           ? ""
                           : fmt::format(" with padding {}", pair_text(layer.padding))));
    out[axis + 1] =
        static_cast<std::size_t>((padded - layer.kernel_size[axis]) / layer.stride[axis] + 1);
  }
  if (!checked_size(out))
    fail(path, fmt::format("the output {} would be more than {} values per example",
                           shape_text(out), kMaxConfigSize));
  layer.output_shape = std::move(out);
}

// Each layer's parameters, before anything is allocated; the refusal names the layer's key.
void ConfigReader::check_typed_parameter_count(const ModelConfig& config) const {
  std::uint64_t total = 0;
  bool overflow = false;
  std::vector<std::size_t> input = config.example_shape();
  for (std::size_t k = 0; k < config.layers.size(); ++k) {
    const LayerConfig& layer = config.layers[k];
    const bool bias = layer.bias.value_or(config.bias);
    std::uint64_t count = 0;
    std::string key;
    if (layer.type == LayerType::kLinear) {
      overflow = overflow || __builtin_mul_overflow(std::uint64_t{input[0]}, layer.units, &count);
      count += bias ? layer.units : 0;  // no overflow: both factors are below 2^31
      key = "units";
    } else if (layer.type == LayerType::kConv2d) {
      const std::uint64_t taps = std::uint64_t{layer.kernel_size[0]} * layer.kernel_size[1];
      std::uint64_t per_output = 0;
      overflow = overflow || __builtin_mul_overflow(taps, std::uint64_t{input[0]}, &per_output) ||
                 __builtin_mul_overflow(per_output, std::uint64_t{layer.out_channels}, &count) ||
                 __builtin_add_overflow(count, bias ? layer.out_channels : 0, &count);
      key = "out_channels";
    } else if (layer.type == LayerType::kLayerNorm) {
      count = 2 * std::uint64_t{*checked_size(input)};
    }
    overflow = overflow || __builtin_add_overflow(total, count, &total);
    if (overflow || total > input_limits().parameters)
      fail_too_many(
          key.empty() ? config_child("/layers", k) : config_child(config_child("/layers", k), key),
          total, overflow);
    input = layer.output_shape;
  }
}

namespace {

json typed_layer_json_plain(const LayerConfig& layer) {
  json out{{"type", layer.type == LayerType::kActivation ? to_string(layer.activation)
                                                         : to_string(layer.type)}};
  switch (layer.type) {
    case LayerType::kLinear:
      out["units"] = layer.units;
      if (layer.in) out["in_features"] = *layer.in;
      break;
    case LayerType::kConv2d:
      out["out_channels"] = layer.out_channels;
      if (layer.in) out["in_channels"] = *layer.in;
      [[fallthrough]];
    case LayerType::kMaxPool2d:
      out["kernel_size"] = pair_json(layer.kernel_size);
      if (layer.stride_given) out["stride"] = pair_json(layer.stride);
      if (layer.padding != std::array<std::size_t, 2>{0, 0})
        out["padding"] = pair_json(layer.padding);
      break;
    case LayerType::kDropout:
      out["p"] = layer.p;
      break;
    case LayerType::kLayerNorm:
      out["eps"] = layer.eps;
      break;
    default:
      break;
  }
  if (layer.bias) out["bias"] = *layer.bias;
  return out;
}

}  // namespace

nlohmann::ordered_json typed_layer_json(const LayerConfig& layer) {
  // In a fixed order: "type" first, then the keys as the table in config.hpp lists them.
  const json plain = typed_layer_json_plain(layer);
  nlohmann::ordered_json out;
  for (std::string_view key : {"type", "units", "out_channels", "in_features", "in_channels",
                               "kernel_size", "stride", "padding", "p", "eps", "bias"})
    if (const auto found = plain.find(std::string(key)); found != plain.end())
      out[std::string(key)] = *found;
  return out;
}

}  // namespace detail
}  // namespace tapegrad
