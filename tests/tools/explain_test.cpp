// `tapegrad explain` (tools/explain.hpp): the derivation's factors multiply to autodiff's
// gradient for every element of the seed network, the printed numbers do too, the sum over
// paths is `tapegrad grad`'s gradient for a model where paths branch, and a planted wrong
// derivative is reported.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "../support/wrong_sigmoid.hpp"
#include "cli_support.hpp"
#include "graph/tape.hpp"
#include "models/io/safetensors.hpp"
#include "models/seed/seed_network.hpp"
#include "ops/ops.hpp"
#include "tools/explain.hpp"
#include "tools/viewer.hpp"

namespace file_tools_explain_test {  // the file's own scope: the test programs are unity builds

namespace fs = std::filesystem;
using namespace tapegrad;
using namespace tapegrad::tools;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;
using tapegrad::testing::write_file;

namespace {

bool close_relative(double a, double b, double rtol = 1e-12) {
  return std::abs(a - b) <= rtol * std::max({std::abs(a), std::abs(b), 1e-300});
}

// The value after `label` on the first line of `text` that contains it.
double value_after(const std::string& text, std::string_view label) {
  const std::size_t at = text.find(label);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + label.size()));
}

// The numbers of a line "= a × b × (−c) × d" (negative numbers in parentheses).
std::vector<double> factors_of(std::string line) {
  std::vector<double> out;
  for (char& c : line)
    if (c == '(' || c == ')' || c == '=') c = ' ';
  std::size_t start = 0;
  while (true) {
    const std::size_t cross = line.find("×", start);
    out.push_back(std::stod(line.substr(start, cross - start)));
    if (cross == std::string::npos) break;
    start = cross + std::string_view("×").size();
  }
  return out;
}

}  // namespace

TEST_CASE("explain: the derivation's factors multiply to autodiff's gradient, every element",
          "[tools][explain]") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const ExplainSubject subject = seed_subject(3, 4, seed);
    const SeedExample& example = *subject.seed;
    // The derivation's updates evaluated by another implementation (models/seed_network.cpp):
    // ∂E/∂θ = −Δθ at η = 1.
    const SeedUpdates<double> updates =
        hand_derived_updates(example.network, example.x, example.y[0], 1.0);
    const std::vector<std::string> elements = parameter_elements(subject);
    REQUIRE(elements.size() == 4 * 3 + 4 + 4 + 1);
    for (const std::string& element : elements) {
      INFO(element << ", seed " << seed);
      const Explanation e = explain(subject, element);
      REQUIRE(e.chain);
      const bool hidden = element.starts_with("layers.0.");
      CHECK(e.chain->factors.size() == (hidden ? 4u : 2u));
      double product = 1;
      for (const ChainFactor& f : e.chain->factors) product *= f.value;
      CHECK(close_relative(product, e.autodiff));
      CHECK(close_relative(e.paths.total, e.autodiff));
      CHECK(e.paths.count == 1);
      CHECK(e.agree);

      double formula = 0;
      if (element == "layers.1.bias[0]")
        formula = -updates.dv0;
      else if (element.starts_with("layers.1.weight[0,"))
        formula = -updates.dv[static_cast<std::size_t>(element[18] - '0')];
      else if (element.starts_with("layers.0.bias["))
        formula = -updates.dw0[static_cast<std::size_t>(element[14] - '0')];
      else
        formula = -updates.dW[static_cast<std::size_t>(element[16] - '0') * 3 +
                              static_cast<std::size_t>(element[18] - '0')];
      CHECK(close_relative(product, formula));
    }
  }
}

