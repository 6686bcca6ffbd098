// `tapegrad init`, `grad`, `gradcheck --model` and `train` on model files, run as a user runs
// them; the files they write are read back with the library's safetensors reader (itself tested
// against files built from the specification in tests/files).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "tapegrad.hpp"
#include "tools/gradcheck_report.hpp"
#include "tools/weights.hpp"

namespace file_tools_model_commands_test {  // the file's own scope: the test programs are unity
                                            // builds

namespace fs = std::filesystem;
using namespace tapegrad;
using tapegrad::testing::read_file;
using tapegrad::testing::Run;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;
using tapegrad::testing::write_file;

namespace {

const std::string kSeedConfig = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples/seed.json";

std::string config_json(std::size_t inputs, const std::vector<std::pair<int, std::string>>& layers,
                        const std::string& loss) {
  nlohmann::json config;
  config["inputs"] = inputs;
  config["loss"] = loss;
  for (const auto& [units, activation] : layers)
    config["layers"].push_back({{"units", units}, {"activation", activation}});
  return config.dump();
}

// A CSV of `rows` rows: inputs uniform in [-1, 1]; targets one-hot (valid for every loss) or, if
// !one_hot, uniform in [-1, 1]. Written with 17 significant digits, so it reads back exactly.
struct Data {
  std::vector<std::vector<double>> x, y;
};
Data write_data(const fs::path& path, std::size_t rows, std::size_t inputs, std::size_t outputs,
                bool one_hot, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  Data data;
  std::ostringstream csv;
  for (std::size_t j = 0; j < inputs; ++j) csv << "x" << j << ",";
  for (std::size_t k = 0; k < outputs; ++k) csv << "y" << k << (k + 1 < outputs ? "," : "\n");
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<double> x(inputs), y(outputs, 0.0);
    for (double& v : x) v = uniform(rng);
    if (one_hot)
      y[rng() % outputs] = 1;
    else
      for (double& v : y) v = uniform(rng);
    for (double v : x) csv << fmt::format("{:.17g},", v);
    for (std::size_t k = 0; k < outputs; ++k)
      csv << fmt::format("{:.17g}{}", y[k], k + 1 < outputs ? "," : "\n");
    data.x.push_back(x);
    data.y.push_back(y);
  }
  write_file(path, csv.str());
  return data;
}

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("tapegrad init writes torch-named weights, Glorot or He by activation, reproducibly",
          "[tools][init]") {
  TempFolder folder;
  write_file(folder.path / "m.json",
             config_json(3, {{5, "relu"}, {4, "tanh"}, {2, "identity"}}, "mse"));
  for (const char* dtype : {"F32", "F64"}) {
    INFO(dtype);
    const Run run = run_tapegrad(
        fmt::format("init --model m.json --seed 9 --dtype {} --out w.safetensors", dtype),
        folder.path);
    REQUIRE(run.status == 0);
    const TensorFile file = read_safetensors((folder.path / "w.safetensors").string());
    REQUIRE(file.tensors().size() == 6);
    const std::vector<std::pair<std::string, Shape>> expected{
        {"layers.0.weight", Shape{5, 3}}, {"layers.0.bias", Shape{5}},
        {"layers.1.weight", Shape{4, 5}}, {"layers.1.bias", Shape{4}},
        {"layers.2.weight", Shape{2, 4}}, {"layers.2.bias", Shape{2}}};
    // He for relu (fan in), Glorot for tanh and identity (fan in and out).
    const std::vector<double> bound{std::sqrt(6.0 / 3), std::sqrt(6.0 / (5 + 4)),
                                    std::sqrt(6.0 / (4 + 2))};
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const NamedTensor* tensor = file.find(expected[i].first);
      REQUIRE(tensor != nullptr);
      CHECK(tensor->shape() == expected[i].second);
      CHECK(to_string(tensor->dtype()) == dtype);
      std::visit(
          [&](const auto& t) {
            double largest = 0;
            for (auto v : t.values()) largest = std::max(largest, std::abs(double(v)));
            if (i % 2 == 0) {
              CHECK(largest <= bound[i / 2]);
              CHECK(largest > 0.3 * bound[i / 2]);  // spread over the range, not all near 0
            } else {
              CHECK(largest == 0);  // biases start at 0
            }
          },
          tensor->value);
    }
    const std::string first = read_file(folder.path / "w.safetensors");
    REQUIRE(run_tapegrad(
                fmt::format("init --model m.json --seed 9 --dtype {} --out w2.safetensors", dtype),
                folder.path)
                .status == 0);
    CHECK(read_file(folder.path / "w2.safetensors") == first);
    REQUIRE(run_tapegrad(
                fmt::format("init --model m.json --seed 10 --dtype {} --out w3.safetensors", dtype),
                folder.path)
                .status == 0);
    CHECK(read_file(folder.path / "w3.safetensors") != first);
  }
  CHECK(run_tapegrad("init --model m.json --dtype F16 --out w.safetensors", folder.path).status ==
        2);
}

