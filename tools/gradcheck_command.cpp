// `tapegrad gradcheck`: every built-in op (through the op catalog) and the seed MLP against
// central finite differences in double, printed as a table.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "commands.hpp"
#include "gradcheck_report.hpp"
#include "graph/errors.hpp"
#include "graph/gradcheck.hpp"
#include "models/seed/seed_gradients.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "seed_example.hpp"

namespace tapegrad::tools {

namespace {

constexpr const char* kRow = "{:<22} {:<38} {:<17} {:>12} {:>12}  {:<16} {}\n";

// Prints one row per checked input; returns whether all passed.
bool print_rows(std::string_view op, std::string_view what, const GradcheckResult& result) {
  for (const ParameterCheck& p : result.parameters) {
    // The element closest to (or furthest beyond) its tolerance, and the output it feeds.
    const std::string worst = fmt::format("{} of out{}", p.shape.index_str(p.worst.element),
                                          result.output_shape.index_str(p.worst.output));
    fmt::print(kRow, op, what, p.name, fmt::format("{:.2e}", p.max_abs_error),
               fmt::format("{:.2e}", p.max_rel_error), worst, p.passed ? "ok" : "FAIL");
    if (!p.passed)
      fmt::print(
          "{:23}{} element(s) out of tolerance; worst: autodiff {:.10g}, finite "
          "difference {:.10g}\n",
          "", p.failures, p.worst.autodiff, p.worst.numeric);
  }
  return result.passed;
}

// `--formula`: the derivation's formulas, autodiff and finite differences side by side.
int run_formula_check(const GradcheckCommandOptions& options) {
  SeedExample example = make_seed_example(3, 4, options.seed);
  const std::vector<SeedGradientRow> rows =
      seed_gradient_table(example.network, example.x, example.y[0],
                          relative_step(GradcheckOptions{.eps = options.eps}));
  fmt::print(
      "The seed network (d = 3, H = 4), one example: ∂E/∂θ by the reference derivation's "
      "formula, by autodiff and by central finite differences.\n\n");
  fmt::print("{:<7} {:<22} {:<34} {:>20} {:>20} {:>20}\n", "θ", "parameter", "formula",
             "formula value", "autodiff", "finite difference");
  for (const SeedGradientRow& row : rows)
    fmt::print("{:<7} {:<22} {:<34} {:>20.12e} {:>20.12e} {:>20.12e}\n", row.derivation,
               row.parameter, row.formula, row.formula_value, row.autodiff, row.finite_difference);
  SeedGradientTolerance tolerance;
  tolerance.atol = options.atol;
  tolerance.rtol = options.rtol;
  if (const auto wrong = first_disagreement(rows, tolerance)) {
    fmt::print(
        "\nFAIL: {} ({}) disagrees: formula {:.15g}, autodiff {:.15g}, finite difference "
        "{:.15g}\n",
        wrong->derivation, wrong->parameter, wrong->formula_value, wrong->autodiff,
        wrong->finite_difference);
    return 1;
  }
  fmt::print(
      "\nPASS: all {} elements agree (formula and autodiff to {:g} relative; finite "
      "differences to {:g} + {:g}·|value|)\n",
      rows.size(), tolerance.formula_rtol, tolerance.atol, tolerance.rtol);
  return 0;
}

// `--order 2`: every op's second derivatives and the seed MLP's, by gradgradcheck.
int run_second_order_check(const GradcheckCommandOptions& options, const GradcheckOptions& check) {
  std::mt19937_64 rng(options.seed);
  fmt::print(
      "Second derivatives in double: with random w and u, G = ∂⟨w, f⟩/∂x recorded by the ops' "
      "vjp, then ∂⟨u, G⟩/∂x by differentiating that record, against central "
      "differences of ⟨u, G⟩ with G from backward(); step eps·max(1,|x|) with eps = {:.2g}; an "
      "element passes if |autodiff − numeric| ≤ {:g} + {:g}·|numeric| + its error estimate.\n\n",
      relative_step(check), check.atol, check.rtol);
  fmt::print(kRow, "op", "case", "input", "max abs err", "max rel err", "worst element", "");
  bool all_passed = true;
  std::size_t checks = 0;
  const auto report = [&](std::string_view op, std::string_view what,
                          const GradgradcheckResult& r) {
    if (!r.first_order_passed)
      fmt::print(
          "{:<22} {:<38} a first derivative recorded for differentiation differs from "
          "backward()'s by up to {:.2e}: FAIL\n",
          op, what, *std::max_element(r.first_order_errors.begin(), r.first_order_errors.end()));
    const bool second_passed = print_rows(op, what, r.second_order);
    all_passed = all_passed && r.first_order_passed && second_passed;
    ++checks;
  };
  for (const OpCase<double>& c : op_catalog<double>()) {
    std::vector<Tensor<double>> inputs;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
    report(c.op, c.description, gradgradcheck(c.call, inputs, check, options.seed));
  }
  // The seed MLP as a function of its four parameters: E(W, w0, v, v0).
  const SeedExample example = make_seed_example(3, 4, options.seed);
  const std::vector<Tensor<double>> theta{
      example.network.hidden_weight().value(), example.network.hidden_bias().value(),
      example.network.output_weight().value(), example.network.output_bias().value()};
  const auto seed_loss = [&](std::span<const Var<double>> p) {
    return sse_loss(linear(sigmoid(linear(example.x, p[0], p[1])), p[2], p[3]), example.y);
  };
  GradgradcheckResult seed = gradgradcheck(seed_loss, theta, check, options.seed);
  const char* names[] = {"W", "w0", "v", "v0"};
  for (std::size_t k = 0; k < std::size(names); ++k)  // the last, w, keeps "grad_output"
    seed.second_order.parameters.at(k).name = names[k];
  report("seed MLP", "E(W, w0, v, v0), d = 3, H = 4", seed);
  fmt::print("\n{}: {} checks, {}\n", all_passed ? "PASS" : "FAIL", checks,
             all_passed ? "every second derivative agrees with finite differences of the first"
                        : "some second derivatives disagree (rows marked FAIL)");
  return all_passed ? 0 : 1;
}

}  // namespace

int run_gradcheck(const GradcheckCommandOptions& options) {
  if (options.order != 1 && options.order != 2)
    throw Error(fmt::format("gradcheck: --order is 1 or 2, got {}", options.order));
  if (options.formula && options.order == 2)
    throw Error("gradcheck: --formula compares first derivatives; leave out --order 2");
  if (options.formula) return run_formula_check(options);
  if (!options.model.empty() || !options.weights.empty() || !options.data.empty()) {
    if (options.model.empty() || options.weights.empty() || options.data.empty())
      throw Error("gradcheck: --model, --weights and --data go together; give all three");
    return run_gradcheck_files(options);
  }
  const GradcheckOptions check = gradcheck_options(options);
  if (options.order == 2) return run_second_order_check(options, check);
  std::mt19937_64 rng(options.seed);

  fmt::print(
      "Central finite differences in double; step eps·max(1,|θ|) with eps = {:.2g}; an "
      "element passes if |autodiff − numeric| ≤ {:g} + {:g}·|numeric| + its error "
      "estimate.\n\n",
      relative_step(check), check.atol, check.rtol);
  fmt::print(kRow, "op", "case", "input", "max abs err", "max rel err", "worst element", "");
  bool all_passed = true;
  std::size_t checks = 0;
  for (const OpCase<double>& c : op_catalog<double>()) {
    std::vector<Tensor<double>> inputs;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
    all_passed = print_rows(c.op, c.description, gradcheck(c.call, inputs, check)) && all_passed;
    ++checks;
  }

  SeedExample example = make_seed_example(3, 4, options.seed);
  auto loss = [&] { return example.network.loss(example.x, example.y); };
  const auto params = example.network.parameters();
  all_passed =
      print_rows("seed MLP", "E = ½(y − ŷ)², d = 3, H = 4", gradcheck(params, loss, check)) &&
      all_passed;
  ++checks;

  fmt::print("\n{}: {} checks, {}\n", all_passed ? "PASS" : "FAIL", checks,
             all_passed ? "every gradient agrees with finite differences"
                        : "some gradients disagree (rows marked FAIL)");
  return all_passed ? 0 : 1;
}

}  // namespace tapegrad::tools
