// Typed layers in model configs (models/io/config.hpp): each type with its keys and defaults, the
// shapes inferred when the file is read (expected sizes worked out by hand with torch's formula
// ⌊(H + 2p − k)/s⌋ + 1), the JSON round trip, the Sequential built from them
// (models/io/config_model.hpp), class-index targets, and for each mistake a message naming the
// file, the JSON path and the shapes.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scoped_environment.hpp"
#include "tapegrad.hpp"

namespace file_files_config_layers_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;
using tapegrad::testing::ScopedEnvironment;

namespace {

// A layered config over `input_shape` with the given layer objects.
std::string layered(const std::string& layers, const std::string& input_shape = "[1, 8, 8]",
                    const std::string& extra = "") {
  return R"({"input_shape": )" + input_shape + R"(, "layers": [)" + layers + R"(], "loss": "mse")" +
         extra + "}";
}

std::string parse_error(const std::string& text) {
  try {
    parse_model_config(text, "cnn.json");
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("no Error for: " << text);
  return {};
}

const std::string kDigits =
    R"({"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}, {"type": "relu"},
       {"type": "max_pool2d", "kernel_size": 2},
       {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1}, {"type": "relu"},
       {"type": "flatten"}, {"type": "linear", "units": 10})";

using Shapes = std::vector<std::vector<std::size_t>>;

Shapes output_shapes(const ModelConfig& config) {
  Shapes shapes;
  for (const LayerConfig& layer : config.layers) shapes.push_back(layer.output_shape);
  return shapes;
}

}  // namespace

TEST_CASE("A digits CNN config gives each layer's type and output shape",
          "[files][config][layers]") {
  const ModelConfig config = parse_model_config(layered(kDigits), "cnn.json");
  CHECK(config.is_layered());
  CHECK(config.inputs == 64);
  CHECK(config.input_shape == std::vector<std::size_t>{1, 8, 8});
  CHECK(config.outputs() == 10);
  REQUIRE(config.layers.size() == 7);
  CHECK(config.layers[0].type == LayerType::kConv2d);
  CHECK(config.layers[1].type == LayerType::kActivation);
  CHECK(config.layers[1].activation == Activation::kRelu);
  CHECK(config.layers[2].type == LayerType::kMaxPool2d);
  CHECK(config.layers[5].type == LayerType::kFlatten);
  CHECK(config.layers[6].type == LayerType::kLinear);
  // 8 + 2 − 3 + 1 = 8; pooled by 2: 4; 4 + 2 − 3 + 1 = 4; 16·4·4 = 256.
  CHECK(output_shapes(config) ==
        Shapes{{8, 8, 8}, {8, 8, 8}, {8, 4, 4}, {16, 4, 4}, {16, 4, 4}, {256}, {10}});
}

