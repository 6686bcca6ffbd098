// gradcheck: compares the tape's gradients with central finite differences, in double precision,
// element by element over the whole Jacobian, and says which parameter and which element
// disagree and by how much.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "parameter.hpp"
#include "var.hpp"

namespace tapegrad {

struct GradcheckOptions {
  // Step h = eps·max(1, |θ|) for each element θ: it follows the element's magnitude. 0 (the
  // default) fits eps to the element type, double, through relative_step() below.
  double eps = 0;
  // An element passes when |autodiff − numeric| ≤ atol + rtol·|numeric| + its error estimate.
  double atol = 1e-6;
  double rtol = 1e-5;
  // Report Richardson's extrapolation (4·D(h) − D(2h))/3, accurate to O(h⁴), instead of the
  // central difference D(h).
  bool richardson = false;
  // Report an element as "at a kink" rather than failing when the function is not
  // differentiable there (relu at 0): its one-sided differences disagree by a jump that does not
  // shrink with the step, as it would for a smooth function.
  bool detect_kinks = true;
  // How many of each parameter's worst entries to keep in ParameterCheck::worst_entries.
  std::size_t report_worst = 5;
  // At most this many elements of each parameter are checked (0: every one): a random sample,
  // drawn with Generator(sample_seed), so that a model of millions of weights is checked in
  // minutes rather than days. ParameterCheck::checked says how many were.
  std::size_t max_elements = 0;
  std::uint64_t sample_seed = 1;
  // If set, called after each element is checked with the count so far and the total, for a
  // progress line.
  std::function<void(std::size_t done, std::size_t total)> progress = nullptr;
};

// The range of a relative step given explicitly: below 1e-12 a step is lost in the rounding of
// θ + h (double's ε is 2.2e-16), and above 0.1 it measures a secant, not a derivative. Every
// command that takes --eps holds to it.
inline constexpr double kMinRelativeStep = 1e-12;
inline constexpr double kMaxRelativeStep = 0.1;

// The relative step options.eps, or, if it is 0, the one that fits double's precision ε = 2^-52.
// Central differences have truncation error O(h²·f‴) and rounding error O(ε·|f|/h); the two
// balance near h = ε^(1/3)·max(1,|θ|) ≈ 6.1e-6·max(1,|θ|). Richardson's extrapolation has
// truncation error O(h⁴) and the same rounding error, which balance near ε^(1/5) ≈ 7.4e-4.
double relative_step(const GradcheckOptions& options);

// One entry of the Jacobian: ∂output[output]/∂parameter[element].
struct JacobianEntry {
  std::size_t output = 0;
  std::size_t element = 0;
  double autodiff = 0;
  double numeric = 0;
  // An estimate of the central difference's own error, |D(2h) − D(h)|/3: D(h) = f′ + ch² + O(h⁴)
  // makes D(2h) − D(h) = 3ch², the leading error term of D(h).
  double error_estimate = 0;
  double abs_error = 0;
  double rel_error = 0;  // abs_error / max(|autodiff|, |numeric|), 0 when both are 0
  double tolerance = 0;  // atol + rtol·|numeric| + error_estimate: the entry passes within it
  // abs_error / tolerance (0 for an exact match): above 1 the entry fails. Entries are ranked
  // by it, so the worst is the one nearest to or furthest past its tolerance, not an exact zero.
  double error_ratio = 0;
  bool kink = false;  // out of tolerance, but at a point where f is not differentiable
};

struct ParameterCheck {
  std::string name;
  Shape shape;
  std::size_t checked = 0;  // elements compared: shape.size(), or a sample (max_elements)
  bool passed = true;
  std::size_t failures = 0;  // entries outside the tolerance (kinks not counted)
  std::size_t kinks = 0;     // entries at a kink
  double max_abs_error = 0;  // over entries not at a kink
  double max_rel_error = 0;
  // The entry with the largest error relative to its tolerance (error_ratio; at equal ratios
  // the larger error), kinks excluded.
  JacobianEntry worst;
  // The options.report_worst entries ranked so, worst first (kinks excluded).
  std::vector<JacobianEntry> worst_entries;
  // The first options.report_worst entries found at a kink, in the order they were checked.
  std::vector<JacobianEntry> kink_entries;
};

struct GradcheckResult {
  bool passed = true;
  Shape output_shape;
  std::vector<ParameterCheck> parameters;
};

// Checks d f()/d params. f computes its output (any shape) from the current values of params;
// it is called many times, on a private tape, and must not depend on anything else that
// changes. Each parameter's values and gradient are restored before returning.
GradcheckResult gradcheck(std::span<const Parameter<double>> params,
                          const std::function<Var<double>()>& f,
                          const GradcheckOptions& options = {});

// The same for an op or function of plain inputs: each input becomes a parameter named
// "input0", "input1", ... holding a copy of the tensor.
GradcheckResult gradcheck(const std::function<Var<double>(std::span<const Var<double>>)>& f,
                          std::span<const Tensor<double>> inputs,
                          const GradcheckOptions& options = {});

// ---- Second derivatives ----

struct GradgradcheckResult {
  bool passed = true;
  // The first derivatives G_k = ∂⟨w, f(x)⟩/∂x_k (w random, of f's output shape) as the ops'
  // vjp records them, against backward()'s: per input, the largest |difference|.
  // They compute the same derivative, so they must agree to rounding (first_order_tolerance).
  std::vector<double> first_order_errors;
  bool first_order_passed = true;
  // The second derivatives: ∂s/∂x and ∂s/∂w for s = Σ_k ⟨u_k, G_k(x, w)⟩ (u random), by
  // backpropagating through the recorded G, against central differences of s with G computed
  // by backward(), element by element, with gradcheck's report: inputs named "input0",
  // "input1", ..., and w last, named "grad_output".
  GradcheckResult second_order;
};

// Checks f's second derivatives (grad with create_graph, graph/higher_order.hpp) against finite
// differences of its first derivatives, for an f of plain inputs as the op catalog gives them.
// w and u come from Generator(seed). Tolerances and steps are gradcheck's (options).
GradgradcheckResult gradgradcheck(const std::function<Var<double>(std::span<const Var<double>>)>& f,
                                  std::span<const Tensor<double>> inputs,
                                  const GradcheckOptions& options = {}, std::uint64_t seed = 1,
                                  double first_order_tolerance = 1e-10);

// ---- The per-op check: which op's backward is wrong ----

// One recorded op's vector-Jacobian product checked on its own.
struct OpCheck {
  std::size_t position = 0;  // index on the tape, in the order f records its ops
  std::string op;            // the op's name
  std::vector<Shape> input_shapes;
  Shape output_shape;
  bool passed = true;
  std::size_t failures = 0;  // probed elements out of tolerance
  std::size_t kinks = 0;     // probed elements at a kink
  // The worst probed element: which input of the op, which element of it, and uᵀJ there by the
  // op's backward and by central differences.
  std::size_t input = 0;
  std::size_t element = 0;
  double autodiff = 0;
  double numeric = 0;
  double abs_error = 0;
};

// Checks every op f records, each on its own: with the op's output gradient fixed to a random u,
// the op's backward gives uᵀ∂y/∂x for each input x; central differences of uᵀy, moving one input
// element while the rest of f runs unchanged, give the same numbers if the backward is right.
// At most max_elements elements of each input are probed (spread evenly). The tolerance, step
// and kink rules are those of gradcheck. f must record the same ops every time it is called.
std::vector<OpCheck> check_ops(const std::function<Var<double>()>& f,
                               const GradcheckOptions& options = {}, std::size_t max_elements = 64);

// The first op in recording order whose check fails with finite numbers, if any: where a
// failing gradcheck of a whole model points to the op to blame. An op whose probes give NaN or
// infinity (its inputs overflow) is not blamed.
std::optional<OpCheck> locate_wrong_op(const std::function<Var<double>()>& f,
                                       const GradcheckOptions& options = {},
                                       std::size_t max_elements = 64);

}  // namespace tapegrad
