// SeedNetwork<T>: the network of the reference derivation (shared/reference/
// backprop-hidden-nodes.md, Wagstaff 2008): d inputs, H sigmoid hidden units and one linear
// output, trained on E = ½(y − ŷ)²:
//
//   a_h = Σ_j w_hj x_j + w_h0,   z_h = sigmoid(a_h),   ŷ = Σ_h v_h z_h + v_0
//
// It is an MLP with two layers, so its parameters have torch's names: W "layers.0.weight"
// [H,d], w_h0 "layers.0.bias" [H], v "layers.1.weight" [1,H], v_0 "layers.1.bias" [1].
// hand_derived_updates() evaluates the derivation's update formulas directly, without the tape,
// to compare with what autodiff and SGD compute.
#pragma once

#include <cstddef>
#include <vector>

#include "../../graph/parameter.hpp"
#include "../../graph/random.hpp"
#include "../../graph/tensor.hpp"
#include "../mlp.hpp"

namespace tapegrad {

template <class T>
class SeedNetwork : public MLP<T> {
 public:
  // d = inputs, H = hidden; weights initialised as Linear's (graph/random.hpp's default
  // generator unless one is given). Throws Error if either size is 0.
  SeedNetwork(std::size_t inputs, std::size_t hidden, Generator* generator = nullptr);

  // ŷ for x [d] → [1], or for a batch x [n,d] → [n,1]. The intermediate values are labelled
  // for graph dumps: hidden pre-activation "a", hidden output "z", prediction "ŷ".
  Var<T> forward(const Var<T>& x) override;
  // E = ½ Σ_i (y_i − ŷ_i)², labelled "E": for x [d] and y [1], or summed over the rows of a
  // batch x [n,d] and y [n,1]. Labels x "x" and y "y" if they have no label yet.
  Var<T> loss(const Var<T>& x, const Var<T>& y);

  std::size_t hidden() const { return this->layer(0).out_features(); }
  const Parameter<T>& hidden_weight() const { return this->layer(0).weight; }  // W
  const Parameter<T>& hidden_bias() const { return this->layer(0).bias; }      // w_h0
  const Parameter<T>& output_weight() const { return this->layer(1).weight; }  // v
  const Parameter<T>& output_bias() const { return this->layer(1).bias; }      // v_0
};

// The updates of the reference derivation for one example, Δθ = −η ∂E/∂θ:
//   Δv_h  = η(y − ŷ) z_h                       (z_0 = 1 gives Δv_0)
//   Δw_hj = η(y − ŷ) v_h z_h (1 − z_h) x_j     (x_0 = 1 gives Δw_h0)
template <class T>
struct SeedUpdates {
  std::vector<T> dv;   // Δv_h for h = 1..H, at index h − 1
  T dv0 = 0;           // Δv_0
  Tensor<T> dW;        // Δw_hj, [H,d]: row h − 1, column j − 1
  std::vector<T> dw0;  // Δw_h0 for h = 1..H, at index h − 1
  T prediction = 0;    // ŷ
};

// Evaluates the formulas above with plain loops (no tape): z_h and ŷ from the network's current
// parameters, then each update. x must have shape [d]; throws ShapeError otherwise.
template <class T>
SeedUpdates<T> hand_derived_updates(const SeedNetwork<T>& network, const Tensor<T>& x, T y, T eta);

extern template class SeedNetwork<float>;
extern template class SeedNetwork<double>;
extern template SeedUpdates<float> hand_derived_updates(const SeedNetwork<float>&,
                                                        const Tensor<float>&, float, float);
extern template SeedUpdates<double> hand_derived_updates(const SeedNetwork<double>&,
                                                         const Tensor<double>&, double, double);

}  // namespace tapegrad
