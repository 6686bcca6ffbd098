// The command line's second derivatives: `gradcheck --order 2` (every op, the seed MLP, a model
// from files) and `explain --hessian` (the seed network's ∂²E/∂v_h∂v_k = z_h z_k).
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "cli_support.hpp"
#include "tools/explain.hpp"
#include "tools/seed_example.hpp"

namespace file_tools_higher_order_cli_test {  // the file's own scope: the test programs are unity
                                              // builds

using namespace tapegrad;
using namespace tapegrad::tools;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;
using tapegrad::testing::write_file;

namespace {

// z_1..z_H of the seed example, by hand from its parameters.
std::vector<double> hidden_outputs(const SeedExample& e) {
  const auto W = e.network.hidden_weight().value().values();
  const auto w0 = e.network.hidden_bias().value().values();
  const std::size_t d = e.network.inputs();
  std::vector<double> z;
  for (std::size_t h = 0; h < e.network.hidden(); ++h) {
    double a = w0[h];
    for (std::size_t j = 0; j < d; ++j) a += W[h * d + j] * e.x.values()[j];
    z.push_back(1 / (1 + std::exp(-a)));
  }
  return z;
}

}  // namespace

TEST_CASE("tapegrad gradcheck --order 2 passes every op and the seed MLP", "[tools][order2]") {
  const auto run = run_tapegrad("gradcheck --order 2");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("seed MLP") != std::string::npos);
  CHECK(run.output.find("log_softmax") != std::string::npos);
  CHECK(run.output.find("FAIL") == std::string::npos);
  CHECK(run.output.find("every second derivative agrees") != std::string::npos);
  CHECK(run_tapegrad("gradcheck --order 3").status == 2);
  CHECK(run_tapegrad("gradcheck --order 2 --formula").status == 2);
}

TEST_CASE("tapegrad gradcheck --order 2 on a model from files, as a table and as JSON",
          "[tools][order2]") {
  TempFolder folder;
  write_file(folder.path / "m.json",
             R"({"inputs": 2, "loss": "mse", "layers": [{"units": 3, "activation": "tanh"},
                 {"units": 2, "activation": "identity"}]})");
  write_file(folder.path / "d.csv", "a,b,y0,y1\n0.5,-0.25,1,0\n-0.75,0.5,0,1\n0.1,0.9,0.5,0.5\n");
  REQUIRE(run_tapegrad("init --model m.json --dtype F64 --out w.safetensors", folder.path).status ==
          0);
  const std::string files = "--model m.json --weights w.safetensors --data d.csv";
  const auto table = run_tapegrad(fmt::format("gradcheck --order 2 {}", files), folder.path);
  INFO(table.output);
  CHECK(table.status == 0);
  CHECK(table.output.find("Second-derivative check of m.json over 3 rows") != std::string::npos);
  CHECK(table.output.find("first derivative of layers.0.weight as recorded") != std::string::npos);
  CHECK(table.output.find("layers.1.bias") != std::string::npos);
  CHECK(table.output.find("PASS: every second derivative agrees") != std::string::npos);

  const auto json = run_tapegrad(fmt::format("gradcheck --order 2 --json {}", files), folder.path);
  INFO(json.output);
  CHECK(json.status == 0);
  CHECK(json.output.find("\"order\": 2") != std::string::npos);
  CHECK(json.output.find("\"first_order_passed\": true") != std::string::npos);
}

TEST_CASE("tapegrad explain --hessian prints z zᵀ for the output layer, checked by autodiff",
          "[tools][order2]") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const SeedExample example = make_seed_example(3, 4, seed);
    std::vector<double> z{1.0};
    for (double v : hidden_outputs(example)) z.push_back(v);

    const SeedHessian h = seed_output_hessian(example);
    CHECK(h.agree);
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t k = 0; k < 5; ++k) {
        INFO("seed " << seed << ", v_" << i << ", v_" << k);
        CHECK(h.autodiff.values()[i * 5 + k] == Approx(z[i] * z[k]).epsilon(1e-12));
      }

    // The printed matrix, at 17 digits, holds the same numbers.
    const auto run = run_tapegrad(fmt::format("explain --hessian --seed {} --digits 17", seed));
    INFO(run.output);
    REQUIRE(run.status == 0);
    std::istringstream lines(run.output);
    std::string line;
    std::size_t row = 0;
    while (std::getline(lines, line) && row < 5) {
      if (!line.starts_with(fmt::format("{:>6}", fmt::format("v_{}", row)))) continue;
      std::istringstream numbers(line.substr(6));
      for (std::size_t k = 0; k < 5; ++k) {
        double value = 0;
        numbers >> value;
        CHECK(value == Approx(z[row] * z[k]).epsilon(1e-12));
      }
      ++row;
    }
    CHECK(row == 5);
  }
  CHECK(run_tapegrad("explain --hessian --model m.json --weights w --data d").status == 2);
}

}  // namespace file_tools_higher_order_cli_test