TEST_CASE("Each layer type reads its keys and torch's defaults", "[files][config][layers]") {
  const ModelConfig config = parse_model_config(
      layered(R"({"type": "conv2d", "out_channels": 2, "kernel_size": [3, 2], "stride": [1, 2],
                  "in_channels": 1, "bias": false},
                 {"type": "max_pool2d", "kernel_size": 2, "stride": 1, "padding": 1},
                 {"type": "max_pool2d", "kernel_size": [2, 1]},
                 {"type": "layer_norm", "eps": 0.001}, {"type": "tanh"}, {"type": "sigmoid"},
                 {"type": "identity"}, {"type": "flatten"}, {"type": "dropout"},
                 {"type": "dropout", "p": 0.25}, {"type": "linear", "units": 3, "in_features": 30},
                 {"type": "layer_norm"})"),
      "cnn.json");
  const std::vector<LayerConfig>& l = config.layers;
  CHECK(l[0].kernel_size == std::array<std::size_t, 2>{3, 2});
  CHECK(l[0].stride == std::array<std::size_t, 2>{1, 2});
  CHECK(l[0].padding == std::array<std::size_t, 2>{0, 0});
  CHECK(l[0].in == 1u);
  CHECK(l[0].bias == false);
  CHECK(l[1].stride == std::array<std::size_t, 2>{1, 1});
  CHECK(l[2].stride == std::array<std::size_t, 2>{2, 1});  // the kernel, as torch's default
  CHECK(l[3].eps == 0.001);
  CHECK(l[8].p == 0.5);
  CHECK(l[9].p == 0.25);
  CHECK_FALSE(l[10].bias.has_value());
  CHECK(l[11].eps == 1e-5);
  // conv: (8 − 3)/1 + 1 = 6, (8 − 2)/2 + 1 = 4; pool k2 s1 p1: 6 + 2 − 2 + 1 = 7, 4 + 2 − 2 + 1
  // = 5; pool [2,1], stride [2,1]: (7 − 2)/2 + 1 = 3, 5; flatten: 2·3·5 = 30.
  CHECK(output_shapes(config) == Shapes{{2, 6, 4},
                                        {2, 7, 5},
                                        {2, 3, 5},
                                        {2, 3, 5},
                                        {2, 3, 5},
                                        {2, 3, 5},
                                        {2, 3, 5},
                                        {30},
                                        {30},
                                        {30},
                                        {3},
                                        {3}});
}

TEST_CASE("A layered config over flat input and class-index targets parse",
          "[files][config][layers]") {
  const ModelConfig config = parse_model_config(
      R"({"inputs": 4, "layers": [{"type": "linear", "units": 5}, {"type": "relu"},
          {"type": "linear", "units": 3}], "loss": "softmax_cross_entropy",
          "targets": "class_index"})",
      "m.json");
  CHECK(config.is_layered());
  CHECK(config.input_shape.empty());
  CHECK(config.example_shape() == std::vector<std::size_t>{4});
  CHECK(config.targets == Targets::kClassIndex);
  CHECK(config.outputs() == 3);
  CHECK_THROWS_WITH(config.mlp_options(), Contains("make_sequential"));
}

TEST_CASE("to_json round-trips layered configs", "[files][config][layers]") {
  for (const std::string& text :
       {layered(kDigits, "[1, 8, 8]", R"(, "name": "digits", "seed": 5, "bias": false)"),
        layered(R"({"type": "conv2d", "out_channels": 2, "kernel_size": [3, 2], "stride": 1,
                    "padding": [1, 0], "in_channels": 1, "bias": true},
                   {"type": "max_pool2d", "kernel_size": 2, "stride": 2},
                   {"type": "layer_norm", "eps": 0.125}, {"type": "flatten"},
                   {"type": "dropout", "p": 0.1}, {"type": "linear", "units": 2, "in_features": 24},
                   {"type": "sigmoid"})",
                "[1, 8, 8]", R"(, "targets": "class_index")"),
        layered(R"({"type": "linear", "units": 2}, {"type": "identity"})", "[7]")}) {
    const ModelConfig config = parse_model_config(text, "cnn.json");
    const std::string json = to_json(config);
    CAPTURE(json);
    CHECK(parse_model_config(json, "round-trip.json") == config);
  }
  // A dense config's JSON is as before: no new key appears.
  const std::string dense = to_json(parse_model_config(
      R"({"inputs": 2, "layers": [{"units": 1, "activation": "tanh"}], "loss": "sse"})", "m.json"));
  CHECK_THAT(dense, !Contains("type") && !Contains("input_shape") && !Contains("targets"));
}

