// Both element types: every catalog case run in float agrees with the same case in double.
#include <catch2/catch.hpp>

#include <cmath>

#include "graph/tape.hpp"
#include "ops/catalog.hpp"
#include "random_inputs.hpp"

namespace file_ops_precision_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

template <class T>
struct Run {
  std::vector<double> output;
  std::vector<std::vector<double>> grads;
};

// Runs the case in T with the given (double) inputs and a fixed non-uniform seed gradient.
template <class T>
Run<T> run_case(const OpCase<T>& c, const std::vector<Tensor<double>>& inputs) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  std::vector<Var<T>> vars;
  for (const Tensor<double>& in : inputs) {
    Tensor<T> t(in.shape());
    for (std::size_t i = 0; i < in.size(); ++i) t[i] = static_cast<T>(in[i]);
    vars.push_back(tape.variable(t, true));
  }
  const Var<T> out = c.call(vars);
  Tensor<T> seed(out.shape());
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = T(0.5) + T(0.25) * static_cast<T>(i % 3);
  tape.backward(out, seed);
  Run<T> run;
  for (T v : out.data()) run.output.push_back(v);
  for (const Var<T>& v : vars) {
    const Tensor<T> grad = v.grad_tensor();
    run.grads.emplace_back(grad.values().begin(), grad.values().end());
  }
  return run;
}

}  // namespace

TEST_CASE("every op computes the same values and gradients in float as in double", "[ops][float]") {
  std::mt19937_64 rng(7);
  const auto float_cases = op_catalog<float>();
  const auto double_cases = op_catalog<double>();
  REQUIRE(float_cases.size() == double_cases.size());
  for (std::size_t k = 0; k < double_cases.size(); ++k) {
    INFO(double_cases[k].op << ": " << double_cases[k].description);
    std::vector<Tensor<double>> inputs;
    for (std::size_t j = 0; j < double_cases[k].inputs.size(); ++j)
      inputs.push_back(catalog_input(double_cases[k], j, rng));
    const auto f = run_case(float_cases[k], inputs);
    const auto d = run_case(double_cases[k], inputs);
    REQUIRE(f.output.size() == d.output.size());
    for (std::size_t i = 0; i < d.output.size(); ++i)
      CHECK(f.output[i] == Approx(d.output[i]).epsilon(1e-5).margin(1e-5));
    for (std::size_t p = 0; p < d.grads.size(); ++p)
      for (std::size_t i = 0; i < d.grads[p].size(); ++i)
        CHECK(f.grads[p][i] == Approx(d.grads[p][i]).epsilon(1e-5).margin(1e-5));
  }
}

}  // namespace file_ops_precision_test
