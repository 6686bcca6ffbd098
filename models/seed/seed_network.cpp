#include "seed_network.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../../graph/errors.hpp"
#include "../../ops/ops.hpp"

namespace tapegrad {
namespace {

MLPOptions seed_options(std::size_t inputs, std::size_t hidden, Generator* generator) {
  if (inputs == 0 || hidden == 0)
    throw Error(fmt::format("SeedNetwork: inputs d and hidden H must be > 0, got d = {}, H = {}",
                            inputs, hidden));
  return MLPOptions(inputs)
      .layer(hidden, Activation::kSigmoid)
      .layer(1, Activation::kIdentity)
      .generator(generator);
}

// Gives `var` a label for graph dumps unless it has one (or is a Parameter, named already).
template <class T>
void label_if_unnamed(Var<T> var, std::string_view label) {
  if (var.tape() != nullptr && var.label().empty()) var.named(label);
}

}  // namespace

template <class T>
SeedNetwork<T>::SeedNetwork(std::size_t inputs, std::size_t hidden, Generator* generator)
    : MLP<T>(seed_options(inputs, hidden, generator)) {}

template <class T>
Var<T> SeedNetwork<T>::forward(const Var<T>& x) {
  const Linear<T>& hidden_layer = this->layer(0);
  const Linear<T>& output_layer = this->layer(1);
  Var<T> a = linear(x, hidden_layer.weight, hidden_layer.bias).named("a");  // a_h = w_hᵀx + w_h0
  Var<T> z = sigmoid(a).named("z");                                         // z_h = sigmoid(a_h)
  return linear(z, output_layer.weight, output_layer.bias).named("ŷ");      // ŷ = Σ v_h z_h + v_0
}

template <class T>
Var<T> SeedNetwork<T>::loss(const Var<T>& x, const Var<T>& y) {
  const bool single = x.rank() == 1 && y.shape() == Shape{1};
  const bool batch = x.rank() == 2 && y.shape() == Shape{x.shape()[0], 1};
  if (!single && !batch)
    throw ShapeError(fmt::format(
        "SeedNetwork::loss: x {} and y {}: expected x [d] with y [1], or x [n,d] with y [n,1]",
        x.shape().str(), y.shape().str()));
  label_if_unnamed(x, "x");
  label_if_unnamed(y, "y");
  return sse_loss(forward(x), y).named("E");  // E = ½ Σ (y − ŷ)²
}

template <class T>
SeedUpdates<T> hand_derived_updates(const SeedNetwork<T>& network, const Tensor<T>& x, T y, T eta) {
  const std::size_t d = network.inputs(), H = network.hidden();
  if (!(x.shape() == Shape{d}))
    throw ShapeError(
        fmt::format("hand_derived_updates: x {} for a network of {} inputs: expected [{}]",
                    x.shape().str(), d, d));
  const Tensor<T>& W = network.hidden_weight().value();
  const Tensor<T>& w0 = network.hidden_bias().value();
  const Tensor<T>& v = network.output_weight().value();
  const Tensor<T>& v0 = network.output_bias().value();

  std::vector<T> z(H);
  T prediction = v0[0];
  for (std::size_t h = 0; h < H; ++h) {
    T a = w0[h];
    for (std::size_t j = 0; j < d; ++j) a += W[h * d + j] * x[j];  // a_h = Σ_j w_hj x_j + w_h0
    z[h] = T(1) / (T(1) + std::exp(-a));                           // z_h = sigmoid(a_h)
    prediction += v[h] * z[h];                                     // ŷ = Σ_h v_h z_h + v_0
  }

  SeedUpdates<T> updates;
  updates.prediction = prediction;
  const T step = eta * (y - prediction);  // η(y − ŷ)
  updates.dv0 = step;                     // Δv_0 = η(y − ŷ)·1
  updates.dv.resize(H);
  updates.dw0.resize(H);
  updates.dW = Tensor<T>(Shape{H, d});
  for (std::size_t h = 0; h < H; ++h) {
    updates.dv[h] = step * z[h];                        // Δv_h = η(y − ŷ) z_h
    const T back = step * v[h] * z[h] * (T(1) - z[h]);  // η(y − ŷ) v_h z_h (1 − z_h)
    updates.dw0[h] = back;                              // Δw_h0 = ... · 1
    for (std::size_t j = 0; j < d; ++j) updates.dW[h * d + j] = back * x[j];  // Δw_hj = ... x_j
  }
  return updates;
}

template class SeedNetwork<float>;
template class SeedNetwork<double>;
template SeedUpdates<float> hand_derived_updates(const SeedNetwork<float>&, const Tensor<float>&,
                                                 float, float);
template SeedUpdates<double> hand_derived_updates(const SeedNetwork<double>&, const Tensor<double>&,
                                                  double, double);

}  // namespace tapegrad
