// gradcheck: compares the tape's gradients with central finite differences, in double precision,
// element by element over the whole Jacobian, and says which parameter and which element
// disagree and by how much.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tapegrad/graph/parameter.hpp"
#include "tapegrad/graph/var.hpp"

namespace tapegrad {

struct GradcheckOptions {
  // Step h = eps·max(1, |θ|) for each element θ. With central differences the truncation error
  // is O(h²·f''') and the rounding error O(ε_machine·|f|/h); eps = 1e-6 balances the two for
  // values and derivatives of order 1, giving errors near 1e-10, far inside the tolerances.
  double eps = 1e-6;
  // An element passes when |autodiff − numeric| ≤ atol + rtol·|numeric|.
  double atol = 1e-6;
  double rtol = 1e-5;
};

// One entry of the Jacobian: ∂output[output]/∂parameter[element].
struct JacobianEntry {
  std::size_t output = 0;
  std::size_t element = 0;
  double autodiff = 0;
  double numeric = 0;
  double abs_error = 0;
  double rel_error = 0;  // abs_error / max(|autodiff|, |numeric|), 0 when both are 0
};

struct ParameterCheck {
  std::string name;
  Shape shape;
  bool passed = true;
  std::size_t failures = 0;  // entries outside the tolerance
  double max_abs_error = 0;
  double max_rel_error = 0;
  JacobianEntry worst;  // the entry with the largest excess over its tolerance
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

}  // namespace tapegrad
