// Model configs (models/io/config.hpp): what a valid file gives, the defaults, the JSON round trip,
// and for each mistake a message naming the file, the JSON path and what was expected.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "scoped_environment.hpp"
#include "tapegrad.hpp"

namespace file_files_config_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;
using tapegrad::testing::ScopedEnvironment;

namespace {

// A config of `inputs` inputs, the given layers (JSON objects) and loss, plus `extra` keys.
std::string config_text(const std::string& layers, const std::string& loss = "sse",
                        const std::string& extra = "", const std::string& inputs = "3") {
  return R"({"inputs": )" + inputs + R"(, "layers": [)" + layers + R"(], "loss": ")" + loss + "\"" +
         extra + "}";
}

const std::string kTwoLayers =
    R"({"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "identity"})";

// The message of the tapegrad::Error that parsing `text` throws.
std::string parse_error(const std::string& text) {
  try {
    parse_model_config(text, "model.json");
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("no Error for: " << text);
  return {};
}

// A folder of its own for the file tests, removed afterwards.
struct TemporaryFolder {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("tapegrad-config-test-" + std::to_string(::getpid()));
  TemporaryFolder() { std::filesystem::create_directories(path); }
  ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("A config with every activation gives its layers in order", "[files][config]") {
  const ModelConfig config = parse_model_config(
      config_text(R"({"units": 5, "activation": "identity"}, {"units": 4, "activation": "sigmoid"},
                     {"units": 3, "activation": "tanh"}, {"units": 2, "activation": "relu"})"),
      "model.json");
  CHECK(config.inputs == 3);
  const std::vector<LayerConfig> expected{{5, Activation::kIdentity},
                                          {4, Activation::kSigmoid},
                                          {3, Activation::kTanh},
                                          {2, Activation::kRelu}};
  CHECK(config.layers == expected);
  CHECK(config.outputs() == 2);
}

TEST_CASE("Each loss name gives its Loss", "[files][config]") {
  const std::string layers = R"({"units": 2, "activation": "identity"})";
  CHECK(parse_model_config(config_text(layers, "sse"), "m.json").loss == Loss::kSse);
  CHECK(parse_model_config(config_text(layers, "mse"), "m.json").loss == Loss::kMse);
  CHECK(parse_model_config(config_text(layers, "softmax_cross_entropy"), "m.json").loss ==
        Loss::kSoftmaxCrossEntropy);
}

TEST_CASE("Loss names round-trip through to_string and parse_loss", "[files][config]") {
  for (Loss loss : {Loss::kSse, Loss::kMse, Loss::kSoftmaxCrossEntropy})
    CHECK(parse_loss(to_string(loss)) == loss);
  CHECK(to_string(Loss::kSoftmaxCrossEntropy) == "softmax_cross_entropy");
  CHECK_THROWS_WITH(parse_loss("hinge"),
                    Contains("'hinge'") && Contains("sse, mse, softmax_cross_entropy"));
}

TEST_CASE("Optional keys default to no name and no seed with bias on", "[files][config]") {
  const ModelConfig config = parse_model_config(config_text(kTwoLayers), "model.json");
  CHECK(config.name.empty());
  CHECK_FALSE(config.seed.has_value());
  CHECK(config.bias);
  CHECK(config.loss == Loss::kSse);
}

TEST_CASE("The optional name and seed and bias are read", "[files][config]") {
  const ModelConfig config = parse_model_config(
      config_text(kTwoLayers, "mse",
                  R"(, "name": "tiny", "seed": 18446744073709551615, "bias": false)"),
      "model.json");
  CHECK(config.name == "tiny");
  REQUIRE(config.seed.has_value());
  CHECK(*config.seed == 18446744073709551615u);
  CHECK_FALSE(config.bias);
  CHECK(parse_model_config(config_text(kTwoLayers, "sse", R"(, "seed": 0)"), "m.json").seed == 0u);
}

TEST_CASE("The largest allowed size is accepted", "[files][config]") {
  // 2^62 parameters: past the default limit on the count, which is another test's subject.
  const ScopedEnvironment no_count_limit("TAPEGRAD_MAX_PARAMETERS", "18446744073709551615");
  const ModelConfig config = parse_model_config(
      config_text(R"({"units": 2147483647, "activation": "relu"})", "sse", "", "2147483647"),
      "model.json");
  CHECK(config.inputs == kMaxConfigSize);
  CHECK(config.outputs() == kMaxConfigSize);
}

TEST_CASE("to_json round-trips through parse_model_config", "[files][config]") {
  ModelConfig full;
  full.name = "net \"quoted\" ünïcode";
  full.inputs = 7;
  full.layers = {{16, Activation::kRelu}, {8, Activation::kTanh}, {3, Activation::kIdentity}};
  full.loss = Loss::kSoftmaxCrossEntropy;
  full.bias = false;
  full.seed = 123456789012345ull;
  ModelConfig minimal;
  minimal.inputs = 1;
  minimal.layers = {{1, Activation::kSigmoid}};
  for (const ModelConfig& config : {full, minimal}) {
    const std::string text = to_json(config);
    CAPTURE(text);
    CHECK(parse_model_config(text, "round-trip.json") == config);
  }
  CHECK_THAT(to_json(minimal), StartsWith("{\n  \"inputs\": 1,"));  // keys in schema order
}

TEST_CASE("mlp_options builds the MLP the config describes", "[files][config]") {
  const ModelConfig config = parse_model_config(config_text(kTwoLayers), "model.json");
  MLP<double> model(config.mlp_options());
  CHECK(model.inputs() == 3);
  CHECK(model.outputs() == 1);
  CHECK(model.activations() ==
        std::vector<Activation>{Activation::kSigmoid, Activation::kIdentity});
  REQUIRE(model.parameters().size() == 4);
  CHECK(model.layers()[0]->weight.shape() == Shape{4, 3});

  const ModelConfig no_bias =
      parse_model_config(config_text(kTwoLayers, "sse", R"(, "bias": false)"), "model.json");
  MLP<float> float_model(no_bias.mlp_options());
  CHECK(float_model.parameters().size() == 2);
}

TEST_CASE("The config's seed makes initialisation reproducible through a generator",
          "[files][config]") {
  const ModelConfig config =
      parse_model_config(config_text(kTwoLayers, "sse", R"(, "seed": 42)"), "model.json");
  Generator first(*config.seed), second(*config.seed);
  MLP<double> a(config.mlp_options().generator(&first));
  MLP<double> b(config.mlp_options().generator(&second));
  const auto values_a = a.layers()[0]->weight.value().values();
  const auto values_b = b.layers()[0]->weight.value().values();
  CHECK(std::equal(values_a.begin(), values_a.end(), values_b.begin(), values_b.end()));

  Generator other(*config.seed + 1);
  MLP<double> c(config.mlp_options().generator(&other));
  CHECK(c.layers()[0]->weight.value()[0] != values_a[0]);
}

TEST_CASE("A wrong activation names the file and path and the accepted names",
          "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(
                 R"({"units": 4, "activation": "tanh"}, {"units": 1, "activation": "softmax"})")),
             Equals(R"(model.json: /layers/1/activation: expected one of identity, sigmoid, )"
                    R"(tanh, relu, got "softmax")"));
  CHECK_THAT(parse_error(config_text(R"({"units": 4, "activation": 1})")),
             Contains("/layers/0/activation: expected one of") && Contains("got 1"));
}

