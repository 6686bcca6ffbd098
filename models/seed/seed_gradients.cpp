#include "seed_gradients.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../../graph/tape.hpp"

namespace tapegrad {

namespace {

double loss_value(SeedNetwork<double>& network, const Tensor<double>& x, double y) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  NoGradGuard no_grad;
  return network.loss(x, Tensor<double>({1}, {y})).item();
}

double central_difference(SeedNetwork<double>& network, const Tensor<double>& x, double y,
                          double& theta, double eps) {
  const double original = theta, h = eps * std::max(1.0, std::abs(original));
  theta = original + h;
  const double plus_at = theta, plus = loss_value(network, x, y);
  theta = original - h;
  const double minus_at = theta, minus = loss_value(network, x, y);
  theta = original;
  return (plus - minus) / (plus_at - minus_at);
}

}  // namespace

std::vector<SeedGradientRow> seed_gradient_table(SeedNetwork<double>& network,
                                                 const Tensor<double>& x, double y, double eps) {
  const std::size_t d = network.inputs(), H = network.hidden();
  // The formulas: hand_derived_updates gives Δθ = −η ∂E/∂θ; with η = 1, ∂E/∂θ = −Δθ.
  const SeedUpdates<double> updates = hand_derived_updates(network, x, y, 1.0);

  std::vector<Tensor<double>> saved_grads;
  for (const Parameter<double>& p : network.parameters()) saved_grads.push_back(p.grad());
  network.zero_grad();
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    network.loss(x, Tensor<double>({1}, {y})).backward();
  }
  Parameter<double> W = network.hidden_weight(), w0 = network.hidden_bias();
  Parameter<double> v = network.output_weight(), v0 = network.output_bias();

  std::vector<SeedGradientRow> rows;
  auto add = [&](std::string parameter, std::string derivation, std::string formula,
                 double formula_value, Parameter<double>& p, std::size_t flat) {
    rows.push_back({std::move(parameter), std::move(derivation), std::move(formula), formula_value,
                    p.grad()[flat], central_difference(network, x, y, p.values()[flat], eps)});
  };
  add("layers.1.bias[0]", "v_0", "−(y − ŷ)", -updates.dv0, v0, 0);
  for (std::size_t h = 1; h <= H; ++h)
    add(fmt::format("layers.1.weight[0,{}]", h - 1), fmt::format("v_{}", h),
        fmt::format("−(y − ŷ) z_{}", h), -updates.dv[h - 1], v, h - 1);
  for (std::size_t h = 1; h <= H; ++h) {
    const std::string back = fmt::format("−(y − ŷ) v_{0} z_{0}(1 − z_{0})", h);
    add(fmt::format("layers.0.bias[{}]", h - 1), fmt::format("w_{},0", h), back,
        -updates.dw0[h - 1], w0, h - 1);
    for (std::size_t j = 1; j <= d; ++j)
      add(fmt::format("layers.0.weight[{},{}]", h - 1, j - 1), fmt::format("w_{},{}", h, j),
          fmt::format("{} x_{}", back, j), -updates.dW[(h - 1) * d + (j - 1)], W,
          (h - 1) * d + (j - 1));
  }
  const auto params = network.parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    Parameter<double> p = params[k];
    std::copy(saved_grads[k].values().begin(), saved_grads[k].values().end(), p.grads().begin());
  }
  return rows;
}

std::optional<SeedGradientRow> first_disagreement(const std::vector<SeedGradientRow>& rows,
                                                  const SeedGradientTolerance& tolerance) {
  for (const SeedGradientRow& row : rows) {
    const bool formula_ok = std::abs(row.formula_value - row.autodiff) <=
                            tolerance.formula_rtol * std::abs(row.formula_value) + 1e-300;
    const bool numeric_ok = std::abs(row.finite_difference - row.autodiff) <=
                            tolerance.atol + tolerance.rtol * std::abs(row.finite_difference);
    if (!formula_ok || !numeric_ok) return row;
  }
  return std::nullopt;
}

}  // namespace tapegrad
