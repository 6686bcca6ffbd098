#include "config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include "../../graph/errors.hpp"
#include "detail/config_reader.hpp"
#include "detail/read_file.hpp"
#include "detail/unique_json.hpp"
#include "limits.hpp"

namespace tapegrad {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Loss, std::string_view>, 3> kLossNames{{
    {Loss::kSse, "sse"},
    {Loss::kMse, "mse"},
    {Loss::kSoftmaxCrossEntropy, "softmax_cross_entropy"},
}};

// The keys of a dense config first: messages name those when the top level is not an object.
constexpr std::array<std::string_view, 8> kTopLevelKeys{"name", "inputs", "layers",      "loss",
                                                        "bias", "seed",   "input_shape", "targets"};
constexpr std::array<std::string_view, 2> kLayerKeys{"units", "activation"};
constexpr std::array<Activation, 4> kActivations{Activation::kIdentity, Activation::kSigmoid,
                                                 Activation::kTanh, Activation::kRelu};

std::string activation_names() {
  std::vector<std::string_view> names;
  for (Activation activation : kActivations) names.push_back(to_string(activation));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string loss_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kLossNames) names.push_back(entry.second);
  return fmt::format("{}", fmt::join(names, ", "));
}

// Appends one JSON Pointer (RFC 6901) step to `path`; "~" and "/" in a key become "~0" and "~1".
void append_step(std::string& path, std::string_view key) {
  path += '/';
  for (char c : key) {
    if (c == '~')
      path += "~0";
    else if (c == '/')
      path += "~1";
    else
      path += c;
  }
}

}  // namespace

std::string detail::config_child(std::string_view path, std::string_view key) {
  std::string out(path);
  append_step(out, key);
  return out;
}

std::string detail::config_child(std::string_view path, std::size_t index) {
  return fmt::format("{}/{}", path, index);
}

std::string detail::describe_json(const json& value) {
  if (value.is_array()) return value.empty() ? "an empty array" : "an array";
  if (value.is_object()) return value.empty() ? "an empty object" : "an object";
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kLongest = 60;
  if (text.size() <= kLongest) return text;
  std::size_t cut = kLongest;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + (value.is_string() ? "...\"" : "...");
}

std::string detail::shape_text(std::span<const std::size_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

namespace {

using detail::ConfigReader;
using detail::describe_json;
std::string describe(const json& value) {
  return describe_json(value);
}
std::string child(std::string_view path, std::string_view key) {
  return detail::config_child(path, key);
}
std::string child(std::string_view path, std::size_t index) {
  return detail::config_child(path, index);
}

// Levenshtein distance, for suggesting the key a misspelled one was meant to be.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Line and column (both 1-based, the column in characters) of byte `offset` of `text`.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  if (line == 1 && text.starts_with("\xEF\xBB\xBF")) line_start = std::min<std::size_t>(3, offset);
  std::size_t column = 1;
  for (std::size_t i = line_start; i < offset; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;  // skip UTF-8 tails
  return {line, column};
}

// What nlohmann's parser said, without its "[json.exception...] parse error at ...: " prefix
// (the position is reported separately, computed from the byte offset).
std::string_view parser_reason(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    const std::size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.starts_with("parse error")) {
    const std::size_t colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return what;
}

json parse_json(std::string_view text, std::string_view file) {
  // nlohmann's lexer takes a NUL between tokens for the end of input and ignores what follows.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    const auto [line, column] = line_and_column(text, nul);
    throw Error(fmt::format("{}:{}:{}: invalid JSON: a NUL byte", file, line, column));
  }
  try {
    // nlohmann keeps the last of two equal keys without a word; a config that says "units"
    // twice is a mistake, so the parser refuses it and names its JSON path.
    return detail::parse_unique_json(text);
  } catch (const detail::JsonShapeError& error) {
    std::string path;
    for (const std::string& step : error.path) append_step(path, step);
    throw Error(fmt::format("{}: {}: duplicate key; give each key once", file, path));
  } catch (const json::parse_error& error) {
    // error.byte is 1-based: the character the parser stopped at.
    const auto [line, column] = line_and_column(text, error.byte == 0 ? 0 : error.byte - 1);
    throw Error(
        fmt::format("{}:{}:{}: invalid JSON: {}", file, line, column, parser_reason(error.what())));
  } catch (const json::exception& error) {  // a number too large for a double
    throw Error(fmt::format("{}: invalid JSON: {}", file, parser_reason(error.what())));
  }
}

// The "bias" key (default true).
bool read_bias(const ConfigReader& reader, const json& document) {
  const auto bias = document.find("bias");
  if (bias == document.end()) return true;
  if (!bias->is_boolean()) reader.fail("/bias", "expected true or false, got " + describe(*bias));
  return bias->get<bool>();
}

// Whether the layers have "type"s; every entry must say the same. Entries that are not objects
// are left for the layer readers to refuse.
bool layers_are_typed(const ConfigReader& reader, const json& layers) {
  if (!layers.is_array()) return false;
  std::optional<std::size_t> typed, dense;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (!layers[k].is_object()) continue;
    std::optional<std::size_t>& first = layers[k].contains("type") ? typed : dense;
    if (!first) first = k;
    if (typed && dense)
      reader.fail(child("/layers", std::max(*typed, *dense)),
                  fmt::format("{} has a \"type\" but {} has none; give every layer a \"type\" "
                              "(a dense layer is {{\"type\": \"linear\", \"units\": 4}} then "
                              "{{\"type\": \"tanh\"}}) or none",
                              child("/layers", *typed), child("/layers", *dense)));
  }
  return typed.has_value();
}

}  // namespace

