// tools/gradcheck_report.hpp.
#include "gradcheck_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "graph/gradcheck.hpp"

#include "models/module_check.hpp"

namespace tapegrad::tools {

namespace {

nlohmann::json json_report(const GradcheckResult& result, const std::optional<OpCheck>& culprit,
                           const GradcheckOptions& check, std::string_view subject) {
  nlohmann::json report;
  report["subject"] = subject;
  report["passed"] = result.passed;
  report["options"] = {{"eps", relative_step(check)},
                       {"atol", check.atol},
                       {"rtol", check.rtol},
                       {"richardson", check.richardson}};
  report["parameters"] = nlohmann::json::array();
  for (const ParameterCheck& p : result.parameters) {
    nlohmann::json entries = nlohmann::json::array();
    for (const JacobianEntry& e : p.worst_entries)
      entries.push_back({{"element", index_array(p.shape, e.element)},
                         {"autodiff", e.autodiff},
                         {"finite_difference", e.numeric},
                         {"error_estimate", e.error_estimate},
                         {"abs_error", e.abs_error},
                         {"rel_error", e.rel_error},
                         {"tolerance", e.tolerance},
                         {"error_ratio", e.error_ratio}});
    nlohmann::json kinks = nlohmann::json::array();
    for (const JacobianEntry& e : p.kink_entries)
      kinks.push_back({{"element", index_array(p.shape, e.element)},
                       {"autodiff", e.autodiff},
                       {"finite_difference", e.numeric}});
    report["parameters"].push_back({{"name", p.name},
                                    {"shape", shape_array(p.shape)},
                                    {"passed", p.passed},
                                    {"failures", p.failures},
                                    {"checked", p.checked},
                                    {"kinks", p.kinks},
                                    {"max_abs_error", p.max_abs_error},
                                    {"max_rel_error", p.max_rel_error},
                                    {"worst", entries},
                                    {"at_a_kink", kinks}});
  }
  if (culprit) {
    std::vector<std::vector<std::size_t>> shapes;
    for (const Shape& s : culprit->input_shapes) shapes.push_back(shape_array(s));
    report["wrong_op"] = {
        {"op", culprit->op},
        {"position", culprit->position},
        {"input_shapes", shapes},
        {"output_shape", shape_array(culprit->output_shape)},
        {"input", culprit->input},
        {"element", index_array(culprit->input_shapes[culprit->input], culprit->element)},
        {"autodiff", culprit->autodiff},
        {"finite_difference", culprit->numeric}};
  }
  return report;
}

// One line per reported entry (worst first, then kinks) and a verdict line, per parameter. The
// name and element columns fit the longest entry, so long names keep the numbers aligned.
void parameter_rows(std::string& text, const GradcheckResult& result) {
  std::size_t name_width = 9, element_width = 7;  // "parameter", "element"
  for (const ParameterCheck& p : result.parameters) {
    name_width = std::max(name_width, p.name.size());
    for (const auto* entries : {&p.worst_entries, &p.kink_entries})
      for (const JacobianEntry& e : *entries)
        element_width = std::max(element_width, p.shape.index_str(e.element).size());
  }
  auto out = std::back_inserter(text);
  fmt::format_to(out, "{:<{}}  {:<{}} {:>16} {:>16} {:>9} {:>9} {:>9} {:>8}\n", "parameter",
                 name_width, "element", element_width, "autodiff", "finite diff.", "± est.",
                 "abs err", "rel err", "err/tol");
  for (const ParameterCheck& p : result.parameters) {
    for (const JacobianEntry& e : p.worst_entries)
      fmt::format_to(out,
                     "{:<{}}  {:<{}} {:>16.9e} {:>16.9e} {:>9.1e} {:>9.1e} {:>9.1e} {:>8.2g}\n",
                     p.name, name_width, p.shape.index_str(e.element), element_width, e.autodiff,
                     e.numeric, e.error_estimate, e.abs_error, e.rel_error, e.error_ratio);
    for (const JacobianEntry& e : p.kink_entries)
      fmt::format_to(out,
                     "{:<{}}  {:<{}} {:>16.9e} {:>16.9e}  at a kink: the one-sided "
                     "differences disagree\n",
                     p.name, name_width, p.shape.index_str(e.element), element_width, e.autodiff,
                     e.numeric);
    fmt::format_to(
        out, "{:<{}}  {}: {} of {} elements out of tolerance{}{}\n\n", "", name_width,
        p.passed ? "ok" : "FAIL", p.failures, p.checked,
        p.checked < p.shape.size() ? fmt::format(" (a random sample of the {})", p.shape.size())
                                   : "",
        p.kinks ? fmt::format(", {} at a kink (not differentiable there)", p.kinks) : "");
  }
  fmt::format_to(out,
                 "Rows: each parameter's entries with the largest error relative to their "
                 "tolerance (err/tol; above 1 fails), worst first.\n\n");
}

std::string table_report(const GradcheckResult& result, const std::optional<OpCheck>& culprit,
                         const GradcheckOptions& check, std::string_view subject) {
  std::string text;
  auto out = std::back_inserter(text);
  fmt::format_to(out,
                 "Gradient check of {}, in double: central differences with step "
                 "{:.2g}·max(1,|θ|){}; an element passes if |autodiff − numeric| ≤ {:g} + "
                 "{:g}·|numeric| + its error estimate.\n\n",
                 subject, relative_step(check),
                 check.richardson ? " and Richardson extrapolation" : "", check.atol, check.rtol);
  parameter_rows(text, result);
  if (result.passed) {
    fmt::format_to(out, "PASS: every gradient agrees with finite differences\n");
    return text;
  }
  fmt::format_to(out, "FAIL: some gradients disagree (rows marked FAIL)\n");
  if (culprit) {
    std::vector<std::string> shapes;
    for (const Shape& s : culprit->input_shapes) shapes.push_back(s.str());
    fmt::format_to(out,
                   "The first op whose backward disagrees on its own: {} (op {} on the tape), "
                   "inputs {} → output {}: input {} element {}: autodiff {:.10g}, finite "
                   "difference {:.10g}\n",
                   culprit->op, culprit->position, fmt::join(shapes, ", "),
                   culprit->output_shape.str(), culprit->input,
                   culprit->input_shapes[culprit->input].index_str(culprit->element),
                   culprit->autodiff, culprit->numeric);
  } else {
    fmt::format_to(out,
                   "Every op's backward agrees on its own; the disagreement lies in how they are "
                   "combined.\n");
  }
  return text;
}

}  // namespace

std::vector<std::size_t> shape_array(const Shape& shape) {
  return {shape.dims().begin(), shape.dims().end()};
}

std::vector<std::size_t> index_array(const Shape& shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.rank());
  for (std::size_t axis = shape.rank(); axis-- > 0;) {
    index[axis] = flat % shape[axis];
    flat /= shape[axis];
  }
  return index;
}