TEST_CASE("An unknown loss names the file and path and the accepted losses",
          "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(kTwoLayers, "cross_entropy")),
             Equals(R"(model.json: /loss: expected one of sse, mse, softmax_cross_entropy, )"
                    R"(got "cross_entropy")"));
}

TEST_CASE("inputs and units must be integers from 1 to 2147483647", "[files][config][errors]") {
  const std::vector<std::string> bad{
      "0",     "-1",   "3.5",  "3.0", "1e3", "\"3\"", "2147483648",
      "1e300", "null", "true", "[]",  "{}",  "-0",    "18446744073709551616"};
  for (const std::string& value : bad) {
    CAPTURE(value);
    const std::string as_inputs = parse_error(config_text(kTwoLayers, "sse", "", value));
    CHECK_THAT(as_inputs, StartsWith("model.json: /inputs: expected an integer from 1 to "
                                     "2147483647, got "));
    const std::string as_units =
        parse_error(config_text(R"({"units": 2, "activation": "relu"}, {"units": )" + value +
                                R"(, "activation": "relu"})"));
    CHECK_THAT(as_units, StartsWith("model.json: /layers/1/units: expected an integer from 1 "
                                    "to 2147483647, got "));
  }
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", "", "3.5")), Contains("got 3.5"));
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", "", "-1")), Contains("got -1"));
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", "", "\"3\"")),
             Contains("got the string \"3\"; write numbers without quotes"));
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", "", "[]")), Contains("got an empty array"));
}

