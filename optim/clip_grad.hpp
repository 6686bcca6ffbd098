// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_: called between
// backward() and the optimizer's step(). Parameters that are frozen (requires_grad false) or that
// no backward pass has reached since zero_grad() are left out, as torch leaves out a grad of None.
#pragma once

#include <limits>
#include <vector>

#include "../graph/parameter.hpp"

namespace tapegrad {

// The norm of all the gradients together, ‖(g_1, ..., g_n)‖_p = (Σ|g_i|^p)^(1/p) (p = ∞: max
// |g_i|), returned; if it exceeds max_norm, every gradient is scaled by max_norm/(norm + 1e-6)
// (torch's formula). Throws Error unless max_norm ≥ 0 and norm_type > 0 (or infinity).
template <class T>
double clip_grad_norm_(const std::vector<Parameter<T>>& parameters, double max_norm,
                       double norm_type = 2.0);

// Clamps every gradient element into [−clip_value, clip_value]. Throws Error unless
// clip_value ≥ 0.
template <class T>
void clip_grad_value_(const std::vector<Parameter<T>>& parameters, double clip_value);

inline constexpr double kInfinityNorm = std::numeric_limits<double>::infinity();

extern template double clip_grad_norm_(const std::vector<Parameter<float>>&, double, double);
extern template double clip_grad_norm_(const std::vector<Parameter<double>>&, double, double);
extern template void clip_grad_value_(const std::vector<Parameter<float>>&, double);
extern template void clip_grad_value_(const std::vector<Parameter<double>>&, double);

}  // namespace tapegrad