TEST_CASE("init, load into a model, save: the same tensors bit for bit, in F32 and in F64",
          "[tools][init][files]") {
  TempFolder folder;
  write_file(folder.path / "m.json", config_json(4, {{3, "sigmoid"}, {2, "identity"}}, "sse"));
  auto round_trip = [&](auto zero, const char* dtype) {
    using T = decltype(zero);
    INFO(dtype);
    const fs::path path = folder.path / fmt::format("{}.safetensors", dtype);
    REQUIRE(run_tapegrad(fmt::format("init --model m.json --dtype {} --out {}", dtype,
                                     path.filename().string()),
                         folder.path)
                .status == 0);
    const TensorFile written = read_safetensors(path.string());
    MLP<T> net(MLPOptions(4).layer(3, Activation::kSigmoid).layer(2, Activation::kIdentity));
    tools::load_weights(path.string(), net);
    std::vector<std::pair<std::string, Tensor<T>>> values;
    for (const auto& [name, parameter] : net.named_parameters()) {
      CHECK(same_bits(parameter.value(), written.get<T>(name)));
      values.emplace_back(name, parameter.value());
    }
    const fs::path again = folder.path / "again.safetensors";
    tools::save_weights(again.string(), values);
    CHECK(read_file(again) == read_file(path));
  };
  round_trip(0.0f, "F32");
  round_trip(0.0, "F64");
}