ModelConfig ConfigReader::read(const json& document) const {
  if (!document.is_object())
    fail("", fmt::format("expected an object with the keys {}, got {}",
                         fmt::join(std::span(kTopLevelKeys).first(6), ", "), describe(document)));
  check_keys(document, "", kTopLevelKeys);
  ModelConfig config;
  if (const auto name = document.find("name"); name != document.end()) {
    if (!name->is_string()) fail("/name", "expected a string, got " + describe(*name));
    config.name = name->get<std::string>();
    check_name(config.name);
  }
  if (const auto shape = document.find("input_shape"); shape != document.end()) {
    if (document.contains("inputs"))
      fail("/input_shape", "give \"inputs\" (a number) or \"input_shape\" (an array), not both");
    config.input_shape = read_input_shape(*shape);
    config.inputs = 1;
    for (std::size_t size : config.input_shape) config.inputs *= size;  // checked by the reader
  } else {
    config.inputs = read_size(require(document, "", "inputs"), "/inputs");
  }
  const json& layers = require(document, "", "layers");
  if (layers_are_typed(*this, layers)) {
    config.bias = read_bias(*this, document);
    config.layers = read_typed_layers(layers, config.example_shape());
  } else {
    config.layers = read_dense_layers(layers);
  }
  config.loss = read_loss(require(document, "", "loss"));
  config.bias = read_bias(*this, document);
  if (const auto targets = document.find("targets"); targets != document.end()) {
    if (*targets == "class_index")
      config.targets = Targets::kClassIndex;
    else if (*targets != "columns")
      fail("/targets",
           "expected \"columns\" (the default: the last `outputs` columns of a row) "
           "or \"class_index\" (one column: the class number), got " +
               describe(*targets));
  }
  if (const auto seed = document.find("seed"); seed != document.end())
    config.seed = read_seed(*seed);
  check_loss_fits(config);
  if (config.is_layered())
    check_typed_parameter_count(config);
  else
    check_parameter_count(config);
  return config;
}

// The name titles graphs and loss plots (SVG, whose XML allows no control character but tab and
// line ends, and then not in a title) and report lines: one line of printable text.
void ConfigReader::check_name(std::string_view name) const {
  const auto control = std::find_if(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  if (control == name.end()) return;
  const auto before = name.substr(0, static_cast<std::size_t>(control - name.begin()));
  const auto characters = std::count_if(before.begin(), before.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // UTF-8 tails are not characters
  });
  fail("/name", fmt::format("a control character (U+{:04X}) at character {}; the name titles "
                            "graphs and plots, so it must be one line of printable text",
                            static_cast<unsigned char>(*control), characters + 1));
}

void ConfigReader::fail(std::string_view path, std::string_view message) const {
  throw Error(fmt::format("{}: {}: {}", file_, path.empty() ? "top level" : path, message));
}