TEST_CASE("A missing required key is named with its path", "[files][config][errors]") {
  CHECK_THAT(parse_error(R"({"layers": [{"units": 1, "activation": "relu"}], "loss": "sse"})"),
             Equals("model.json: /inputs: missing; this key is required"));
  CHECK_THAT(parse_error(R"({"inputs": 2, "loss": "sse"})"),
             Equals("model.json: /layers: missing; this key is required"));
  CHECK_THAT(parse_error(R"({"inputs": 2, "layers": [{"units": 1, "activation": "relu"}]})"),
             Equals("model.json: /loss: missing; this key is required"));
  CHECK_THAT(parse_error(config_text(R"({"units": 2, "activation": "relu"}, {"units": 1})")),
             Equals("model.json: /layers/1/activation: missing; this key is required"));
  CHECK_THAT(parse_error(config_text(R"({"activation": "relu"})")),
             Equals("model.json: /layers/0/units: missing; this key is required"));
}

TEST_CASE("layers must be a non-empty array of objects", "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text("")),
             StartsWith("model.json: /layers: expected a non-empty array of layers") &&
                 Contains("got an empty array"));
  CHECK_THAT(
      parse_error(R"({"inputs": 2, "layers": {"units": 1}, "loss": "sse"})"),
      StartsWith("model.json: /layers: expected a non-empty array") && Contains("got an object"));
  CHECK_THAT(parse_error(config_text(R"({"units": 2, "activation": "relu"}, 5)")),
             Equals("model.json: /layers/1: expected an object with the keys units, activation, "
                    "got 5"));
}

TEST_CASE("Unknown top-level keys are all named with a guess at the one meant",
          "[files][config][errors]") {
  const std::string message =
      parse_error(config_text(kTwoLayers, "sse", R"(, "sead": 1, "learning_rate": 0.1)"));
  CHECK_THAT(message, StartsWith("model.json: top level: unknown keys "));
  CHECK_THAT(message, Contains(R"("sead" (did you mean "seed"?))"));
  CHECK_THAT(message, Contains(R"("learning_rate")"));
  CHECK_THAT(message, Contains("the keys here are name, inputs, layers, loss, bias, seed"));
}

TEST_CASE("An unknown layer key is named with the layer's path", "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(R"({"unit": 4, "activation": "relu"})")),
             Equals(R"(model.json: /layers/0: unknown key "unit" (did you mean "units"?); )"
                    R"(the keys here are units, activation)"));
  CHECK_THAT(
      parse_error(config_text(
          R"({"units": 4, "activation": "relu"}, {"units": 1, "activation": "relu", "dropout": 0.5})")),
      StartsWith(R"(model.json: /layers/1: unknown key "dropout";)"));
}

TEST_CASE("A key given twice is rejected with its path", "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", R"(, "inputs": 4)")),
             Equals("model.json: /inputs: duplicate key; give each key once"));
  CHECK_THAT(
      parse_error(config_text(
          R"({"units": 4, "activation": "relu"}, {"units": 1, "units": 2, "activation": "relu"})")),
      Equals("model.json: /layers/1/units: duplicate key; give each key once"));
  // The same key in two different objects is not a duplicate.
  CHECK_NOTHROW(
      parse_model_config(config_text(kTwoLayers, "sse", R"(, "name": "a/b~c")"), "model.json"));
}

