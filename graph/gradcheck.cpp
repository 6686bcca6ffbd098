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
  const double excess = entry.abs_error - (options.atol + options.rtol * std::abs(entry.numeric));
  const bool ok = excess <= 0;
  check.max_abs_error = std::max(check.max_abs_error, entry.abs_error);
  check.max_rel_error = std::max(check.max_rel_error, entry.rel_error);
  if (!ok) {
    check.passed = false;
    ++check.failures;
  }
  if (!(excess <= worst_excess)) {
    worst_excess = std::isnan(excess) ? INFINITY : excess;
    check.worst = entry;
  }
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

  for (std::size_t p = 0; p < params.size(); ++p) {
    Parameter<double>& param = params[p];
    ParameterCheck check;
    check.name = param.name();
    check.shape = param.shape();
    double worst_excess = -INFINITY;
    std::span<double> values = param.values();
    for (std::size_t j = 0; j < values.size(); ++j) {
      const double original = values[j];
      const double h = options.eps * std::max(1.0, std::abs(original));
      const double plus = original + h, minus = original - h;
      std::vector<double> f_plus, f_minus;
      try {
        values[j] = plus;
        f_plus = evaluate(tape, f);
        values[j] = minus;
        f_minus = evaluate(tape, f);
      } catch (...) {
        values[j] = original;  // leave the parameter as it was, whatever f throws
        throw;
      }
      values[j] = original;
      const double step = plus - minus;  // the step actually taken, after rounding
      for (std::size_t i = 0; i < outputs; ++i) {
        JacobianEntry entry;
        entry.output = i;
        entry.element = j;
        entry.autodiff = jacobian[p][i * values.size() + j];
        entry.numeric = (f_plus[i] - f_minus[i]) / step;
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
