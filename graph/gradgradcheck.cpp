// gradgradcheck (graph/gradcheck.hpp): second derivatives by differentiating the recorded
// backward pass, against finite differences of first derivatives computed by backward() alone.
// The two sides share only the forward ops. The recorded first derivative G(x, w) is checked in
// value against backward()'s, and differentiated with respect to both x and the weights w of
// f's output (G is linear in w): a vjp that gets a second derivative wrong, or that
// uses the incoming gradient as a constant, fails.
#include <algorithm>
#include <cmath>

#include "../ops/ops.hpp"
#include "gradcheck.hpp"
#include "higher_order.hpp"
#include "random.hpp"
#include "tape.hpp"

namespace tapegrad {

namespace {

using Function = std::function<Var<double>(std::span<const Var<double>>)>;

// G_k = ∂⟨w, f(x)⟩/∂x_k by the first-order engine (each op's backward), on a tape of its own.
std::vector<Tensor<double>> first_derivatives(const Function& f, std::span<const Tensor<double>> x,
                                              const Tensor<double>& w) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const GradModeGuard recording(true);
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : x) vars.push_back(tape.variable(t, true));
  const Var<double> out = f(vars);
  out.backward(w);
  std::vector<Tensor<double>> grads;
  for (const Var<double>& v : vars) grads.push_back(v.grad_tensor());
  return grads;
}

double dot(const Tensor<double>& a, const Tensor<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a.values()[i] * b.values()[i];
  return s;
}

// Part 1 of the check: G from grad(create_graph) against backward()'s, input by input.
void check_first_order(const Function& f, std::span<const Tensor<double>> inputs,
                       const Tensor<double>& w, double tolerance, GradgradcheckResult& result) {
  const std::vector<Tensor<double>> expected = first_derivatives(f, inputs, w);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : inputs) vars.push_back(tape.variable(t, true));
  const std::vector<Var<double>> g =
      grad(f(vars), std::span<const Var<double>>(vars), {.create_graph = true}, Var<double>(w));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    double worst = 0;
    bool ok = true;
    for (std::size_t i = 0; i < inputs[k].size(); ++i) {
      const double a = g[k].data()[i], b = expected[k].values()[i];
      worst = std::max(worst, std::abs(a - b));
      ok = ok && std::abs(a - b) <= tolerance * (1 + std::abs(b));
    }
    result.first_order_errors.push_back(worst);
    result.first_order_passed = result.first_order_passed && ok;
  }
}

}  // namespace

GradgradcheckResult gradgradcheck(const Function& f, std::span<const Tensor<double>> inputs,
                                  const GradcheckOptions& options, std::uint64_t seed,
                                  double first_order_tolerance) {
  Generator generator(seed);
  Shape output_shape;
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    NoGradGuard no_grad;
    std::vector<Var<double>> vars;
    for (const Tensor<double>& t : inputs) vars.push_back(tape.constant(t));
    output_shape = f(vars).shape();
  }
  const Tensor<double> w = uniform_tensor(output_shape, -1.0, 1.0, generator);
  std::vector<Tensor<double>> u;
  for (const Tensor<double>& t : inputs)
    u.push_back(uniform_tensor(t.shape(), -1.0, 1.0, generator));

  GradgradcheckResult result;
  // 1. The recorded first derivatives have backward()'s values.
  check_first_order(f, inputs, w, first_order_tolerance, result);

  // 2. s(x, w) = Σ_k ⟨u_k, G_k(x, w)⟩, with w an input too. gradcheck differentiates it with
  // grad mode on (the recorded G, backpropagated: second derivatives, and ∂s/∂w, which needs
  // G to depend on the incoming gradient) and evaluates it for its finite differences with grad
  // mode off (then G comes from backward(), the first-order engine).
  const std::size_t n = inputs.size();
  const Function s = [&](std::span<const Var<double>> xw) -> Var<double> {
    const std::span<const Var<double>> x = xw.first(n);
    if (!GradMode::enabled()) {
      std::vector<Tensor<double>> at;
      for (const Var<double>& v : x) at.push_back(v.to_tensor());
      const std::vector<Tensor<double>> g = first_derivatives(f, at, xw[n].to_tensor());
      double total = 0;
      for (std::size_t k = 0; k < n; ++k) total += dot(u[k], g[k]);
      return Var<double>(Tensor<double>::scalar(total));
    }
    const std::vector<Var<double>> g = grad(f(x), x, {.create_graph = true}, xw[n]);
    Var<double> total = sum(mul(g[0], Var<double>(u[0])));
    for (std::size_t k = 1; k < n; ++k) total = add(total, sum(mul(g[k], Var<double>(u[k]))));
    return total;
  };
  std::vector<Tensor<double>> with_w(inputs.begin(), inputs.end());
  with_w.push_back(w);
  result.second_order = gradcheck(s, with_w, options);
  result.second_order.parameters.back().name = "grad_output";
  result.passed = result.first_order_passed && result.second_order.passed;
  return result;
}

}  // namespace tapegrad