void ConfigReader::check_keys(const json& object, std::string_view path,
                              std::span<const std::string_view> known) const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string entry = describe(json(key));
    for (std::string_view candidate : known) {
      const std::size_t distance = edit_distance(key, candidate);
      if (distance <= 2 && distance < candidate.size()) {
        entry += fmt::format(" (did you mean \"{}\"?)", candidate);
        break;
      }
    }
    unknown.push_back(std::move(entry));
  }
  if (unknown.empty()) return;
  fail(path, fmt::format("unknown key{} {}; the keys here are {}", unknown.size() > 1 ? "s" : "",
                         fmt::join(unknown, ", "), fmt::join(known, ", ")));
}

const json& ConfigReader::require(const json& object, std::string_view path,
                                  const char* key) const {
  const auto found = object.find(key);
  if (found == object.end()) fail(child(path, key), "missing; this key is required");
  return *found;
}

std::size_t ConfigReader::read_size(const json& value, std::string_view path,
                                    std::size_t least) const {
  const std::string expected =
      fmt::format("expected an integer from {} to {}", least, kMaxConfigSize);
  if (value.is_string())
    fail(path, fmt::format("{}, got the string {}; write numbers without quotes", expected,
                           describe(value)));
  // nlohmann keeps -0 and negative integers as signed, non-negative ones as unsigned.
  if (value.is_number_unsigned()) {
    const std::uint64_t size = value.get<std::uint64_t>();
    if (size >= least && size <= kMaxConfigSize) return static_cast<std::size_t>(size);
  }
  if (least == 0 && value.is_number_integer() && value.get<std::int64_t>() == 0) return 0;  // -0
  fail(path, fmt::format("{}, got {}", expected, describe(value)));
}

std::uint64_t ConfigReader::read_seed(const json& value) const {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() == 0) return 0;  // written -0
  fail("/seed", fmt::format("expected an integer from 0 to {}, got {}",
                            std::numeric_limits<std::uint64_t>::max(), describe(value)));
}

std::vector<LayerConfig> ConfigReader::read_dense_layers(const json& value) const {
  if (!value.is_array() || value.empty())
    fail("/layers", fmt::format("expected a non-empty array of layers such as {}, got {}",
                                R"({"units": 4, "activation": "tanh"})", describe(value)));
  std::vector<LayerConfig> layers;
  for (std::size_t k = 0; k < value.size(); ++k) {
    const std::string path = child("/layers", k);
    const json& layer = value[k];
    if (!layer.is_object())
      fail(path, fmt::format("expected an object with the keys {}, got {}",
                             fmt::join(kLayerKeys, ", "), describe(layer)));
    check_keys(layer, path, kLayerKeys);
    LayerConfig config;
    config.units = read_size(require(layer, path, "units"), child(path, "units"));
    config.activation =
        read_activation(require(layer, path, "activation"), child(path, "activation"));
    layers.push_back(config);
  }
  return layers;
}

Activation ConfigReader::read_activation(const json& value, std::string_view path) const {
  if (value.is_string()) {
    try {
      return parse_activation(value.get<std::string>());
    } catch (const Error&) {
      // parse_activation's own message lacks the file and path; say it again with them.
    }
  }
  fail(path, fmt::format("expected one of {}, got {}", activation_names(), describe(value)));
}

Loss ConfigReader::read_loss(const json& value) const {
  if (value.is_string()) {
    try {
      return parse_loss(value.get<std::string>());
    } catch (const Error&) {
    }
  }
  fail("/loss", fmt::format("expected one of {}, got {}", loss_names(), describe(value)));
}

void ConfigReader::check_loss_fits(const ModelConfig& config) const {
  if (config.loss != Loss::kSoftmaxCrossEntropy || config.outputs() >= 2) return;
  fail("/loss",
       fmt::format("\"softmax_cross_entropy\" needs at least 2 outputs, but the last layer "
                   "(/layers/{}) has 1 {}: the softmax of a single output is always 1, so "
                   "the loss and its gradient would always be 0. Give the last layer one {} "
                   "per class, or use \"sse\" or \"mse\"",
                   config.layers.size() - 1, config.is_layered() ? "output" : "unit",
                   config.is_layered() ? "output" : "unit"));
}