GradcheckOptions gradcheck_options(const GradcheckCommandOptions& options) {
  GradcheckOptions check;
  check.eps = options.eps;
  check.atol = options.atol;
  check.rtol = options.rtol;
  check.richardson = options.richardson;
  check.report_worst = options.worst;
  check.max_elements = options.max_elements;
  check.sample_seed = options.seed;
  check.progress = options.progress;
  return check;
}

GradcheckReport gradcheck_report(std::span<const Parameter<double>> params,
                                 const std::function<Var<double>()>& loss,
                                 const GradcheckCommandOptions& options, std::string_view subject,
                                 Module<double>* module) {
  const GradcheckOptions check = gradcheck_options(options);
  const GradcheckResult result =
      module != nullptr ? gradcheck(*module, loss, check) : gradcheck(params, loss, check);
  std::optional<OpCheck> culprit;
  if (!result.passed) {
    // Perturbing one op at a time re-runs the loss without the module's state restored, so a
    // dropout in training mode would draw new masks and be blamed: the ops are located in
    // evaluation mode.
    const bool training = module != nullptr && module->is_training();
    if (training) module->eval();
    culprit = locate_wrong_op(loss, check);
    if (training) module->train();
  }

  GradcheckReport report;
  report.status = result.passed ? 0 : 1;
  report.text = options.json ? json_report(result, culprit, check, subject).dump(2) + "\n"
                             : table_report(result, culprit, check, subject);
  return report;
}

