// The reader of model configs (models/io/config.hpp), shared by config.cpp (the top level and the
// dense layers) and config_layers.cpp (the typed layers and their shapes). Internal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../config.hpp"

namespace tapegrad::detail {

// "/layers" + "units" → "/layers/units", with JSON Pointer escapes; "/layers" + 3 → "/layers/3".
std::string config_child(std::string_view path, std::string_view key);
std::string config_child(std::string_view path, std::size_t index);
// A JSON value as a message shows it: scalars as written, containers by kind, long strings cut.
std::string describe_json(const nlohmann::json& value);
// "[1,8,8]".
std::string shape_text(std::span<const std::size_t> shape);

// Checks a parsed document against the config's schema, naming the JSON path of each mistake.
class ConfigReader {
 public:
  explicit ConfigReader(std::string_view file) : file_(file) {}

  ModelConfig read(const nlohmann::json& document) const;

  [[noreturn]] void fail(std::string_view path, std::string_view message) const;
  // Names every key not in `known`, with a guess at the one meant where one is close.
  void check_keys(const nlohmann::json& object, std::string_view path,
                  std::span<const std::string_view> known) const;
  const nlohmann::json& require(const nlohmann::json& object, std::string_view path,
                                const char* key) const;
  // An integer from `least` (1 or 0) to kMaxConfigSize.
  std::size_t read_size(const nlohmann::json& value, std::string_view path,
                        std::size_t least = 1) const;
  Activation read_activation(const nlohmann::json& value, std::string_view path) const;

  // config_layers.cpp: the typed layers, each checked against the shape that reaches it, and
  // their parameter count; the input shape.
  std::vector<std::size_t> read_input_shape(const nlohmann::json& value) const;
  std::vector<LayerConfig> read_typed_layers(const nlohmann::json& value,
                                             const std::vector<std::size_t>& input) const;
  void check_typed_parameter_count(const ModelConfig& config) const;
  // The refusal of a config past TAPEGRAD_MAX_PARAMETERS at the layer `path`.
  [[noreturn]] void fail_too_many(std::string_view path, std::uint64_t total, bool overflow) const;

 private:
  std::vector<LayerConfig> read_dense_layers(const nlohmann::json& value) const;
  std::uint64_t read_seed(const nlohmann::json& value) const;
  // Refuses a "name" holding a control character (U+0000 to U+001F, U+007F).
  void check_name(std::string_view name) const;
  Loss read_loss(const nlohmann::json& value) const;
  void check_loss_fits(const ModelConfig& config) const;
  void check_parameter_count(const ModelConfig& config) const;
  LayerConfig read_typed_layer(const nlohmann::json& layer, const std::string& path,
                               const std::vector<std::size_t>& input) const;
  void read_layer_settings(LayerConfig& config, const nlohmann::json& layer,
                           const std::string& path) const;
  // [height, width] from a number or a pair, each from `least` to kMaxConfigSize.
  std::array<std::size_t, 2> read_pair(const nlohmann::json& value, std::string_view path,
                                       std::size_t least) const;
  double read_number(const nlohmann::json& value, std::string_view path, double low, double high,
                     bool low_included) const;
  void infer_shape(LayerConfig& layer, const std::string& path,
                   const std::vector<std::size_t>& input) const;
  void infer_window(LayerConfig& layer, const std::string& path,
                    const std::vector<std::size_t>& input, std::size_t channels) const;

  std::string_view file_;
};

// The JSON of one typed layer, as read_typed_layers reads it back.
nlohmann::ordered_json typed_layer_json(const LayerConfig& layer);

}  // namespace tapegrad::detail
