// Every op against PyTorch (Debian's python3-torch), in double: the forward value, the gradient
// (∂y/∂x)ᵀu for a random u, and the second-order product ∂⟨g, w⟩/∂x for a random w, for every
// case of the op catalog on random inputs, and for edge cases at ties, kinks, zeros, infinities,
// empty axes and single elements (tests/ops/torch_edge_cases.hpp). PyTorch runs once, in one
// Python process, over all the cases (tests/ops/torch_reference.py). Without python3-torch the
// test fails and says what to install.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "graph/higher_order.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "torch_edge_cases.hpp"

namespace file_ops_torch_reference_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using nlohmann::json;

namespace {

// One case to compare: the call, its PyTorch expression, the inputs and the random directions.
struct Comparison {
  std::string name;
  OpCase<double>::Call call;
  std::string torch;
  std::vector<Tensor<double>> x;
  Tensor<double> u;               // the output's cotangent
  std::vector<Tensor<double>> w;  // per input, the direction of the second-order product
  // tapegrad's answers
  Tensor<double> y;
  std::vector<Tensor<double>> g, h;
  bool compare_second_order = true;
};

Tensor<double> random_like(const Shape& shape, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-1, 1);
  Tensor<double> t(shape);
  for (double& v : t.values()) v = uniform(rng);
  return t;
}

// tapegrad's y, g = (∂y/∂x)ᵀu and h = ∂⟨g, w⟩/∂x (the gradient recorded, then differentiated).
void run_tapegrad(Comparison& c, std::mt19937_64& rng) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : c.x) vars.push_back(tape.variable(t, true));
  const Var<double> y = c.call(vars);
  c.y = y.to_tensor();
  c.u = random_like(y.shape(), rng);
  for (const Tensor<double>& t : c.x) c.w.push_back(random_like(t.shape(), rng));
  const std::vector<Var<double>> g =
      grad(y, std::span<const Var<double>>(vars), {.create_graph = true}, Var<double>(c.u));
  Var<double> pairing;
  for (std::size_t k = 0; k < g.size(); ++k) {
    c.g.push_back(g[k].to_tensor());
    const Var<double> term = sum(mul(g[k], Var<double>(c.w[k])));
    pairing = pairing.defined() ? add(pairing, term) : term;
  }
  if (pairing.defined() && pairing.requires_grad()) {
    for (const Var<double>& hk : grad(pairing, std::span<const Var<double>>(vars)))
      c.h.push_back(hk.to_tensor());
  } else {
    for (const Tensor<double>& t : c.x) c.h.emplace_back(t.shape());
  }
}

json encode(const Tensor<double>& t) {
  json values = json::array();
  for (const double v : t.values())
    values.push_back(std::isfinite(v) ? json(v) : json(fmt::format("{}", v)));
  return values;
}

double decode(const json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::nan("");
  return s == "inf" ? INFINITY : -INFINITY;
}

// Both sides agree if |Δ| ≤ 1e-10·(|reference| + scale), the scale being the largest |value| of
// the tensor: it stands for the magnitude of the terms summed into each element, so that a sum
// that cancels to nearly nothing is held to the precision of its terms, not of its result.
// Infinities and NaN must match exactly.
void compare(const std::string& what, const Tensor<double>& ours, const json& theirs) {
  INFO(what);
  REQUIRE(ours.size() == theirs.size());
  double scale = 0;
  for (const json& v : theirs)
    if (const double r = decode(v); std::isfinite(r)) scale = std::max(scale, std::abs(r));
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double a = ours.values()[i], r = decode(theirs[i]);
    INFO("element " << ours.shape().index_str(i) << ": tapegrad " << a << ", torch " << r);
    if (!std::isfinite(r)) {
      CHECK((std::isnan(r) ? std::isnan(a) : a == r));
    } else {
      CHECK(std::abs(a - r) <= 1e-10 * (std::abs(r) + scale));
    }
  }
}

// The ops whose catalog cases PyTorch cannot compute, and why; every other case must have a
// torch expression.
const std::map<std::string, std::string> kWithoutTorch = {
    {"dropout",
     "its mask is drawn from tapegrad's Generator, which torch cannot reproduce; "
     "tests/ops/analytic_dropout_test.cpp checks its statistics instead"},
};

std::vector<Comparison> all_cases() {
  std::vector<Comparison> cases;
  std::mt19937_64 rng(20261202);
  for (const OpCase<double>& c : op_catalog<double>()) {
    if (c.torch.empty()) {
      INFO(c.op << ": " << c.description << " has no torch expression");
      REQUIRE(kWithoutTorch.count(c.op) == 1);
      continue;
    }
    for (int trial = 0; trial < 2; ++trial) {
      Comparison cmp{c.op + ": " + c.description, c.call, c.torch, {}, {}, {}, {}, {}, {}, true};
      for (std::size_t k = 0; k < c.inputs.size(); ++k) cmp.x.push_back(catalog_input(c, k, rng));
      cases.push_back(std::move(cmp));
    }
  }
  for (const testing::EdgeCase& e : testing::torch_edge_cases())
    cases.push_back(
        {e.name, e.call, e.torch, e.inputs, {}, {}, {}, {}, {}, e.second_order_differs.empty()});
  for (Comparison& c : cases) {
    INFO(c.name);
    run_tapegrad(c, rng);
  }
  return cases;
}

}  // namespace

TEST_CASE("every op agrees with PyTorch: values, gradients and second derivatives",
          "[ops][torch]") {
  const std::filesystem::path python = "/usr/bin/python3";
  const std::filesystem::path script =
      std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests/ops/torch_reference.py";
  const int probe = std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1");
  if (probe != 0)
    FAIL(
        "PyTorch is not available to /usr/bin/python3; install Debian's python3-torch "
        "(scripts/install-deps.sh does) to run the differential test");

  std::vector<Comparison> cases = all_cases();
  json request = json::array();
  for (const Comparison& c : cases) {
    json inputs = json::array();
    for (const Tensor<double>& t : c.x)
      inputs.push_back({{"shape", json(std::vector<std::uint32_t>(t.shape().dims().begin(),
                                                                  t.shape().dims().end()))},
                        {"values", encode(t)}});
    json w = json::array();
    for (const Tensor<double>& t : c.w) w.push_back(encode(t));
    request.push_back({{"torch", c.torch}, {"inputs", inputs}, {"u", encode(c.u)}, {"w", w}});
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("tapegrad-torch-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cases.json") << request.dump();
  const std::string command =
      fmt::format("{} {} {} {}", python.string(), script.string(), (dir / "cases.json").string(),
                  (dir / "answers.json").string());
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(dir / "answers.json");
  const json answers = json::parse(in);
  std::filesystem::remove_all(dir);
  REQUIRE(answers.size() == cases.size());

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Comparison& c = cases[i];
    const json& a = answers[i];
    INFO(c.name << "\n  torch: " << c.torch);
    if (a.contains("error")) FAIL("PyTorch could not evaluate the case: " << a["error"]);
    const std::vector<std::uint32_t> shape = a["shape"];
    CHECK(std::vector<std::uint32_t>(c.y.shape().dims().begin(), c.y.shape().dims().end()) ==
          shape);
    compare("value", c.y, a["y"]);
    for (std::size_t k = 0; k < c.x.size(); ++k) {
      compare(fmt::format("gradient of input {}", k), c.g[k], a["g"][k]);
      if (c.compare_second_order)
        compare(fmt::format("second-order product of input {}", k), c.h[k], a["h"][k]);
    }
  }
}

}  // namespace file_ops_torch_reference_test