GradcheckReport gradgradcheck_report(
    const std::function<Var<double>(std::span<const Var<double>>)>& loss,
    std::span<const Tensor<double>> inputs, std::span<const std::string> names,
    const GradcheckCommandOptions& options, std::string_view subject) {
  const GradcheckOptions check = gradcheck_options(options);
  GradgradcheckResult result = gradgradcheck(loss, inputs, check, options.seed);
  for (std::size_t k = 0; k < names.size() && k < result.second_order.parameters.size(); ++k)
    result.second_order.parameters[k].name = names[k];

  GradcheckReport report;
  report.status = result.passed ? 0 : 1;
  if (options.json) {
    nlohmann::json json = json_report(result.second_order, std::nullopt, check, subject);
    json["order"] = 2;
    json["passed"] = result.passed;
    json["first_order_passed"] = result.first_order_passed;
    json["first_order_errors"] = result.first_order_errors;
    report.text = json.dump(2) + "\n";
    return report;
  }
  std::string& text = report.text;
  auto out = std::back_inserter(text);
  fmt::format_to(out,
                 "Second-derivative check of {}, in double. With random w and u: G = ∂⟨w, E⟩/∂θ "
                 "recorded by the ops' vjp, then ∂⟨u, G⟩/∂θ by differentiating that "
                 "record, against central differences of ⟨u, G⟩ with G from backward() (step "
                 "{:.2g}·max(1,|θ|)); an element passes if |autodiff − numeric| ≤ {:g} + "
                 "{:g}·|numeric| + its error estimate.\n\n",
                 subject, relative_step(check), check.atol, check.rtol);
  for (std::size_t k = 0; k < result.first_order_errors.size(); ++k)
    fmt::format_to(
        out, "first derivative of {} as recorded vs backward(): max |difference| {:.1e}\n",
        k < names.size() ? names[k] : fmt::format("input{}", k), result.first_order_errors[k]);
  fmt::format_to(out, "\n");
  parameter_rows(text, result.second_order);
  fmt::format_to(out, "{}\n",
                 result.passed ? "PASS: every second derivative agrees with finite differences of "
                                 "the first"
                 : !result.first_order_passed
                     ? "FAIL: a first derivative recorded for differentiation differs from "
                       "backward()'s"
                     : "FAIL: some second derivatives disagree (rows marked FAIL)");
  return report;
}

// ---- The op catalog's report ----

namespace {

// "∂out[1,0]/∂input0[0,2]", or "∂out/∂input0[3]" for a scalar output.
std::string worst_entry(const GradcheckResult& result, const ParameterCheck& p) {
  const std::string out =
      result.output_shape.rank() == 0 ? "" : result.output_shape.index_str(p.worst.output);
  return fmt::format("∂out{}/∂{}{}", out, p.name, p.shape.index_str(p.worst.element));
}

// The display width of UTF-8 text: its code points (the table's text has no wide characters).
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// `text` padded with spaces to `columns` code points, on the left or the right.
std::string pad(std::string_view text, std::size_t columns, bool right = false) {
  const std::string fill(columns > width(text) ? columns - width(text) : 0, ' ');
  return right ? fill + std::string(text) : std::string(text) + fill;
}

struct Row {
  std::string cells[7];  // op, case, input, max abs, max rel, err/tol, worst entry
  std::string verdict;
  std::string note;  // under a failing row
};

std::vector<Row> rows_of(const std::vector<CatalogCheck>& checks) {
  std::vector<Row> rows;
  for (const CatalogCheck& c : checks) {
    if (!c.first_order_passed)
      rows.push_back({{c.op, c.what, "", "", "", "", ""},
                      "FAIL",
                      fmt::format("a first derivative recorded for differentiation differs "
                                  "from backward()'s by up to {:.2e}",
                                  *std::max_element(c.first_order_errors.begin(),
                                                    c.first_order_errors.end()))});
    for (const ParameterCheck& p : c.result.parameters)
      rows.push_back({{c.op, c.what, p.name, fmt::format("{:.2e}", p.max_abs_error),
                       fmt::format("{:.2e}", p.max_rel_error),
                       fmt::format("{:.2g}", p.worst.error_ratio), worst_entry(c.result, p)},
                      p.passed ? "ok" : "FAIL",
                      p.passed
                          ? ""
                          : fmt::format("{} element(s) out of tolerance; worst: autodiff {:.10g}, "
                                        "finite difference {:.10g}",
                                        p.failures, p.worst.autodiff, p.worst.numeric)});
  }
  return rows;
}

}  // namespace