// Before anything is allocated: the count, the layer where it passes the limit, and the
// memory the values alone would take.
void ConfigReader::check_parameter_count(const ModelConfig& config) const {
  const std::uint64_t limit = input_limits().parameters;
  std::uint64_t total = 0, in = config.inputs;
  std::optional<std::size_t> crossing;
  bool overflow = false;
  for (std::size_t k = 0; k < config.layers.size(); ++k) {
    const std::uint64_t out = config.layers[k].units;
    std::uint64_t layer = 0;
    overflow = overflow || __builtin_mul_overflow(in, out, &layer) ||
               __builtin_add_overflow(layer, config.bias ? out : 0, &layer) ||
               __builtin_add_overflow(total, layer, &total);
    if (!crossing && (overflow || total > limit)) crossing = k;
    in = out;
  }
  if (crossing) fail_too_many(child(child("/layers", *crossing), "units"), total, overflow);
}

void ConfigReader::fail_too_many(std::string_view path, std::uint64_t total, bool overflow) const {
  const auto memory = [&](std::uint64_t bytes_each) {
    std::uint64_t bytes = 0;
    return overflow || __builtin_mul_overflow(total, bytes_each, &bytes)
               ? std::string("more than 16 EiB")
               : format_bytes(bytes);
  };
  fail(path, fmt::format("the model would have {} parameters, more than the limit of {}; their "
                         "values alone would take {} as F32 ({} as F64). Make the layers smaller, "
                         "or set TAPEGRAD_MAX_PARAMETERS to raise the limit",
                         overflow ? std::string("more than 2^64") : std::to_string(total),
                         input_limits().parameters, memory(4), memory(8)));
}

std::string_view to_string(Loss loss) {
  for (const auto& [value, name] : kLossNames)
    if (value == loss) return name;
  throw Error(fmt::format("to_string: unknown Loss value {}", static_cast<int>(loss)));
}

Loss parse_loss(std::string_view name) {
  for (const auto& [value, known] : kLossNames)
    if (known == name) return value;
  throw Error(fmt::format("parse_loss: unknown loss '{}'; expected one of {}", name, loss_names()));
}

std::size_t ModelConfig::outputs() const {
  if (layers.empty()) return 0;
  if (layers.back().type == LayerType::kDense || layers.back().output_shape.empty())
    return layers.back().units;
  std::size_t size = 1;
  for (std::size_t axis : layers.back().output_shape) size *= axis;
  return size;
}

bool ModelConfig::is_layered() const {
  return std::any_of(layers.begin(), layers.end(),
                     [](const LayerConfig& layer) { return layer.type != LayerType::kDense; });
}

std::vector<std::size_t> ModelConfig::example_shape() const {
  return input_shape.empty() ? std::vector<std::size_t>{inputs} : input_shape;
}

MLPOptions ModelConfig::mlp_options() const {
  if (is_layered())
    throw Error(
        "mlp_options: this config's layers have types; build it with make_sequential "
        "(models/io/config_model.hpp)");
  MLPOptions options(inputs);
  for (const LayerConfig& layer : layers) options.layer(layer.units, layer.activation);
  options.bias(bias);
  return options;
}

ModelConfig parse_model_config(std::string_view json_text, std::string_view file_name) {
  return ConfigReader(file_name).read(parse_json(json_text, file_name));
}

ModelConfig read_model_config(const std::string& path) {
  return parse_model_config(detail::read_capped(path, input_limits().config_bytes, "a model config",
                                                "TAPEGRAD_MAX_CONFIG_BYTES",
                                                /*stop_at_nul=*/true),
                            path);
}

std::string to_json(const ModelConfig& config) {
  // ordered_json keeps the keys in the order written here rather than sorting them.
  nlohmann::ordered_json document;
  if (!config.name.empty()) document["name"] = config.name;
  if (config.input_shape.empty())
    document["inputs"] = config.inputs;
  else
    document["input_shape"] = config.input_shape;
  document["layers"] = nlohmann::ordered_json::array();
  for (const LayerConfig& layer : config.layers)
    document["layers"].push_back(
        layer.type == LayerType::kDense
            ? nlohmann::ordered_json{{"units", layer.units},
                                     {"activation", std::string(to_string(layer.activation))}}
            : detail::typed_layer_json(layer));
  document["loss"] = std::string(to_string(config.loss));
  document["bias"] = config.bias;
  if (config.targets == Targets::kClassIndex) document["targets"] = "class_index";
  if (config.seed) document["seed"] = *config.seed;
  try {
    return document.dump(2) + "\n";
  } catch (const nlohmann::ordered_json::exception&) {
    throw Error("to_json: the model's name is not valid UTF-8");
  }
}

}  // namespace tapegrad