TEST_CASE("softmax_cross_entropy needs a last layer of at least 2 units and says why",
          "[files][config][errors]") {
  const std::string message = parse_error(config_text(kTwoLayers, "softmax_cross_entropy"));
  CHECK_THAT(message, StartsWith("model.json: /loss: \"softmax_cross_entropy\" needs at least 2 "
                                 "outputs, but the last layer (/layers/1) has 1 unit"));
  CHECK_THAT(message, Contains("softmax of a single output is always 1"));
  CHECK_THAT(message, Contains("\"sse\" or \"mse\""));
}

TEST_CASE("Optional keys of the wrong type are rejected with their path",
          "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", R"(, "name": 3)")),
             Equals("model.json: /name: expected a string, got 3"));
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", R"(, "bias": "yes")")),
             Equals(R"(model.json: /bias: expected true or false, got "yes")"));
  for (const std::string value : {"-1", "1.5", "18446744073709551616", "\"7\"", "null"}) {
    CAPTURE(value);
    CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", ", \"seed\": " + value)),
               StartsWith("model.json: /seed: expected an integer from 0 to "
                          "18446744073709551615, got "));
  }
}

TEST_CASE("A name with a control character is rejected with its path and place",
          "[files][config][errors]") {
  // The name titles SVG graphs and plots, where XML allows no such character: the files written
  // were malformed (a browser shows an error instead of the graph).
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", R"(, "name": "ünï\u0001x")")),
             Equals("model.json: /name: a control character (U+0001) at character 4; the name "
                    "titles graphs and plots, so it must be one line of printable text"));
  for (const std::string escape : {"\\u001b[31m", "\\n", "\\t", "\\u0000", "\\u007f"}) {
    CAPTURE(escape);
    CHECK_THAT(
        parse_error(config_text(kTwoLayers, "sse", ", \"name\": \"a" + escape + "\"")),
        StartsWith("model.json: /name: a control character (U+00") && Contains("at character 2;"));
  }
  CHECK(parse_model_config(config_text(kTwoLayers, "sse", R"(, "name": "net \"q\" ünïcode €")"),
                           "model.json")
            .name == "net \"q\" ünïcode €");
}

TEST_CASE("A top level that is not an object is rejected", "[files][config][errors]") {
  CHECK_THAT(parse_error("[1, 2]"),
             StartsWith("model.json: top level: expected an object with the keys name, inputs, "
                        "layers, loss, bias, seed, got an array"));
  CHECK_THAT(parse_error("\"model\""), EndsWith("got \"model\""));
}

TEST_CASE("A JSON syntax error gives the file and line and column and the parser's reason",
          "[files][config][errors]") {
  const std::string text = "{\n  \"inputs\": 3,\n  \"layers\": [}\n";
  const std::string message = parse_error(text);
  CHECK_THAT(message,
             StartsWith("model.json:3:14: invalid JSON: syntax error while parsing value"));
  CHECK_THAT(message, !Contains("[json.exception"));
}

TEST_CASE("A column after multi-byte characters counts characters", "[files][config][errors]") {
  CHECK_THAT(parse_error("{\"name\": \"ünï\" x}"), StartsWith("model.json:1:16: invalid JSON: "));
}

TEST_CASE("A syntax error at the end of the text points just past it", "[files][config][errors]") {
  CHECK_THAT(parse_error("{\"inputs\": 3"), StartsWith("model.json:1:13: invalid JSON: "));
  CHECK_THAT(parse_error("{\n"), StartsWith("model.json:2:1: invalid JSON: "));
  CHECK_THAT(parse_error(""), StartsWith("model.json:1:1: invalid JSON: "));
}