std::string catalog_table(const std::vector<CatalogCheck>& checks, int order) {
  const Row header{
      {"op", "case", "input", "max abs err", "max rel err", "err/tol", "worst entry"}, "", ""};
  std::vector<Row> rows = rows_of(checks);
  std::size_t widths[7] = {};
  const auto measure = [&](const Row& row) {
    for (std::size_t k = 0; k < 7; ++k) widths[k] = std::max(widths[k], width(row.cells[k]));
  };
  measure(header);
  for (const Row& row : rows) measure(row);
  std::string text;
  auto out = std::back_inserter(text);
  const auto line = [&](const Row& row) {
    std::string cells;
    for (std::size_t k = 0; k < 7; ++k)
      cells += pad(row.cells[k], widths[k], k >= 3 && k <= 5) + "  ";
    fmt::format_to(out, "{}{}\n", cells, row.verdict);
    if (!row.note.empty()) fmt::format_to(out, "{}{}\n", std::string(widths[0] + 2, ' '), row.note);
  };
  line(header);
  for (const Row& row : rows) line(row);
  const bool passed =
      std::all_of(checks.begin(), checks.end(), [](const CatalogCheck& c) { return c.passed(); });
  fmt::format_to(out,
                 "\ninput k is the case's k-th argument; err/tol is the worst entry's |autodiff − "
                 "numeric| over its tolerance (above 1 fails); the worst entry is the derivative "
                 "of an output element by an input element with the largest err/tol.\n");
  fmt::format_to(out, "\n{}: {} checks, {}\n", passed ? "PASS" : "FAIL", checks.size(),
                 passed ? (order == 2 ? "every second derivative agrees with finite differences "
                                        "of the first"
                                      : "every gradient agrees with finite differences")
                        : (order == 2 ? "some second derivatives disagree (rows marked FAIL)"
                                      : "some gradients disagree (rows marked FAIL)"));
  return text;
}

std::string catalog_json(const std::vector<CatalogCheck>& checks, int order,
                         const GradcheckOptions& options) {
  nlohmann::json report;
  report["order"] = order;
  report["passed"] =
      std::all_of(checks.begin(), checks.end(), [](const CatalogCheck& c) { return c.passed(); });
  report["options"] = {{"eps", relative_step(options)},
                       {"atol", options.atol},
                       {"rtol", options.rtol},
                       {"richardson", options.richardson}};
  report["checks"] = nlohmann::json::array();
  for (const CatalogCheck& c : checks)
    for (const ParameterCheck& p : c.result.parameters) {
      nlohmann::json row = {{"op", c.op},
                            {"case", c.what},
                            {"input", p.name},
                            {"input_shape", shape_array(p.shape)},
                            {"output_shape", shape_array(c.result.output_shape)},
                            {"passed", p.passed},
                            {"failures", p.failures},
                            {"kinks", p.kinks},
                            {"max_abs_error", p.max_abs_error},
                            {"max_rel_error", p.max_rel_error},
                            {"worst",
                             {{"input_index", index_array(p.shape, p.worst.element)},
                              {"output_index", index_array(c.result.output_shape, p.worst.output)},
                              {"autodiff", p.worst.autodiff},
                              {"finite_difference", p.worst.numeric},
                              {"abs_error", p.worst.abs_error},
                              {"tolerance", p.worst.tolerance},
                              {"error_ratio", p.worst.error_ratio}}}};
      if (order == 2) {
        row["first_order_passed"] = c.first_order_passed;
        row["first_order_errors"] = c.first_order_errors;
      }
      report["checks"].push_back(std::move(row));
    }
  return report.dump(2) + "\n";
}

std::string formula_json(std::span<const SeedGradientRow> rows, bool passed) {
  nlohmann::json report = {{"check", "formula"}, {"passed", passed}};
  report["rows"] = nlohmann::json::array();
  for (const SeedGradientRow& row : rows)
    report["rows"].push_back({{"derivation", row.derivation},
                              {"parameter", row.parameter},
                              {"formula", row.formula},
                              {"formula_value", row.formula_value},
                              {"autodiff", row.autodiff},
                              {"finite_difference", row.finite_difference}});
  return report.dump(2) + "\n";
}

}  // namespace tapegrad::tools
