// The seed network's gradient three ways, element by element, for `tapegrad gradcheck
// --formula`: from the reference derivation's formulas, from autodiff, and from central finite
// differences of E.
//   ∂E/∂v_h  = −(y − ŷ) z_h                       (h = 0: z_0 = 1)
//   ∂E/∂w_hj = −(y − ŷ) v_h z_h (1 − z_h) x_j     (j = 0: x_0 = 1)
// (the updates Δθ = −η ∂E/∂θ of hand_derived_updates, divided by −η).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../../graph/tensor.hpp"
#include "seed_network.hpp"

namespace tapegrad {

struct SeedGradientRow {
  std::string parameter;   // torch's name and index: "layers.0.weight[1,2]"
  std::string derivation;  // the derivation's name, 1-based: "w_23"
  std::string formula;     // "−(y − ŷ) v_2 z_2(1 − z_2) x_3"
  double formula_value = 0;
  double autodiff = 0;
  double finite_difference = 0;
};

// Every parameter element of `network` (v_0..v_H, then w_h0..w_hd for each h) for one example x
// [d], y. The finite differences use the step eps·max(1, |θ|). Leaves the network as it was.
std::vector<SeedGradientRow> seed_gradient_table(SeedNetwork<double>& network,
                                                 const Tensor<double>& x, double y,
                                                 double eps = 1e-6);

struct SeedGradientTolerance {
  double formula_rtol = 1e-12;  // formula against autodiff: the same products, reordered
  double atol = 1e-6;           // finite differences against autodiff
  double rtol = 1e-5;
};

// The first row where two of the three values disagree beyond the tolerance, if any.
std::optional<SeedGradientRow> first_disagreement(const std::vector<SeedGradientRow>& rows,
                                                  const SeedGradientTolerance& tolerance = {});

}  // namespace tapegrad