TEST_CASE("make_sequential builds one module per layer with torch's Sequential names",
          "[files][config][layers]") {
  const ModelConfig config = parse_model_config(layered(kDigits), "cnn.json");
  Generator generator(1);
  const auto net = make_sequential<double>(config, &generator);
  CHECK(net->size() == 7);
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters())
    names.push_back(name + " " + p.shape().str());
  CHECK(names == std::vector<std::string>{"0.weight [8,1,3,3]", "0.bias [8]", "3.weight [16,8,3,3]",
                                          "3.bias [16]", "6.weight [10,256]", "6.bias [10]"});
  // A batch of flat rows goes in as [N, 64] and comes out [N, 10].
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> out = net->forward(Var<double>(Tensor<double>(Shape{3, 64})));
  CHECK(out.shape() == Shape{3, 10});
  CHECK_THROWS_WITH(make_sequential<double>(parse_model_config(
                        R"({"inputs": 2, "layers": [{"units": 1, "activation": "tanh"}],
                            "loss": "sse"})",
                        "m.json")),
                    Contains("mlp_options"));
}

TEST_CASE("The Sequential of a config computes what its layers compute, in order",
          "[files][config][layers]") {
  // linear 2 → 2, relu, layer_norm, linear 2 → 1 with weights set by hand: the expected output
  // is worked out with plain arithmetic.
  const ModelConfig config = parse_model_config(
      layered(R"({"type": "linear", "units": 2}, {"type": "relu"}, {"type": "layer_norm"},
                 {"type": "linear", "units": 1, "bias": false})",
              "[2]"),
      "m.json");
  const auto net = make_sequential<double>(config);
  auto params = net->named_parameters();
  REQUIRE(params.size() == 5);  // 0.weight, 0.bias, 2.weight, 2.bias, 3.weight
  params[0].second.assign(Tensor<double>({2, 2}, {1, 0, 0, 2}));
  params[1].second.assign(Tensor<double>({2}, {0, -1}));
  params[4].second.assign(Tensor<double>({1, 2}, {3, -1}));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> out = net->forward(Var<double>(Tensor<double>({1, 2}, {1, 2})));
  // h = [1, 4 − 1] = [1, 3]; relu keeps it; layer norm: mean 2, variance 1 → [−1, 1]/√(1 + 1e-5);
  // out = 3·(−1) − 1·1 = −4, over √(1 + 1e-5).
  CHECK(out.item() == Approx(-4 / std::sqrt(1 + 1e-5)).epsilon(1e-12));
}