TEST_CASE("A number too large for a double is an error naming it", "[files][config][errors]") {
  CHECK_THAT(parse_error(config_text(kTwoLayers, "sse", "", "1e999")),
             StartsWith("model.json: invalid JSON: ") && Contains("1e999"));
}

TEST_CASE("A byte order mark before the JSON is accepted", "[files][config]") {
  CHECK(parse_model_config("\xEF\xBB\xBF" + config_text(kTwoLayers), "model.json").inputs == 3);
  CHECK_THAT(parse_error("\xEF\xBB\xBF{,}"), StartsWith("model.json:1:2: invalid JSON: "));
}

TEST_CASE("read_model_config reads a file and labels errors with its path", "[files][config]") {
  TemporaryFolder folder;
  const std::string path = (folder.path / "model.json").string();
  std::ofstream(path) << config_text(kTwoLayers, "mse");
  CHECK(read_model_config(path).loss == Loss::kMse);

  std::ofstream(path) << config_text(kTwoLayers, "hinge");
  CHECK_THROWS_WITH(read_model_config(path), StartsWith(path + ": /loss: "));
}

TEST_CASE("read_model_config names a file it cannot read and the reason",
          "[files][config][errors]") {
  TemporaryFolder folder;
  const std::string missing = (folder.path / "missing.json").string();
  CHECK_THROWS_WITH(read_model_config(missing),
                    Equals("cannot read '" + missing + "': No such file or directory"));
  CHECK_THROWS_WITH(read_model_config(folder.path.string()),
                    Equals("cannot read '" + folder.path.string() + "': Is a directory"));
}

TEST_CASE("parse_model_config survives thousands of mutated configs", "[files][config][fuzz]") {
  const std::string valid =
      R"({"name": "x~/y", "inputs": 2, "layers": [{"units": 3, "activation": "tanh"}, )"
      R"({"units": 2, "activation": "identity"}], "loss": "softmax_cross_entropy", )"
      R"("bias": false, "seed": 7})";
  const std::string bytes("{}[]\",:0-.e\\ a\n\xff\x01\0009", 20);
  std::size_t parsed = 0, rejected = 0;
  std::vector<std::string> escaped;  // inputs that threw something other than tapegrad::Error
  const auto attempt = [&](const std::string& text) {
    try {
      const ModelConfig config = parse_model_config(text, "fuzz.json");
      ++parsed;
      if (!(parse_model_config(to_json(config), "fuzz.json") == config))
        escaped.push_back("round trip differs: " + text);
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& error) {
      escaped.push_back(std::string(error.what()) + ": " + text);
    }
  };
  for (std::size_t at = 0; at <= valid.size(); ++at) {
    attempt(valid.substr(0, at));
    if (at == valid.size()) break;
    for (char byte : bytes) {
      std::string replaced = valid, inserted = valid;
      replaced[at] = byte;
      inserted.insert(inserted.begin() + static_cast<std::ptrdiff_t>(at), byte);
      attempt(replaced);
      attempt(inserted);
    }
    attempt(std::string(valid).erase(at, 1));
  }
  std::mt19937 engine(2024);  // the standard fixes mt19937's output: the same inputs everywhere
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text = valid;
    for (int k = 0; k < 3; ++k) text[engine() % text.size()] = static_cast<char>(engine() % 256);
    attempt(text);
  }
  INFO(escaped.size() << " escaped; first: " << (escaped.empty() ? "" : escaped.front()));
  CHECK(escaped.empty());
  CHECK(parsed + rejected > 8000);
  CHECK(parsed > 50);  // the mutations are small enough that some still parse
  CHECK(rejected > 5000);
}

TEST_CASE("A NUL byte in a config is an error, not the end of the text",
          "[files][config][errors]") {
  // Without the check, nlohmann's lexer would stop at the NUL and accept the config before it.
  const std::string text = config_text(kTwoLayers) + std::string(1, '\0') + "{\"junk";
  CHECK_THAT(parse_error(text), StartsWith("model.json:") && Contains("a NUL byte"));
}

}  // namespace file_files_config_test