TEST_CASE("explain: derivation names and the printed chain for w_hj", "[tools][explain]") {
  const ExplainSubject subject = seed_subject(3, 4, 2);
  const Explanation e = explain(subject, "w_2,3");
  CHECK(e.element == "layers.0.weight[1,2]");
  CHECK(e.chain->derivation == "w_23");
  CHECK(e.text.find("∂E/∂w_23 = ∂E/∂ŷ · ∂ŷ/∂z_2 · ∂z_2/∂a_2 · ∂a_2/∂w_23") != std::string::npos);
  CHECK(e.text.find("= −(y − ŷ) · v_2 · z_2(1 − z_2) · x_3") != std::string::npos);
  CHECK(explain(subject, "w_23").element == "layers.0.weight[1,2]");
  CHECK(explain(subject, "w_2,0").element == "layers.0.bias[1]");
  CHECK(explain(subject, "v_0").element == "layers.1.bias[0]");
  CHECK(explain(subject, "v_4").element == "layers.1.weight[0,3]");
  CHECK_THROWS_WITH(explain(subject, "v_5"), Catch::Contains("no parameter element 'v_5'"));
  CHECK_THROWS_WITH(explain(subject, "w_1,4"),
                    Catch::Contains("layers.0.weight [4,3]: layers.0.weight[i,j] with i 0..3, "
                                    "j 0..2; or w_hj with h 1..4, j 1..3"));
  CHECK_THROWS_WITH(explain(subject, ""), Catch::Contains("an empty name"));
  CHECK_THROWS_WITH(explain(subject, "x[0]"), Catch::Contains("no parameter element"));
}

TEST_CASE("tapegrad explain prints factors whose product is autodiff's value (17 digits)",
          "[tools][explain]") {
  for (const char* param : {"w_2,3", "w_1,0", "v_3", "v_0"}) {
    const auto run = run_tapegrad(fmt::format("explain --seed 4 --param {} --digits 17", param));
    INFO(run.output);
    REQUIRE(run.status == 0);
    // The chain's fourth line holds the factors' values: "            = a × b × c × d".
    std::istringstream lines(run.output);
    std::string line, numbers;
    int chain_line = -1;
    while (std::getline(lines, line)) {
      if (line.find("∂E/∂") != std::string::npos && line.find(" = ∂E/∂ŷ") != std::string::npos)
        chain_line = 0;
      else if (chain_line >= 0 && ++chain_line == 3)
        numbers = line;
    }
    REQUIRE(!numbers.empty());
    double product = 1;
    for (double f : factors_of(numbers)) product *= f;
    const double autodiff = value_after(run.output, "autodiff (backward):");
    CHECK(close_relative(product, autodiff));
    CHECK(run.output.find("agree:") != std::string::npos);
  }
}

TEST_CASE(
    "tapegrad explain: paths of a 2-hidden-layer, 2-output model on a batch sum to "
    "tapegrad grad's gradient",
    "[tools][explain]") {
  TempFolder folder;
  write_file(folder.path / "m.json",
             R"({"inputs": 3, "layers": [{"units": 4, "activation": "tanh"},
                 {"units": 3, "activation": "sigmoid"}, {"units": 2, "activation": "identity"}],
                 "loss": "sse"})");
  write_file(folder.path / "d.csv",
             "x0,x1,x2,y0,y1\n0.5,-0.25,0.75,1,-1\n-0.5,0.125,0.3,0.2,0.4\n0.9,0.1,-0.7,0,1\n");
  REQUIRE(run_tapegrad("init --model m.json --dtype F64 --seed 3 --out w.safetensors", folder.path)
              .status == 0);
  REQUIRE(run_tapegrad("grad --model m.json --weights w.safetensors --data d.csv --out "
                       "g.safetensors",
                       folder.path)
              .status == 0);
  const TensorFile grads = read_safetensors((folder.path / "g.safetensors").string());
  const Tensor<double>& g0 = grads.get<double>("layers.0.weight");

  const std::string files = "--model m.json --weights w.safetensors --data d.csv";
  const auto run = run_tapegrad(
      fmt::format("explain {} --param 'layers.0.weight[1,2]' --paths 2 --digits 17", files),
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  // Every row, then each of the 3 units of the second layer, then each of the 2 outputs.
  CHECK(run.output.find("to E on the element graph: 18 (the 2 with the largest |product| "
                        "shown)") != std::string::npos);
  CHECK(run.output.find("path 2:") != std::string::npos);
  CHECK(run.output.find("path 3:") == std::string::npos);
  CHECK(run.output.find("the other 16 paths together:") != std::string::npos);
  CHECK(run.output.find("DISAGREE") == std::string::npos);
  CHECK(close_relative(value_after(run.output, "sum over the paths:"), g0[1 * 3 + 2], 1e-12));
  CHECK(close_relative(value_after(run.output, "autodiff (backward):"), g0[1 * 3 + 2], 1e-12));
  CHECK(std::abs(value_after(run.output, "finite difference:") - g0[1 * 3 + 2]) <
        1e-6 + 1e-5 * std::abs(g0[1 * 3 + 2]));

  // One row: paths through that row only.
  const auto one = run_tapegrad(
      fmt::format("explain {} --row 1 --param 'layers.1.weight[0,0]' --paths 10", files),
      folder.path);
  INFO(one.output);
  CHECK(one.status == 0);
  CHECK(one.output.find("row 1 of d.csv") != std::string::npos);
  CHECK(one.output.find("to E on the element graph: 2\n") != std::string::npos);

  // Bad input: exit status 2, a message, no explanation.
  const auto bad_param =
      run_tapegrad(fmt::format("explain {} --param 'w_1,1'", files), folder.path);
  CHECK(bad_param.status == 2);
  CHECK(bad_param.output.find("no parameter element 'w_1,1'") != std::string::npos);
  const auto bad_row = run_tapegrad(fmt::format("explain {} --row 3", files), folder.path);
  CHECK(bad_row.status == 2);
  CHECK(bad_row.output.find("--row 3 but d.csv has 3 rows (0 to 2)") != std::string::npos);
  const auto partial = run_tapegrad("explain --model m.json", folder.path);
  CHECK(partial.status == 2);
  CHECK(partial.output.find("go together") != std::string::npos);
  CHECK(run_tapegrad("explain --row 1").status == 2);
}

