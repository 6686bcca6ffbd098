// `tapegrad gradcheck`: every built-in op (through the op catalog) and the seed MLP against
// central finite differences in double, printed as a table or JSON (tools/gradcheck_report.hpp);
// --formula compares the reference derivation's formulas; --model checks a model from files.
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

// `--formula`: the derivation's formulas, autodiff and finite differences side by side.
int run_formula_check(const GradcheckCommandOptions& options) {
  SeedExample example = make_seed_example(3, 4, options.seed);
  const std::vector<SeedGradientRow> rows =
      seed_gradient_table(example.network, example.x, example.y[0],
                          relative_step(GradcheckOptions{.eps = options.eps}));
  SeedGradientTolerance tolerance;
  tolerance.atol = options.atol;
  tolerance.rtol = options.rtol;
  const auto disagreement = first_disagreement(rows, tolerance);
  if (options.json) {
    fmt::print("{}", formula_json(rows, !disagreement.has_value()));
    return disagreement ? 1 : 0;
  }
  fmt::print(
      "The seed network (d = 3, H = 4), one example: ∂E/∂θ by the reference derivation's "
      "formula, by autodiff and by central finite differences.\n\n");
  fmt::print("{:<7} {:<22} {:<34} {:>20} {:>20} {:>20}\n", "θ", "parameter", "formula",
             "formula value", "autodiff", "finite difference");
  for (const SeedGradientRow& row : rows)
    fmt::print("{:<7} {:<22} {:<34} {:>20.12e} {:>20.12e} {:>20.12e}\n", row.derivation,
               row.parameter, row.formula, row.formula_value, row.autodiff, row.finite_difference);
  if (const auto& wrong = disagreement) {
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

// The seed MLP as a function of its four parameters, E(W, w0, v, v0), for the second-order check.
CatalogCheck seed_second_order(const GradcheckCommandOptions& options,
                               const GradcheckOptions& check) {
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
  return {"seed MLP", "E(W, w0, v, v0), d = 3, H = 4", std::move(seed.second_order),
          seed.first_order_errors, seed.first_order_passed};
}

// Every case of the op catalog and the seed MLP, checked to `order`.
std::vector<CatalogCheck> check_catalog(const GradcheckCommandOptions& options,
                                        const GradcheckOptions& check) {
  std::mt19937_64 rng(options.seed);
  std::vector<CatalogCheck> checks;
  for (const OpCase<double>& c : op_catalog<double>()) {
    std::vector<Tensor<double>> inputs;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
    if (options.order == 2) {
      GradgradcheckResult r = gradgradcheck(c.call, inputs, check, options.seed);
      checks.push_back({c.op, c.description, std::move(r.second_order), r.first_order_errors,
                        r.first_order_passed});
    } else {
      checks.push_back({c.op, c.description, gradcheck(c.call, inputs, check), {}, true});
    }
  }
  if (options.order == 2) {
    checks.push_back(seed_second_order(options, check));
  } else {
    SeedExample example = make_seed_example(3, 4, options.seed);
    auto loss = [&] { return example.network.loss(example.x, example.y); };
    const auto params = example.network.parameters();
    checks.push_back(
        {"seed MLP", "E = ½(y − ŷ)², d = 3, H = 4", gradcheck(params, loss, check), {}, true});
  }
  return checks;
}

}  // namespace

int run_gradcheck(const GradcheckCommandOptions& options) {
  if (options.order != 1 && options.order != 2)
    throw Error(fmt::format("gradcheck: --order is 1 or 2, got {}", options.order));
  if (options.formula && options.order == 2)
    throw Error("gradcheck: --formula compares first derivatives; leave out --order 2");
  const bool files = !options.model.empty() || !options.weights.empty() || !options.data.empty();
  if (options.formula && files)  // it would check the seed network and say PASS for the model
    throw Error(
        "gradcheck: --formula checks the reference derivation's formulas on the seed network; "
        "leave out --model, --weights and --data (or --formula, to check that model)");
  if (options.formula) return run_formula_check(options);
  if (files) {
    if (options.model.empty() || options.weights.empty() || options.data.empty())
      throw Error("gradcheck: --model, --weights and --data go together; give all three");
    return run_gradcheck_files(options);
  }
  const GradcheckOptions check = gradcheck_options(options);
  const std::vector<CatalogCheck> checks = check_catalog(options, check);
  const bool passed =
      std::all_of(checks.begin(), checks.end(), [](const CatalogCheck& c) { return c.passed(); });
  if (options.json) {
    fmt::print("{}", catalog_json(checks, options.order, check));
    return passed ? 0 : 1;
  }
  if (options.order == 2)
    fmt::print(
        "Second derivatives in double: with random w and u, G = ∂⟨w, f⟩/∂x recorded by the ops' "
        "vjp, then ∂⟨u, G⟩/∂x by differentiating that record, against central differences of "
        "⟨u, G⟩ with G from backward(); step eps·max(1,|x|) with eps = {:.2g}; an element passes "
        "if |autodiff − numeric| ≤ {:g} + {:g}·|numeric| + its error estimate.\n\n",
        relative_step(check), check.atol, check.rtol);
  else
    fmt::print(
        "Central finite differences in double; step eps·max(1,|θ|) with eps = {:.2g}; an "
        "element passes if |autodiff − numeric| ≤ {:g} + {:g}·|numeric| + its error "
        "estimate.\n\n",
        relative_step(check), check.atol, check.rtol);
  fmt::print("{}", catalog_table(checks, options.order));
  return passed ? 0 : 1;
}

}  // namespace tapegrad::tools
