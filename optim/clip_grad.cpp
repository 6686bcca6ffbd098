#include "clip_grad.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../graph/errors.hpp"

namespace tapegrad {

namespace {

template <class T>
bool clipped(const Parameter<T>& parameter) {
  return parameter.requires_grad() && parameter.has_grad();
}

}  // namespace

template <class T>
double clip_grad_norm_(const std::vector<Parameter<T>>& parameters, double max_norm,
                       double norm_type) {
  if (!(max_norm >= 0.0))
    throw Error(fmt::format("clip_grad_norm_: max_norm must be >= 0, got {}", max_norm));
  if (!(norm_type > 0.0))
    throw Error(fmt::format(
        "clip_grad_norm_: norm_type must be > 0 (2 for the Euclidean norm, kInfinityNorm for the "
        "largest |g|), got {}",
        norm_type));
  const bool infinity = std::isinf(norm_type);
  double total = 0;                            // NOTE: summed in double, also for float gradients
  for (Parameter<T> parameter : parameters) {  // a copy, for grads() without copying them
    if (!clipped(parameter)) continue;
    for (const T g : parameter.grads()) {
      const double magnitude = std::abs(static_cast<double>(g));
      if (infinity)
        total = std::max(total, magnitude);  // ‖g‖_∞ = max |g_i|
      else
        total += norm_type == 2.0 ? magnitude * magnitude : std::pow(magnitude, norm_type);
    }
  }
  if (!infinity) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  const double scale = max_norm / (total + 1e-6);  // torch's clip coefficient
  if (scale < 1.0)
    for (Parameter<T> parameter : parameters)  // a copy shares the gradient's storage
      if (clipped(parameter))
        for (T& g : parameter.grads()) g *= static_cast<T>(scale);
  return total;
}

template <class T>
void clip_grad_value_(const std::vector<Parameter<T>>& parameters, double clip_value) {
  if (!(clip_value >= 0.0))
    throw Error(fmt::format("clip_grad_value_: clip_value must be >= 0, got {}", clip_value));
  const T bound = static_cast<T>(clip_value);
  for (Parameter<T> parameter : parameters)
    if (clipped(parameter))
      for (T& g : parameter.grads()) g = std::clamp(g, -bound, bound);
}

template double clip_grad_norm_(const std::vector<Parameter<float>>&, double, double);
template double clip_grad_norm_(const std::vector<Parameter<double>>&, double, double);
template void clip_grad_value_(const std::vector<Parameter<float>>&, double);
template void clip_grad_value_(const std::vector<Parameter<double>>&, double);

}  // namespace tapegrad
