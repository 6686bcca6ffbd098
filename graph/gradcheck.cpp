#include "tapegrad/graph/gradcheck.hpp"

#include <algorithm>
#include <cmath>

#include "tapegrad/graph/tape.hpp"

namespace tapegrad {

namespace {

// f's output values, computed without recording.
std::vector<double> evaluate(Tape<double>& tape, const std::function<Var<double>()>& f) {
  NoGradGuard no_grad;
  tape.clear();
  const Var<double> out = f();
  return {out.data().begin(), out.data().end()};
}

// Autodiff Jacobian rows: for each output element i, backward with the unit seed e_i.
// Result indexed [parameter][i * size + element].
std::vector<std::vector<double>> autodiff_jacobian(Tape<double>& tape,
                                                   std::span<Parameter<double>> params,
                                                   const std::function<Var<double>()>& f,
                                                   const Shape& output_shape) {
  const std::size_t outputs = output_shape.size();
  std::vector<std::vector<double>> jacobian(params.size());
  for (std::size_t p = 0; p < params.size(); ++p)
    jacobian[p].assign(outputs * params[p].size(), 0.0);
  Tensor<double> seed(output_shape);
  for (std::size_t i = 0; i < outputs; ++i) {
    for (Parameter<double>& param : params) param.zero_grad();
    tape.clear();
    const Var<double> out = f();
    if (!out.requires_grad()) continue;  // no parameter reaches the output: all zero
    seed.fill(0.0);
    seed[i] = 1.0;
    tape.backward(out, seed);
    for (std::size_t p = 0; p < params.size(); ++p) {
      const auto grad = params[p].grad().values();
      std::copy(grad.begin(), grad.end(),
                jacobian[p].begin() + static_cast<std::ptrdiff_t>(i * grad.size()));
    }
  }
  return jacobian;
}

void compare(ParameterCheck& check, JacobianEntry entry, const GradcheckOptions& options,
             double& worst_excess) {
  entry.abs_error = std::abs(entry.autodiff - entry.numeric);
  const double scale = std::max(std::abs(entry.autodiff), std::abs(entry.numeric));
  entry.rel_error = scale > 0 ? entry.abs_error / scale : 0.0;
  // NaN in either value is a failure: !(x <= y) is true for NaN.
  const double excess = entry.abs_error - (options.atol + options.rtol * std::abs(entry.numeric) +
                                           entry.error_estimate);
  if (entry.kink && !(excess <= 0)) {
    ++check.kinks;
    return;
  }
  entry.kink = false;  // within tolerance: differentiable enough here
  check.max_abs_error = std::max(check.max_abs_error, entry.abs_error);
  check.max_rel_error = std::max(check.max_rel_error, entry.rel_error);
  if (!(excess <= 0)) {
    check.passed = false;
    ++check.failures;
  }
  if (!(excess <= worst_excess)) {
    worst_excess = std::isnan(excess) ? INFINITY : excess;
    check.worst = entry;
  }
}

// f with θ_j moved by `offset`, every other element as it is; θ_j is restored whatever f throws.
struct Probe {
  std::vector<double> f;
  double at = 0;  // θ_j + offset as stored, after rounding
};
Probe probe(Tape<double>& tape, const std::function<Var<double>()>& f, double& theta,
            double offset) {
  const double original = theta;
  Probe result;
  result.at = original + offset;
  try {
    theta = result.at;
    result.f = evaluate(tape, f);
  } catch (...) {
    theta = original;
    throw;
  }
  theta = original;
  return result;
}

// True if the one-sided differences around θ disagree by a jump that does not shrink with the
// step: for a smooth f, D₊ − D₋ ≈ h·f″ doubles from h to 2h; across a kink it stays the jump.
bool looks_like_kink(double f0, double theta, const Probe& plus, const Probe& minus,
                     const Probe& plus2, const Probe& minus2, std::size_t i,
                     const GradcheckOptions& options) {
  const double gap = (plus.f[i] - f0) / (plus.at - theta) - (f0 - minus.f[i]) / (theta - minus.at);
  const double gap2 =
      (plus2.f[i] - f0) / (plus2.at - theta) - (f0 - minus2.f[i]) / (theta - minus2.at);
  const bool significant = std::abs(gap) > options.atol + options.rtol * std::abs(gap2);
  return significant && std::abs(gap2 - gap) < 0.5 * std::abs(gap);
}

}  // namespace

GradcheckResult gradcheck(std::span<const Parameter<double>> params_in,
                          const std::function<Var<double>()>& f, const GradcheckOptions& options) {
  // Parameters are shared handles: copies refer to the same storage.
  std::vector<Parameter<double>> params(params_in.begin(), params_in.end());
  std::vector<Tensor<double>> saved_grads;
  for (const Parameter<double>& p : params) saved_grads.push_back(p.grad());

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  GradcheckResult result;
  {
    NoGradGuard no_grad;
    result.output_shape = f().shape();
  }
  const std::size_t outputs = result.output_shape.size();
  const auto jacobian = autodiff_jacobian(tape, params, f, result.output_shape);
  const std::vector<double> f0 = evaluate(tape, f);  // at the parameters as given

  for (std::size_t p = 0; p < params.size(); ++p) {
    Parameter<double>& param = params[p];
    ParameterCheck check;
    check.name = param.name();
    check.shape = param.shape();
    double worst_excess = -INFINITY;
    std::span<double> values = param.values();
    for (std::size_t j = 0; j < values.size(); ++j) {
      const double theta = values[j];
      const double h = options.eps * std::max(1.0, std::abs(theta));
      const Probe plus = probe(tape, f, values[j], h), minus = probe(tape, f, values[j], -h);
      const Probe plus2 = probe(tape, f, values[j], 2 * h);
      const Probe minus2 = probe(tape, f, values[j], -2 * h);
      for (std::size_t i = 0; i < outputs; ++i) {
        // Central differences over the steps actually taken, after rounding.
        const double d1 = (plus.f[i] - minus.f[i]) / (plus.at - minus.at);
        const double d2 = (plus2.f[i] - minus2.f[i]) / (plus2.at - minus2.at);
        JacobianEntry entry;
        entry.output = i;
        entry.element = j;
        entry.autodiff = jacobian[p][i * values.size() + j];
        entry.numeric = options.richardson ? (4 * d1 - d2) / 3 : d1;
        entry.error_estimate = std::abs(d2 - d1) / 3;
        entry.kink = options.detect_kinks &&
                     looks_like_kink(f0[i], theta, plus, minus, plus2, minus2, i, options);
        compare(check, entry, options, worst_excess);
      }
    }
    result.passed = result.passed && check.passed;
    result.parameters.push_back(std::move(check));
  }
  for (std::size_t p = 0; p < params.size(); ++p)
    std::copy(saved_grads[p].values().begin(), saved_grads[p].values().end(),
              params[p].grads().begin());
  return result;
}

GradcheckResult gradcheck(const std::function<Var<double>(std::span<const Var<double>>)>& f,
                          std::span<const Tensor<double>> inputs, const GradcheckOptions& options) {
  std::vector<Parameter<double>> params;
  for (std::size_t k = 0; k < inputs.size(); ++k)
    params.emplace_back(inputs[k], "input" + std::to_string(k));
  return gradcheck(
      params,
      [&] {
        std::vector<Var<double>> vars(params.begin(), params.end());
        return f(vars);
      },
      options);
}

}  // namespace tapegrad
