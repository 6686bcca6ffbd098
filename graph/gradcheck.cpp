#include "gradcheck.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "errors.hpp"
#include "random.hpp"
#include "tape.hpp"

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

// How bad an entry is: its error relative to its tolerance, NaN the worst of all; at equal
// ratios the larger error ranks first, so an exact zero (a dead relu) is never preferred.
struct Badness {
  double ratio = -INFINITY, abs_error = -INFINITY;
  bool operator>(const Badness& other) const {
    return ratio != other.ratio ? ratio > other.ratio : abs_error > other.abs_error;
  }
};
Badness badness(const JacobianEntry& e) {
  const double ratio = std::isnan(e.error_ratio) ? INFINITY : e.error_ratio;
  return {ratio, std::isnan(e.abs_error) ? INFINITY : e.abs_error};
}

void compare(ParameterCheck& check, JacobianEntry entry, const GradcheckOptions& options,
             Badness& worst) {
  entry.abs_error = std::abs(entry.autodiff - entry.numeric);
  const double scale = std::max(std::abs(entry.autodiff), std::abs(entry.numeric));
  entry.rel_error = scale > 0 ? entry.abs_error / scale : 0.0;
  entry.tolerance = options.atol + options.rtol * std::abs(entry.numeric) + entry.error_estimate;
  // 0/0 (an exact zero with no tolerance) is no error; x/0 is infinitely past it.
  entry.error_ratio = entry.abs_error == 0  ? 0.0
                      : entry.tolerance > 0 ? entry.abs_error / entry.tolerance
                                            : INFINITY;
  // NaN in either value is a failure: !(x <= y) is true for NaN.
  const bool within = entry.abs_error <= entry.tolerance;
  if (entry.kink && !within) {
    ++check.kinks;
    if (check.kink_entries.size() < options.report_worst) check.kink_entries.push_back(entry);
    return;
  }
  entry.kink = false;  // within tolerance: differentiable enough here
  check.max_abs_error = std::max(check.max_abs_error, entry.abs_error);
  check.max_rel_error = std::max(check.max_rel_error, entry.rel_error);
  if (!within) {
    check.passed = false;
    ++check.failures;
  }
  const Badness key = badness(entry);
  if (key > worst) {
    worst = key;
    check.worst = entry;
  }
  // Keep the report_worst worst entries, worst first.
  auto& kept = check.worst_entries;
  const auto at = std::find_if(kept.begin(), kept.end(),
                               [&](const JacobianEntry& e) { return key > badness(e); });
  if (static_cast<std::size_t>(at - kept.begin()) < options.report_worst) {
    kept.insert(at, entry);
    if (kept.size() > options.report_worst) kept.pop_back();
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

// The elements of a parameter of `size` elements to check: all, or options.max_elements of them
// drawn without replacement (a partial Fisher–Yates shuffle), in increasing order.
std::vector<std::size_t> elements_to_check(std::size_t size, std::size_t parameter,
                                           const GradcheckOptions& options) {
  std::vector<std::size_t> elements(size);
  for (std::size_t j = 0; j < size; ++j) elements[j] = j;
  if (options.max_elements == 0 || options.max_elements >= size) return elements;
  Generator generator(options.sample_seed + parameter);
  for (std::size_t k = 0; k < options.max_elements; ++k)
    std::swap(elements[k], elements[k + generator.bits() % (size - k)]);
  elements.resize(options.max_elements);
  std::sort(elements.begin(), elements.end());
  return elements;
}

// A NaN or negative tolerance would fail (or pass) every element and blame an innocent op.
void check_tolerances(const GradcheckOptions& options) {
  for (const auto& [name, value] : {std::pair{"atol", options.atol}, {"rtol", options.rtol}})
    if (!(value >= 0) || !std::isfinite(value))
      throw Error(fmt::format("gradcheck: {} must be a finite number ≥ 0, got {}", name, value));
}

}  // namespace

double relative_step(const GradcheckOptions& options) {
  if (options.eps != 0 && !(options.eps >= kMinRelativeStep && options.eps <= kMaxRelativeStep))
    throw Error(fmt::format(
        "gradcheck: eps must be 0 (automatic) or a relative step from {:g} to {:g}, got {}",
        kMinRelativeStep, kMaxRelativeStep, options.eps));
  if (options.eps > 0) return options.eps;
  const double epsilon = std::numeric_limits<double>::epsilon();
  return options.richardson ? std::pow(epsilon, 1.0 / 5) : std::cbrt(epsilon);
}

GradcheckResult gradcheck(std::span<const Parameter<double>> params_in,
                          const std::function<Var<double>()>& f, const GradcheckOptions& options) {
  // Parameters are shared handles: copies refer to the same storage.
  check_tolerances(options);
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
  const double step = relative_step(options);
  const auto jacobian = autodiff_jacobian(tape, params, f, result.output_shape);
  const std::vector<double> f0 = evaluate(tape, f);  // at the parameters as given

  std::vector<std::vector<std::size_t>> samples;
  std::size_t total = 0, done = 0;
  for (std::size_t p = 0; p < params.size(); ++p) {
    samples.push_back(elements_to_check(params[p].size(), p, options));
    total += samples.back().size();
  }
  for (std::size_t p = 0; p < params.size(); ++p) {
    Parameter<double>& param = params[p];
    ParameterCheck check;
    check.name = param.name();
    check.shape = param.shape();
    check.checked = samples[p].size();
    Badness worst;
    std::span<double> values = param.values();
    for (const std::size_t j : samples[p]) {
      const double theta = values[j];
      const double h = step * std::max(1.0, std::abs(theta));
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
        compare(check, entry, options, worst);
      }
      if (options.progress) options.progress(++done, total);
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

namespace {

// Moves one element of one input of the op at `position` by `offset` just before the op
// computes, reads uᵀy just after, and puts the element back.
class ElementProbe final : public RecordObserver<double> {
 public:
  ElementProbe(std::size_t position, std::size_t input, std::size_t element, double offset,
               std::span<const double> u)
      : position_(position), input_(input), element_(element), offset_(offset), u_(u) {}

  void before(std::size_t position, std::span<Value<double>* const> inputs) override {
    if (position != position_) return;
    target_ = inputs[input_]->data + element_;
    original_ = *target_;
    *target_ = original_ + offset_;
    at_ = *target_;
  }
  void after(std::size_t position, const Value<double>& output) override {
    if (position != position_) return;
    projection_ = 0;
    for (std::size_t i = 0; i < u_.size(); ++i) projection_ += u_[i] * output.data[i];
    *target_ = original_;
    done_ = true;
  }

  bool done() const { return done_; }
  double projection() const { return projection_; }  // uᵀy with the element moved
  double at() const { return at_; }                  // the element's moved value

 private:
  std::size_t position_, input_, element_;
  double offset_;
  std::span<const double> u_;
  double* target_ = nullptr;
  double original_ = 0, at_ = 0, projection_ = 0;
  bool done_ = false;
};

// Runs f with `probe` watching; returns what it saw.
Probe run_probe(Tape<double>& tape, const std::function<Var<double>()>& f, ElementProbe& probe) {
  tape.clear();
  tape.set_observer(&probe);
  try {
    f();
  } catch (...) {
    tape.set_observer(nullptr);
    throw;
  }
  tape.set_observer(nullptr);
  if (!probe.done())
    throw Error(
        "check_ops: f recorded fewer ops than on its first call; it must record the same "
        "ops every time");
  return {{probe.projection()}, probe.at()};
}

void check_one_op(Tape<double>& tape, const std::function<Var<double>()>& f, OpCheck& check,
                  const GradcheckOptions& options, std::size_t max_elements) {
  // A fresh recording, so that the op's saved values are valid for its backward.
  tape.clear();
  f();
  const Node<double>& node = *tape.nodes()[check.position];
  Generator generator(1000 + check.position);
  std::vector<double> u(node.output().size());
  for (double& x : u) x = generator.uniform(-1.0, 1.0);
  double f0 = 0;  // uᵀy at the inputs as they are
  for (std::size_t i = 0; i < u.size(); ++i) f0 += u[i] * node.output().data[i];

  // uᵀJ for every input, into zeroed buffers (constants included, as graph views do).
  std::vector<std::vector<double>> vjp(node.num_inputs());
  std::vector<double*> buffers(node.num_inputs());
  for (std::size_t k = 0; k < node.num_inputs(); ++k) {
    vjp[k].assign(node.input(k).size(), 0.0);
    buffers[k] = vjp[k].data();
  }
  node.backward(BackwardContext<double>(node, u.data(), buffers));
  // An input used twice (mul(x, x)) moves in both places at once: compare with the sum.
  std::vector<std::vector<double>> combined = vjp;
  for (std::size_t k = 0; k < node.num_inputs(); ++k)
    for (std::size_t other = 0; other < node.num_inputs(); ++other)
      if (other != k && &node.input(other) == &node.input(k))
        for (std::size_t e = 0; e < vjp[k].size(); ++e) combined[k][e] += vjp[other][e];

  ParameterCheck tally;  // reuses gradcheck's comparison and bookkeeping
  const double step = relative_step(options);
  Badness worst;
  std::size_t worst_input = 0;
  for (std::size_t k = 0; k < node.num_inputs(); ++k) {
    const std::size_t size = node.input(k).size();
    const std::size_t count = std::min(size, max_elements);
    for (std::size_t c = 0; c < count; ++c) {
      const std::size_t e = count == size ? c : c * size / count;
      const double theta = node.input(k).data[e];
      const double h = step * std::max(1.0, std::abs(theta));
      auto run = [&](double offset) {
        ElementProbe probe(check.position, k, e, offset, u);
        return run_probe(tape, f, probe);
      };
      const Probe plus = run(h), minus = run(-h), plus2 = run(2 * h), minus2 = run(-2 * h);
      const double d1 = (plus.f[0] - minus.f[0]) / (plus.at - minus.at);
      const double d2 = (plus2.f[0] - minus2.f[0]) / (plus2.at - minus2.at);
      JacobianEntry entry;
      entry.element = e;
      entry.autodiff = combined[k][e];
      entry.numeric = options.richardson ? (4 * d1 - d2) / 3 : d1;
      entry.error_estimate = std::abs(d2 - d1) / 3;
      entry.kink = options.detect_kinks &&
                   looks_like_kink(f0, theta, plus, minus, plus2, minus2, 0, options);
      const Badness before = worst;
      compare(tally, entry, options, worst);
      if (worst > before) worst_input = k;
    }
  }
  check.passed = tally.passed;
  check.failures = tally.failures;
  check.kinks = tally.kinks;
  check.input = worst_input;
  check.element = tally.worst.element;
  check.autodiff = tally.worst.autodiff;
  check.numeric = tally.worst.numeric;
  check.abs_error = tally.worst.abs_error;
}

}  // namespace

std::vector<OpCheck> check_ops(const std::function<Var<double>()>& f,
                               const GradcheckOptions& options, std::size_t max_elements) {
  check_tolerances(options);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  f();
  std::vector<OpCheck> checks(tape.size());
  for (std::size_t p = 0; p < tape.size(); ++p) {
    const Node<double>& node = *tape.nodes()[p];
    checks[p].position = p;
    checks[p].op = std::string(node.name());
    for (std::size_t k = 0; k < node.num_inputs(); ++k)
      checks[p].input_shapes.push_back(node.input(k).shape);
    checks[p].output_shape = node.output().shape;
  }
  for (OpCheck& check : checks) check_one_op(tape, f, check, options, max_elements);
  return checks;
}

std::optional<OpCheck> locate_wrong_op(const std::function<Var<double>()>& f,
                                       const GradcheckOptions& options, std::size_t max_elements) {
  // An op whose worst element is not finite on either side overflowed (or was fed NaN): that
  // says nothing about its backward, so it is not blamed.
  for (OpCheck& check : check_ops(f, options, max_elements))
    if (!check.passed && std::isfinite(check.autodiff) && std::isfinite(check.numeric))
      return check;
  return std::nullopt;
}

}  // namespace tapegrad