TEST_CASE("tapegrad grad on the seed config equals the hand-derived formulas summed over rows",
          "[tools][grad][seed]") {
  // The reference derivation, with E summed over the rows (loss "sse"), the hidden bias b_h as
  // the weight of a constant input x_0 = 1 and the output bias as v_0:
  //   z_h = sigmoid(Σ_j w_hj x_j + b_h),  ŷ = Σ_h v_h z_h + v_0,  E = ½ Σ_rows (y − ŷ)²
  //   ∂E/∂v_h = −Σ (y − ŷ) z_h,   ∂E/∂v_0 = −Σ (y − ŷ)
  //   ∂E/∂w_hj = −Σ (y − ŷ) v_h z_h (1 − z_h) x_j,   ∂E/∂b_h = −Σ (y − ŷ) v_h z_h (1 − z_h)
  TempFolder folder;
  const Data data = write_data(folder.path / "d.csv", 12, 3, 1, false, 21);
  REQUIRE(run_tapegrad(fmt::format("init --model '{}' --dtype F64 --seed 4 --out w.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  const Run run = run_tapegrad(
      fmt::format("grad --model '{}' --weights w.safetensors --data d.csv --out g.safetensors",
                  kSeedConfig),
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const TensorFile weights = read_safetensors((folder.path / "w.safetensors").string());
  const TensorFile grads = read_safetensors((folder.path / "g.safetensors").string());
  REQUIRE(grads.tensors().size() == 4);
  for (const NamedTensor& g : grads.tensors()) CHECK(g.dtype() == DType::kF64);  // F64 in, F64 out

  const Tensor<double>& W = weights.get<double>("layers.0.weight");  // [4, 3]
  const Tensor<double>& b = weights.get<double>("layers.0.bias");
  const Tensor<double>& v = weights.get<double>("layers.1.weight");  // [1, 4]
  const double v0 = weights.get<double>("layers.1.bias")[0];
  std::vector<double> dW(12, 0.0), db(4, 0.0), dv(4, 0.0);
  double dv0 = 0;
  for (std::size_t r = 0; r < data.x.size(); ++r) {
    const std::vector<double>& x = data.x[r];
    double z[4], yhat = v0;
    for (std::size_t h = 0; h < 4; ++h) {
      double a = b[h];
      for (std::size_t j = 0; j < 3; ++j) a += W[h * 3 + j] * x[j];
      z[h] = 1 / (1 + std::exp(-a));
      yhat += v[h] * z[h];
    }
    const double residual = data.y[r][0] - yhat;
    dv0 += -residual;
    for (std::size_t h = 0; h < 4; ++h) {
      dv[h] += -residual * z[h];
      db[h] += -residual * v[h] * z[h] * (1 - z[h]);
      for (std::size_t j = 0; j < 3; ++j)
        dW[h * 3 + j] += -residual * v[h] * z[h] * (1 - z[h]) * x[j];
    }
  }
  auto check = [&](const char* name, const std::vector<double>& formula) {
    const Tensor<double>& autodiff = grads.get<double>(name);
    REQUIRE(autodiff.size() == formula.size());
    for (std::size_t i = 0; i < formula.size(); ++i) {
      INFO(name << "[" << i << "]: formula " << formula[i] << ", grad " << autodiff[i]);
      CHECK(std::abs(autodiff[i] - formula[i]) <= 1e-12 * std::max(1.0, std::abs(formula[i])));
    }
  };
  check("layers.0.weight", dW);
  check("layers.0.bias", db);
  check("layers.1.weight", dv);
  check("layers.1.bias", {dv0});

  // F32 weights give an F32 gradient, close to the same formulas.
  REQUIRE(run_tapegrad(fmt::format("init --model '{}' --dtype F32 --seed 4 --out w32.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  REQUIRE(run_tapegrad(fmt::format("grad --model '{}' --weights w32.safetensors --data d.csv "
                                   "--out g32.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  const TensorFile grads32 = read_safetensors((folder.path / "g32.safetensors").string());
  for (const NamedTensor& g : grads32.tensors()) CHECK(g.dtype() == DType::kF32);
}

TEST_CASE("tapegrad gradcheck passes models of every activation and loss, as a table and as JSON",
          "[tools][gradcheck]") {
  TempFolder folder;
  write_data(folder.path / "d.csv", 6, 3, 3, true, 5);
  for (const char* activation : {"identity", "sigmoid", "tanh", "relu"})
    for (const char* loss : {"sse", "mse", "softmax_cross_entropy"}) {
      INFO(activation << " with " << loss);
      write_file(folder.path / "m.json", config_json(3, {{4, activation}, {3, "identity"}}, loss));
      REQUIRE(
          run_tapegrad("init --model m.json --seed 2 --out w.safetensors", folder.path).status ==
          0);
      const Run table = run_tapegrad(
          "gradcheck --model m.json --weights w.safetensors --data d.csv", folder.path);
      INFO(table.output);
      CHECK(table.status == 0);
      CHECK_THAT(table.output, Catch::Contains("PASS"));
      CHECK_THAT(table.output, Catch::Contains("layers.1.bias"));
    }
  const Run json = run_tapegrad(
      "gradcheck --model m.json --weights w.safetensors --data d.csv --json --rows 4 "
      "--richardson",
      folder.path);
  INFO(json.output);
  REQUIRE(json.status == 0);
  const nlohmann::json report = nlohmann::json::parse(json.output);
  CHECK(report["passed"] == true);
  CHECK(report["options"]["richardson"] == true);
  REQUIRE(report["parameters"].size() == 4);
  CHECK(report["parameters"][0]["name"] == "layers.0.weight");
  CHECK(report["parameters"][0]["shape"] == nlohmann::json::array({4, 3}));
  CHECK(report["parameters"][0]["worst"].size() == 5);
  CHECK(report["parameters"][0]["worst"][0]["element"].size() == 2);  // [row, column]
}

TEST_CASE("tapegrad gradcheck reports relu at exactly 0 as a kink and passes",
          "[tools][gradcheck][kinks]") {
  TempFolder folder;
  write_file(folder.path / "m.json", config_json(2, {{2, "relu"}, {1, "identity"}}, "sse"));
  write_file(folder.path / "d.csv", "a,b,y\n1,2,0.5\n-0.5,0.25,1\n");
  // Unit 0's pre-activation on row 0 is 0.5·1 − 0.25·2 + 0 = 0 exactly: relu's kink.
  tools::save_weights<double>((folder.path / "w.safetensors").string(),
                              {{"layers.0.weight", Tensor<double>({2, 2}, {0.5, -0.25, 0.3, 0.7})},
                               {"layers.0.bias", Tensor<double>({2}, {0.0, 0.1})},
                               {"layers.1.weight", Tensor<double>({1, 2}, {1.5, -0.5})},
                               {"layers.1.bias", Tensor<double>({1}, {0.2})}});
  const Run run =
      run_tapegrad("gradcheck --model m.json --weights w.safetensors --data d.csv", folder.path);
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("PASS"));
  // The elements of unit 0 whose perturbation crosses the kink are named.
  auto kink_line = [&](const std::string& parameter, const std::string& element) {
    std::istringstream lines(run.output);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string p, e;
      fields >> p >> e;
      if (p == parameter && e == element && line.find("at a kink") != std::string::npos)
        return true;
    }
    return false;
  };
  CHECK(kink_line("layers.0.weight", "[0,0]"));
  CHECK(kink_line("layers.0.weight", "[0,1]"));
  CHECK(kink_line("layers.0.bias", "[0]"));
  CHECK_FALSE(kink_line("layers.0.weight", "[1,0]"));  // unit 1 is smooth on both rows
  const Run json = run_tapegrad(
      "gradcheck --model m.json --weights w.safetensors --data d.csv --json", folder.path);
  const nlohmann::json report = nlohmann::json::parse(json.output);
  CHECK(report["passed"] == true);
  CHECK(report["parameters"][0]["kinks"] == 2);
  REQUIRE(report["parameters"][0]["at_a_kink"].size() == 2);
  CHECK(report["parameters"][0]["at_a_kink"][0]["element"] == nlohmann::json::array({0, 0}));
  CHECK(report["parameters"][0]["at_a_kink"][1]["element"] == nlohmann::json::array({0, 1}));
  CHECK(report["parameters"][1]["at_a_kink"][0]["element"] == nlohmann::json::array({0}));
}

namespace {

// A sigmoid whose backward is planted wrong in one element (a factor 1.01 there).
class WrongSigmoidNode final : public Node<double> {
 public:
  explicit WrongSigmoidNode(std::size_t wrong) : wrong_(wrong) {}
  std::string_view name() const override { return "wrong_sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  void backward(const BackwardContext<double>& ctx) const override {
    const Value<double>& z = output();
    double* ga = ctx.input_grad(0, z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      ga[i] += ctx.grad_output()[i] * z.data[i] * (1 - z.data[i]) * (i == wrong_ ? 1.01 : 1.0);
  }

 private:
  std::size_t wrong_;
};

Var<double> wrong_sigmoid(const Var<double>& a, std::size_t wrong) {
  Op<double> op("wrong_sigmoid", a);
  double* z = op.output(op.input(0).shape);
  for (std::size_t i = 0; i < op.input(0).size(); ++i)
    z[i] = 1 / (1 + std::exp(-op.input(0).data[i]));
  return op.finish<WrongSigmoidNode>(wrong);
}

}  // namespace

TEST_CASE("the gradcheck report names the op, its position and the element of a planted bug",
          "[tools][gradcheck][locate]") {
  Parameter<double> w(Tensor<double>({3, 2}, {0.3, -0.2, 0.5, 0.1, -0.4, 0.25}), "layers.0.weight");
  Parameter<double> b(Tensor<double>({3}, {0.05, -0.1, 0.2}), "layers.0.bias");
  const Tensor<double> x({4, 2}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75, 1.0, -0.5});
  const Tensor<double> y({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0});
  const std::vector<Parameter<double>> params{w, b};
  auto model = [&](std::size_t wrong) {
    // linear (op 0), wrong_sigmoid (op 1), sse_loss (op 2)
    return [&, wrong] { return sse_loss(wrong_sigmoid(linear(x, w, b), wrong), Var<double>(y)); };
  };
  tools::GradcheckCommandOptions options;

  // The control: with no element planted wrong, the same report passes.
  const tools::GradcheckReport right = tools::gradcheck_report(params, model(99), options, "m");
  CHECK(right.status == 0);
  CHECK_THAT(right.text, Catch::Contains("PASS"));

  const std::size_t wrong = 7;  // element [2,1] of the [4, 3] pre-activation
  const tools::GradcheckReport table = tools::gradcheck_report(params, model(wrong), options, "m");
  INFO(table.text);
  CHECK(table.status == 1);
  CHECK_THAT(table.text, Catch::Contains("FAIL"));
  CHECK_THAT(table.text, Catch::Contains("wrong_sigmoid (op 1 on the tape)"));
  CHECK_THAT(table.text, Catch::Contains("input 0 element [2,1]"));

  options.json = true;
  const tools::GradcheckReport json = tools::gradcheck_report(params, model(wrong), options, "m");
  CHECK(json.status == 1);
  const nlohmann::json report = nlohmann::json::parse(json.text);
  CHECK(report["passed"] == false);
  CHECK(report["wrong_op"]["op"] == "wrong_sigmoid");
  CHECK(report["wrong_op"]["position"] == 1);
  CHECK(report["wrong_op"]["element"] == nlohmann::json::array({2, 1}));
  CHECK(report["wrong_op"]["output_shape"] == nlohmann::json::array({4, 3}));
  // Row 2 of x feeds every weight, so the planted error shows in both parameters.
  CHECK(report["parameters"][0]["passed"] == false);
  CHECK(report["parameters"][1]["passed"] == false);
  CHECK(report["parameters"][1]["worst"][0]["element"] ==
        nlohmann::json::array({1}));  // the unit of column 1
}

TEST_CASE("bad model files give exit status 2, name the file and leave the output alone",
          "[tools][files]") {
  TempFolder folder;
  write_file(folder.path / "m.json", config_json(3, {{4, "sigmoid"}, {1, "identity"}}, "sse"));
  write_file(folder.path / "other.json", config_json(3, {{5, "sigmoid"}, {1, "identity"}}, "sse"));
  write_data(folder.path / "d.csv", 5, 3, 1, false, 1);
  REQUIRE(run_tapegrad("init --model m.json --out w.safetensors", folder.path).status == 0);
  REQUIRE(run_tapegrad("init --model other.json --out other.safetensors", folder.path).status == 0);
  const std::string weights = read_file(folder.path / "w.safetensors");
  write_file(folder.path / "truncated.safetensors", weights.substr(0, weights.size() - 5));
  write_file(folder.path / "bad.json", "{\"inputs\": 3, \"layers\": [");
  write_file(folder.path / "typo.json",
             R"({"inputs": 3, "layer": [{"units": 1, "activation": "identity"}], "loss": "sse"})");
  write_file(folder.path / "bad.csv", "a,b,c,y\n1,2,3,4\n1,two,3,4\n");
  write_file(folder.path / "short.csv", "a,b,c,y\n1,2,3,4\n1,2,3\n");

  struct Case {
    std::string model, weights, data, message;
  };
  const std::vector<Case> cases{
      {"m.json", "other.safetensors", "d.csv", "layers.0.weight"},  // shapes of another config
      {"m.json", "truncated.safetensors", "d.csv", "truncated.safetensors"},
      {"m.json", "missing.safetensors", "d.csv", "missing.safetensors"},
      {"bad.json", "w.safetensors", "d.csv", "bad.json"},
      {"typo.json", "w.safetensors", "d.csv", "layer"},
      {"m.json", "w.safetensors", "bad.csv", "bad.csv:3"},
      {"m.json", "w.safetensors", "short.csv", "short.csv:3"},
  };
  for (const Case& c : cases) {
    const std::string files =
        fmt::format("--model {} --weights {} --data {}", c.model, c.weights, c.data);
    for (const std::string& command :
         {"grad " + files + " --out out.safetensors", "gradcheck " + files,
          "train " + files + " --epochs 1 --out out.safetensors", "dot " + files + " out.dot"}) {
      INFO(command);
      write_file(folder.path / "out.safetensors", "old");
      const Run run = run_tapegrad(command, folder.path);
      INFO(run.output);
      CHECK(run.status == 2);
      CHECK_THAT(run.output, Catch::Contains(c.message));
      CHECK(read_file(folder.path / "out.safetensors") == "old");
      CHECK_FALSE(fs::exists(folder.path / "out.dot"));
    }
  }
  // A weights file holding F32 and F64 tensors at once is refused rather than guessed at.
  const TensorFile read = read_safetensors((folder.path / "w.safetensors").string());
  TensorFile mixed;
  for (const NamedTensor& tensor : read.tensors())
    if (&tensor == &read.tensors().front())
      mixed.add(tensor.name, Tensor<double>(tensor.shape()));
    else
      mixed.add(tensor);
  write_safetensors((folder.path / "mixed.safetensors").string(), mixed);
  const Run run = run_tapegrad(
      "grad --model m.json --weights mixed.safetensors --data d.csv --out out.safetensors",
      folder.path);
  CHECK(run.status == 2);
  CHECK_THAT(run.output, Catch::Contains("one element type"));
}

TEST_CASE("tapegrad train lowers the loss and writes weights, a CSV log and an SVG plot",
          "[tools][train]") {
  TempFolder folder;
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  REQUIRE(run_tapegrad(fmt::format("init --model '{}' --dtype F64 --seed 3 --out w.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  auto train = [&](const std::string& out) {
    return run_tapegrad(
        fmt::format("train --model '{0}' --weights w.safetensors --data '{1}/seed-train.csv' "
                    "--val '{1}/seed-val.csv' --epochs 25 --lr 0.05 --batch 8 --optimizer adam "
                    "--out {2} --log log.csv --plot loss.svg",
                    kSeedConfig, examples, out),
        folder.path);
  };
  const Run run = train("w2.safetensors");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(run.output.find('\r') == std::string::npos);  // not a terminal: plain lines
  CHECK_THAT(run.output, Catch::Contains("epoch 25/25"));

  // The log: a header and one line per epoch, with the training loss falling.
  std::istringstream log(read_file(folder.path / "log.csv"));
  std::string line;
  std::getline(log, line);
  CHECK(line == "epoch,train_loss_per_row,validation_loss_per_row,seconds,examples_per_second");
  std::vector<double> train_loss, validation_loss;
  while (std::getline(log, line)) {
    std::istringstream fields(line);
    std::string epoch, loss, validation;
    std::getline(fields, epoch, ',');
    std::getline(fields, loss, ',');
    std::getline(fields, validation, ',');
    train_loss.push_back(std::stod(loss));
    validation_loss.push_back(std::stod(validation));
  }
  REQUIRE(train_loss.size() == 25);
  CHECK(train_loss.back() < 0.9 * train_loss.front());
  CHECK(validation_loss.back() < validation_loss.front());

  const std::string svg = read_file(folder.path / "loss.svg");
  CHECK_THAT(svg, Catch::Contains("<svg"));
  CHECK_THAT(svg, Catch::Contains("epoch"));

  // The trained weights: F64 like the weights given, under the same names, and different.
  const TensorFile before = read_safetensors((folder.path / "w.safetensors").string());
  const TensorFile after = read_safetensors((folder.path / "w2.safetensors").string());
  REQUIRE(after.tensors().size() == before.tensors().size());
  for (const NamedTensor& t : before.tensors()) {
    REQUIRE(after.find(t.name) != nullptr);
    CHECK(after.find(t.name)->dtype() == DType::kF64);
    CHECK_FALSE(same_bits(after.get<double>(t.name), before.get<double>(t.name)));
  }
  // The same run again gives the same weights, bit for bit (seeded batch order).
  REQUIRE(train("w3.safetensors").status == 0);
  CHECK(read_file(folder.path / "w3.safetensors") == read_file(folder.path / "w2.safetensors"));
}

TEST_CASE("tapegrad train --weight-decay and --clip-grad-norm: one step is the rule written out",
          "[tools][train]") {
  // One epoch of one full batch, so one step from the initial weights with the gradient `grad`
  // writes. Clipping: every gradient times c = max/(‖g‖ + 1e-6) if c < 1 (torch's). Then
  //   sgd:   θ − η(g + λθ)
  //   adamw: θ(1 − ηλ) − η·ĝ/(|ĝ| + ε) (Adam's first step: m̂ = ĝ, v̂ = ĝ²)
  TempFolder folder;
  write_data(folder.path / "d.csv", 10, 3, 1, false, 22);
  REQUIRE(run_tapegrad(fmt::format("init --model '{}' --dtype F64 --seed 5 --out w.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  REQUIRE(run_tapegrad(fmt::format("grad --model '{}' --weights w.safetensors --data d.csv "
                                   "--out g.safetensors",
                                   kSeedConfig),
                       folder.path)
              .status == 0);
  const TensorFile weights = read_safetensors((folder.path / "w.safetensors").string());
  const TensorFile grads = read_safetensors((folder.path / "g.safetensors").string());
  double norm = 0;
  for (const NamedTensor& g : grads.tensors())
    for (double v : grads.get<double>(g.name).values()) norm += v * v;
  norm = std::sqrt(norm);
  const double lr = 0.1, lambda = 0.2, max_norm = 0.5 * norm;  // clipping halves the gradient
  const double c = max_norm / (norm + 1e-6);
  for (const std::string optimizer : {"sgd", "adamw"}) {
    INFO(optimizer);
    const Run run = run_tapegrad(
        fmt::format(
            "train --model '{}' --weights w.safetensors --data d.csv --epochs 1 --lr {} "
            "--optimizer {} --weight-decay {} --clip-grad-norm {:.17g} --out {}.safetensors "
            "--quiet",
            kSeedConfig, lr, optimizer, lambda, max_norm, optimizer),
        folder.path);
    INFO(run.output);
    REQUIRE(run.status == 0);
    const TensorFile trained =
        read_safetensors((folder.path / (optimizer + ".safetensors")).string());
    for (const NamedTensor& t : weights.tensors()) {
      const Tensor<double>& theta = weights.get<double>(t.name);
      const Tensor<double>& g = grads.get<double>(t.name);
      const Tensor<double>& after = trained.get<double>(t.name);
      for (std::size_t i = 0; i < theta.size(); ++i) {
        const double gi = c * g[i];
        const double expected =
            optimizer == std::string("sgd")
                ? theta[i] - lr * (gi + lambda * theta[i])
                : theta[i] * (1 - lr * lambda) - lr * gi / (std::abs(gi) + 1e-8);
        CAPTURE(t.name, i);
        CHECK(after[i] == Approx(expected).epsilon(1e-12).margin(1e-12));
      }
    }
  }
  // The flags are checked: a negative decay or a zero norm is refused, naming the flag.
  const Run bad = run_tapegrad(
      fmt::format("train --model '{}' --weights w.safetensors --data d.csv --weight-decay -1 "
                  "--out x.safetensors",
                  kSeedConfig),
      folder.path);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Catch::Contains("--weight-decay"));
  const Run zero = run_tapegrad(
      fmt::format("train --model '{}' --weights w.safetensors --data d.csv --clip-grad-norm 0 "
                  "--out x.safetensors",
                  kSeedConfig),
      folder.path);
  CHECK(zero.status == 2);
  CHECK_THAT(zero.output, Catch::Contains("--clip-grad-norm"));
  CHECK_FALSE(fs::exists(folder.path / "x.safetensors"));
}

TEST_CASE("tapegrad dot draws one row of a model from files", "[tools][dot]") {
  TempFolder folder;
  write_data(folder.path / "d.csv", 3, 3, 1, false, 8);
  REQUIRE(
      run_tapegrad(fmt::format("init --model '{}' --out w.safetensors", kSeedConfig), folder.path)
          .status == 0);
  const std::string files =
      fmt::format("--model '{}' --weights w.safetensors --data d.csv", kSeedConfig);
  const Run run = run_tapegrad(fmt::format("dot {} --row 2 g.dot", files), folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const std::string dot = read_file(folder.path / "g.dot");
  CHECK_THAT(dot, Catch::Contains("layers.0.weight"));
  CHECK_THAT(dot, Catch::Contains("row 2 of d.csv"));
  const Run past_end = run_tapegrad(fmt::format("dot {} --row 3 h.dot", files), folder.path);
  CHECK(past_end.status == 2);
  CHECK_THAT(past_end.output, Catch::Contains("has 3 rows"));
  CHECK_FALSE(fs::exists(folder.path / "h.dot"));
}

TEST_CASE("tapegrad train --detect-anomaly names the op where the loss overflows",
          "[tools][train][anomaly]") {
  TempFolder folder;
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  REQUIRE(
      run_tapegrad(fmt::format("init --model '{}' --out w.safetensors", kSeedConfig), folder.path)
          .status == 0);
  // A learning rate of 1e30 sends the float weights past 1e30 in one step; ½(y − ŷ)² then
  // overflows.
  const std::string train = fmt::format(
      "train --model '{}' --weights w.safetensors --data '{}/seed-train.csv' --epochs 2 --lr "
      "1e30 --batch 8 --out out.safetensors",
      kSeedConfig, examples);
  const Run checked = run_tapegrad(train + " --detect-anomaly", folder.path);
  INFO(checked.output);
  CHECK(checked.status == 1);
  CHECK_THAT(checked.output,
             Catch::Contains("anomaly: the forward of sse_loss (op 3 on the tape)") &&
                 Catch::Contains("its value is inf"));
  CHECK_FALSE(fs::exists(folder.path / "out.safetensors"));
  // Without it the training notices only at the end of the epoch, and cannot say where.
  const Run unchecked = run_tapegrad(train, folder.path);
  CHECK(unchecked.status == 2);
  CHECK_THAT(unchecked.output, Catch::Contains("the loss diverged: it became NaN in epoch 1") &&
                                   Catch::Contains("try a smaller --lr"));
}

}  // namespace file_tools_model_commands_test
