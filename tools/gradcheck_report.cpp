// tools/gradcheck_report.hpp.
#include "gradcheck_report.hpp"

#include <fmt/format.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "graph/gradcheck.hpp"

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
      entries.push_back({{"element", p.shape.index_str(e.element)},
                         {"autodiff", e.autodiff},
                         {"finite_difference", e.numeric},
                         {"error_estimate", e.error_estimate},
                         {"abs_error", e.abs_error},
                         {"rel_error", e.rel_error}});
    nlohmann::json kinks = nlohmann::json::array();
    for (const JacobianEntry& e : p.kink_entries)
      kinks.push_back({{"element", p.shape.index_str(e.element)},
                       {"autodiff", e.autodiff},
                       {"finite_difference", e.numeric}});
    report["parameters"].push_back({{"name", p.name},
                                    {"shape", p.shape.str()},
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
    std::vector<std::string> shapes;
    for (const Shape& s : culprit->input_shapes) shapes.push_back(s.str());
    report["wrong_op"] = {
        {"op", culprit->op},
        {"position", culprit->position},
        {"input_shapes", shapes},
        {"output_shape", culprit->output_shape.str()},
        {"input", culprit->input},
        {"element", culprit->input_shapes[culprit->input].index_str(culprit->element)},
        {"autodiff", culprit->autodiff},
        {"finite_difference", culprit->numeric}};
  }
  return report;
}

// One line per reported entry (worst first, then kinks) and a verdict line, per parameter.
void parameter_rows(std::string& text, const GradcheckResult& result) {
  auto out = std::back_inserter(text);
  fmt::format_to(out, "{:<18} {:<10} {:>16} {:>16} {:>10} {:>10} {:>10}\n", "parameter", "element",
                 "autodiff", "finite diff.", "± est.", "abs err", "rel err");
  for (const ParameterCheck& p : result.parameters) {
    for (const JacobianEntry& e : p.worst_entries)
      fmt::format_to(out, "{:<18} {:<10} {:>16.9e} {:>16.9e} {:>10.1e} {:>10.1e} {:>10.1e}\n",
                     p.name, p.shape.index_str(e.element), e.autodiff, e.numeric, e.error_estimate,
                     e.abs_error, e.rel_error);
    for (const JacobianEntry& e : p.kink_entries)
      fmt::format_to(out,
                     "{:<18} {:<10} {:>16.9e} {:>16.9e}  at a kink: the one-sided "
                     "differences disagree\n",
                     p.name, p.shape.index_str(e.element), e.autodiff, e.numeric);
    fmt::format_to(
        out, "{:<18} {}: {} of {} elements out of tolerance{}{}\n\n", "", p.passed ? "ok" : "FAIL",
        p.failures, p.checked,
        p.checked < p.shape.size() ? fmt::format(" (a random sample of the {})", p.shape.size())
                                   : "",
        p.kinks ? fmt::format(", {} at a kink (not differentiable there)", p.kinks) : "");
  }
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
                                 const GradcheckCommandOptions& options, std::string_view subject) {
  const GradcheckOptions check = gradcheck_options(options);
  const GradcheckResult result = gradcheck(params, loss, check);
  std::optional<OpCheck> culprit;
  if (!result.passed) culprit = locate_wrong_op(loss, check);

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

}  // namespace tapegrad::tools