TEST_CASE("Each mistake in a typed layer names its JSON path and the shapes",
          "[files][config][layers][errors]") {
  CHECK_THAT(
      parse_error(layered(R"({"type": "conv3d"})")),
      StartsWith("cnn.json: /layers/0/type: expected one of linear, conv2d, max_pool2d, "
                 "flatten, dropout, layer_norm, relu, tanh, sigmoid, identity, got \"conv3d\""));
  CHECK_THAT(parse_error(layered(R"({"type": "linear", "units": 2, "activation": "relu"})", "[3]")),
             StartsWith("cnn.json: /layers/0/activation: a typed layer takes no \"activation\""));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"}, {"units": 2, "activation": "relu"})")),
             StartsWith("cnn.json: /layers/1: /layers/0 has a \"type\" but /layers/1 has none"));
  CHECK_THAT(parse_error(R"({"inputs": 3, "input_shape": [3], "layers": [], "loss": "sse"})"),
             StartsWith("cnn.json: /input_shape: give \"inputs\" (a number) or \"input_shape\""));
  CHECK_THAT(
      parse_error(layered(R"({"type": "flatten"})", "[8, 8]")),
      StartsWith("cnn.json: /input_shape: expected [channels, height, width] or [features]"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"})", "[1, 0, 8]")),
             StartsWith("cnn.json: /input_shape/1: expected an integer from 1 to 2147483647"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"})", "[65536, 65536, 1]")),
             Contains("/input_shape: [65536,65536,1] is more than 2147483647 values"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "conv2d", "out_channels": 4, "kernel_size": 9})")),
      Equals("cnn.json: /layers/0/kernel_size: the kernel 9×9 is larger than the conv2d input "
             "[1,8,8]"));
  CHECK_THAT(
      parse_error(layered(
          R"({"type": "max_pool2d", "kernel_size": 2}, {"type": "max_pool2d", "kernel_size": [7, 1], "padding": [1, 0]})")),
      Equals("cnn.json: /layers/1/kernel_size: the kernel 7×1 is larger than the "
             "max_pool2d input [1,4,4] with padding 1×0"));
  CHECK_THAT(parse_error(layered(R"({"type": "linear", "units": 10})")),
             Equals("cnn.json: /layers/0: linear takes [features] per example, but its input is "
                    "[1,8,8]; put {\"type\": \"flatten\"} before it"));
  CHECK_THAT(parse_error(layered(
                 R"({"type": "flatten"}, {"type": "linear", "units": 2, "in_features": 60})")),
             Equals("cnn.json: /layers/1/in_features: is 60, but the layer's input is [64]"));
  CHECK_THAT(parse_error(layered(
                 R"({"type": "conv2d", "out_channels": 2, "kernel_size": 1, "in_channels": 3})")),
             Equals("cnn.json: /layers/0/in_channels: is 3, but the layer's input [1,8,8] has 1"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "conv2d", "out_channels": 2, "kernel_size": 1})", "[64]")),
      StartsWith("cnn.json: /layers/0: conv2d takes [channels, height, width] per example, "
                 "but its input is [64]"));
  CHECK_THAT(parse_error(layered(R"({"type": "max_pool2d", "kernel_size": 2, "padding": 2})")),
             StartsWith("cnn.json: /layers/0/padding: 2×2 is more than half the kernel 2×2"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"}, {"type": "dropout", "p": 1.5})")),
             Equals("cnn.json: /layers/1/p: expected a number from 0 to 1, got 1.5"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"}, {"type": "dropout", "p": "0.5"})")),
             Contains("/layers/1/p: expected a number"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "flatten"}, {"type": "layer_norm", "eps": 0})")),
      Equals("cnn.json: /layers/1/eps: expected a number greater than 0 and at most 1, got 0"));
  CHECK_THAT(parse_error(layered(R"({"type": "relu"})")),
             Equals("cnn.json: /layers/0: the last layer gives [1,8,8] per example, but the loss "
                    "compares [outputs]: end with {\"type\": \"flatten\"} and a {\"type\": "
                    "\"linear\"} layer"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "conv2d", "out_channels": 2, "kernel_size": [1, 2, 3]})")),
      Equals("cnn.json: /layers/0/kernel_size: expected a number or [height, width], got an "
             "array of 3"));
  CHECK_THAT(parse_error(layered(
                 R"({"type": "conv2d", "out_channels": 2, "kernel_size": 1, "stride": 0})")),
             StartsWith("cnn.json: /layers/0/stride: expected an integer from 1 to"));
  CHECK_THAT(parse_error(layered(
                 R"({"type": "conv2d", "out_channels": 2, "kernel_size": 1, "padding": -1})")),
             StartsWith("cnn.json: /layers/0/padding: expected an integer from 0 to"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "conv2d", "out_channel": 2, "kernel_size": 1})")),
      StartsWith(
          R"(cnn.json: /layers/0: unknown key "out_channel" (did you mean "out_channels"?))"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten", "start_dim": 1})")),
             StartsWith(R"(cnn.json: /layers/0: unknown key "start_dim"; the keys here are type)"));
  CHECK_THAT(
      parse_error(layered(R"({"type": "flatten"})", "[1, 8, 8]", R"(, "targets": "labels")")),
      StartsWith("cnn.json: /targets: expected \"columns\""));
  CHECK_THAT(parse_error(layered(R"({"type": "linear"})")),
             Equals("cnn.json: /layers/0/units: missing; this key is required"));
  CHECK_THAT(parse_error(R"({"input_shape": [2], "layers": [{"type": "linear", "units": 1}],
                            "loss": "softmax_cross_entropy"})"),
             StartsWith("cnn.json: /loss: \"softmax_cross_entropy\" needs at least 2 outputs, but "
                        "the last layer (/layers/0) has 1 output"));
}

