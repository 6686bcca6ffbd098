// The reports of `tapegrad gradcheck`: with --model, the whole-model check (graph/gradcheck.hpp)
// as a table or as JSON, and, when it fails, the first op whose backward disagrees on its own;
// without, the op catalog's table or JSON. They are kept apart from the command so that tests
// can run them on a model with a planted wrong op.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "graph/gradcheck.hpp"
#include "graph/parameter.hpp"
#include "graph/tensor.hpp"
#include "graph/var.hpp"
#include "models/seed/seed_gradients.hpp"

#include "models/module.hpp"

namespace tapegrad::tools {

struct GradcheckReport {
  int status = 0;  // 0: every gradient agrees; 1: some do not
  std::string text;
};

// Checks d loss()/d params with options' eps, atol, rtol, richardson and worst; the report names
// each parameter by its name and is JSON if options.json. `subject` says what was checked
// ("models/seed.json over 64 rows of data.csv"). With `module` (whose parameters are `params`),
// the module's state is restored before each evaluation (models/module_check.hpp), so that a
// module with dropout in training mode is checked on the same masks throughout.
GradcheckReport gradcheck_report(std::span<const Parameter<double>> params,
                                 const std::function<Var<double>()>& loss,
                                 const GradcheckCommandOptions& options, std::string_view subject,
                                 Module<double>* module = nullptr);

// The second-derivative check (gradgradcheck, graph/gradcheck.hpp) of loss(inputs) with respect
// to its inputs, named `names`, as a table or JSON like gradcheck_report's.
GradcheckReport gradgradcheck_report(
    const std::function<Var<double>(std::span<const Var<double>>)>& loss,
    std::span<const Tensor<double>> inputs, std::span<const std::string> names,
    const GradcheckCommandOptions& options, std::string_view subject);

// A shape as its sizes, [4, 3], and a flat element's index in it, [1, 2] (row-major): the
// JSON reports write them as arrays of integers.
std::vector<std::size_t> shape_array(const Shape& shape);
std::vector<std::size_t> index_array(const Shape& shape, std::size_t flat);

// The checker's settings from the command's --eps, --atol, --rtol, --richardson and --worst.
GradcheckOptions gradcheck_options(const GradcheckCommandOptions& options);

// ---- The op catalog's report (`tapegrad gradcheck` without --model) ----
// One row per checked input, as an aligned table or as JSON; the table's columns fit their
// longest entry, and each row's worst entry is written as a derivative, ∂out[1,0]/∂input0[0,2].

// One checked function: an op's case, or the seed MLP.
struct CatalogCheck {
  std::string op, what;  // "matmul", "[3,4]·[4,2]"
  GradcheckResult result;
  // Second-order checks only: the first derivatives as recorded against backward()'s.
  std::vector<double> first_order_errors;
  bool first_order_passed = true;
  bool passed() const { return first_order_passed && result.passed; }
};

// The table: a header line, one row per input of each check (and a line under each failing row),
// a legend, and the verdict line "PASS: N checks, ..." or "FAIL: ...".
std::string catalog_table(const std::vector<CatalogCheck>& checks, int order);

// The same as JSON: {"order", "passed", "options", "checks": [{"op", "case", "input",
// "input_shape": [..], "output_shape": [..], "worst": {"input_index": [..],
// "output_index": [..], ...}, ...}]}; indices and shapes are arrays of integers.
std::string catalog_json(const std::vector<CatalogCheck>& checks, int order,
                         const GradcheckOptions& options);

// `--formula --json`: the seed network's rows (models/seed/seed_gradients.hpp) as JSON.
std::string formula_json(std::span<const SeedGradientRow> rows, bool passed);

}  // namespace tapegrad::tools
