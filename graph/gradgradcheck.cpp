// gradgradcheck (graph/gradcheck.hpp): second derivatives by differentiating the recorded
// backward pass, against finite differences of first derivatives computed by backward() alone.
// The two sides share nothing but the forward ops: a wrong backward_graph (a wrong second
// derivative, or a first derivative recorded with the wrong value) cannot pass.
#include <algorithm>
#include <cmath>

#include "tapegrad/graph/gradcheck.hpp"
#include "tapegrad/graph/higher_order.hpp"
#include "tapegrad/graph/random.hpp"
#include "tapegrad/graph/tape.hpp"
#include "tapegrad/ops/ops.hpp"

namespace tapegrad {

namespace {

using Function = std::function<Var<double>(std::span<const Var<double>>)>;

// G_k = ∂⟨w, f(x)⟩/∂x_k by the first-order engine (each op's backward), on a tape of its own.
std::vector<Tensor<double>> first_derivatives(const Function& f, std::span<const Tensor<double>> x,
                                              const Tensor<double>& w) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const bool was_enabled = GradMode::enabled();
  GradMode::set_enabled(true);
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : x) vars.push_back(tape.variable(t, true));
  const Var<double> out = f(vars);
  out.backward(w);
  GradMode::set_enabled(was_enabled);
  std::vector<Tensor<double>> grads;
  for (const Var<double>& v : vars) grads.push_back(v.grad_tensor());
  return grads;
}

double dot(const Tensor<double>& a, const Tensor<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a.values()[i] * b.values()[i];
  return s;
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
  const std::vector<Tensor<double>> expected = first_derivatives(f, inputs, w);
  {
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
        ok = ok && std::abs(a - b) <= first_order_tolerance * (1 + std::abs(b));
      }
      result.first_order_errors.push_back(worst);
      result.first_order_passed = result.first_order_passed && ok;
    }
  }

  // 2. s(x) = Σ_k ⟨u_k, G_k(x)⟩. gradcheck differentiates it with grad mode on (the recorded G,
  // backpropagated: second derivatives) and evaluates it for its finite differences with grad
  // mode off (then G comes from backward(), the first-order engine).
  const Function s = [&](std::span<const Var<double>> x) -> Var<double> {
    if (!GradMode::enabled()) {
      std::vector<Tensor<double>> at;
      for (const Var<double>& v : x) at.push_back(v.to_tensor());
      const std::vector<Tensor<double>> g = first_derivatives(f, at, w);
      double total = 0;
      for (std::size_t k = 0; k < g.size(); ++k) total += dot(u[k], g[k]);
      return Var<double>(Tensor<double>::scalar(total));
    }
    const std::vector<Var<double>> g = grad(f(x), x, {.create_graph = true}, Var<double>(w));
    Var<double> total = sum(mul(g[0], Var<double>(u[0])));
    for (std::size_t k = 1; k < g.size(); ++k)
      total = add(total, sum(mul(g[k], Var<double>(u[k]))));
    // 0·Σx keeps s connected to every input when some G does not depend on x at all (add,
    // whose second derivatives are all 0): its own derivative is exactly 0.
    for (const Var<double>& v : x) total = add(total, scale(sum(v), 0.0));
    return total;
  };
  result.second_order = gradcheck(s, inputs, options);
  result.passed = result.first_order_passed && result.second_order.passed;
  return result;
}

}  // namespace tapegrad