TEST_CASE("Outputs and parameters past the limits are refused naming the layer",
          "[files][config][layers][errors]") {
  // 2^16 channels of a 2^8 × 2^8 image: 2^32 values per example.
  CHECK_THAT(
      parse_error(layered(
          R"({"type": "conv2d", "out_channels": 65536, "kernel_size": 1}, {"type": "flatten"})",
          "[1, 256, 256]")),
      Equals("cnn.json: /layers/0: the output [65536,256,256] would be more than 2147483647 "
             "values per example"));
  const ScopedEnvironment limit("TAPEGRAD_MAX_PARAMETERS", "1000");
  // conv2d 1 → 8, 3×3: 8·9 + 8 = 80; conv2d 8 → 16: 16·8·9 + 16 = 1168, past 1000 in total.
  CHECK_THAT(parse_error(layered(kDigits)),
             StartsWith("cnn.json: /layers/3/out_channels: the model would have 1248 parameters, "
                        "more than the limit of 1000"));
  CHECK_THAT(parse_error(layered(R"({"type": "layer_norm"}, {"type": "flatten"})", "[1, 30, 30]")),
             StartsWith("cnn.json: /layers/0: the model would have 1800 parameters"));
  CHECK_THAT(parse_error(layered(R"({"type": "flatten"}, {"type": "linear", "units": 16})")),
             StartsWith("cnn.json: /layers/1/units: the model would have 1040 parameters"));
  const ScopedEnvironment no_limit("TAPEGRAD_MAX_PARAMETERS", "18446744073709551615");
  // (2^31 − 1)² taps, padded to fit, over 2^31 − 1 channels: more than 2^64 parameters.
  CHECK_THAT(parse_error(layered(
                 R"({"type": "conv2d", "out_channels": 1, "kernel_size": 2147483647,
                     "padding": 1073741824}, {"type": "flatten"})",
                 "[2147483647, 1, 1]")),
             StartsWith("cnn.json: /layers/0/out_channels: the model would have more than 2^64 "
                        "parameters"));
}

TEST_CASE("read_model_data turns a class-index column into one-hot targets",
          "[files][config][layers]") {
  const ModelConfig config = parse_model_config(
      R"({"inputs": 2, "layers": [{"type": "linear", "units": 3}], "loss": "softmax_cross_entropy",
          "targets": "class_index"})",
      "m.json");
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("tapegrad-labels-" + std::to_string(::getpid()) + ".csv"))
                               .string();
  {
    std::ofstream out(path);
    out << "a,b,label\n0.5,1,2\n-1,0,0\n";
  }
  const Dataset data = read_model_data(path, config);
  CHECK(data.outputs == 3);
  CHECK(data.y.shape() == Shape{2, 3});
  CHECK(std::vector<double>(data.y.values().begin(), data.y.values().end()) ==
        std::vector<double>{0, 0, 1, 1, 0, 0});
  for (const char* label : {"3", "1.5", "-1"}) {
    CAPTURE(label);
    {
      std::ofstream out(path);
      out << "a,b,label\n0,0,1\n0,0," << label << "\n";
    }
    CHECK_THROWS_WITH(read_model_data(path, config),
                      Contains(":3: row 1: column 3 (\"label\")") && Contains("from 0 to 2"));
  }
  {
    // 2 rows of 3 classes as doubles: 48 bytes, past a limit of 40 on data.
    std::ofstream out(path);
    out << "a,b,label\n0,0,1\n0,0,2\n";
  }
  {
    const ScopedEnvironment small("TAPEGRAD_MAX_CSV_BYTES", "40");
    CHECK_THROWS_WITH(read_model_data(path, config),
                      Contains("2 rows of 3 classes as one-hot targets would take more than 40 "
                               "bytes") &&
                          Contains("TAPEGRAD_MAX_CSV_BYTES"));
  }
  CHECK(read_model_data(path, config).y.shape() == Shape{2, 3});
  std::filesystem::remove(path);
}

}  // namespace file_files_config_layers_test