TEST_CASE("tapegrad explain: a malformed command line is bad input, exit status 2",
          "[tools][explain]") {
  for (const char* arguments : {"explain --digits 30", "explain --paths 0", "explain --paths x",
                                "explain --no-such-flag", "explain --eps -1"}) {
    const auto run = run_tapegrad(arguments);
    INFO(arguments << ": " << run.output);
    CHECK(run.status == 2);
  }
  // A step too small to move the weight is refused, not reported as a disagreement.
  const auto tiny = run_tapegrad("explain --eps 1e-300");
  CHECK(tiny.status == 2);
  CHECK(tiny.output.find("--eps must be 0 (fitted to double precision) or a relative step from "
                         "1e-12 to 0.1, got '1e-300'") != std::string::npos);
  CHECK(run_tapegrad("explain --help").status == 0);
}

TEST_CASE("explain reports a planted wrong derivative: the finite difference disagrees",
          "[tools][explain]") {
  // E = Σ wrong_sigmoid(p): the planted backward gives 2σ(1−σ); the finite difference sees the
  // forward, σ(1−σ). The paths agree with autodiff (both read the same backward), so the finite
  // difference is what catches it.
  Parameter<double> p(Tensor<double>({2}, {0.3, -0.8}), "p");
  ExplainSubject subject;
  subject.title = "a planted wrong sigmoid";
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    Var<double> E = sum(testing::wrong_sigmoid(p).named("z")).named("E");
    E.backward();
    subject.expanded = expanded_view(tape, E);
  }
  subject.parameters = {{"p", p}};
  subject.loss = [p] {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    NoGradGuard no_grad;
    return sum(testing::wrong_sigmoid(p)).item();
  };
  const Explanation e = explain(subject, "p[1]");
  const double s = 1 / (1 + std::exp(0.8));
  CHECK(e.autodiff == Approx(2 * s * (1 - s)).epsilon(1e-12));
  CHECK(e.finite_difference == Approx(s * (1 - s)).epsilon(1e-8));
  CHECK_FALSE(e.agree);
  CHECK(e.text.find("DISAGREE: the finite difference is not autodiff's value") !=
        std::string::npos);
  CHECK(p.values()[1] == -0.8);  // restored after the finite difference

  // And the sum over paths, when a factor in the graph is wrong.
  ExplainSubject tampered = subject;
  for (GraphEdge edge : boost::make_iterator_range(boost::edges(tampered.expanded)))
    tampered.expanded[edge].factor *= 0.5;
  const Explanation t = explain(tampered, "p[0]");
  CHECK_FALSE(t.agree);
  CHECK(t.text.find("the sum over paths is not autodiff's value") != std::string::npos);
}

}  // namespace file_tools_explain_test
