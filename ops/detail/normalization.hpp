// What layer_norm and batch_norm share: the statistics of their fused forward, and their vjp
// written with differentiable ops. For x̂ = (x − μ)·r with r = 1/√(σ² + ε), μ and the biased σ²
// taken over N elements of x, and ĝ = ∂L/∂x̂:
//   ∂L/∂x = r·(ĝ − mean ĝ − x̂·mean(ĝ ⊙ x̂)),
// the two means being the paths through μ and through σ² (Ioffe and Szegedy 2015, "Batch
// Normalization", section 3).
#pragma once

#include <cstddef>

#include "../../graph/var.hpp"
#include "../ops.hpp"

namespace tapegrad::detail {

// The mean and the biased variance Σ(x − mean)²/n of `blocks` runs of `length` values, each
// `stride` after the one before, accumulated in double in two passes.
struct Moments {
  double mean, variance;
};
template <class T>
Moments moments(const T* first, std::size_t blocks, std::size_t stride, std::size_t length) {
  double total = 0;
  for (std::size_t b = 0; b < blocks; ++b)
    for (std::size_t j = 0; j < length; ++j) total += first[b * stride + j];
  const double n = static_cast<double>(blocks * length), mean = total / n;
  double squares = 0;
  for (std::size_t b = 0; b < blocks; ++b)
    for (std::size_t j = 0; j < length; ++j) {
      const double d = first[b * stride + j] - mean;
      squares += d * d;
    }
  return {mean, squares / n};
}

// x̂ and r recomputed from x with differentiable ops, the statistics over the axes along which
// `kept` (x's shape with those axes as 1) is 1, each element of kept gathering `count` of x's.
template <class T>
struct Standardized {
  Var<T> xhat, rstd;
};
template <class T>
Standardized<T> standardize(const Var<T>& x, const Shape& kept, std::size_t count, double eps) {
  const T per = T(1) / static_cast<T>(count);
  const Var<T> centred = sub(x, scale(sum_to(x, kept), per));  // x − μ
  const Var<T> variance = scale(sum_to(square(centred), kept), per);
  const Var<T> rstd = rsqrt(add(variance, static_cast<T>(eps)));  // r = 1/√(σ² + ε)
  return {mul(centred, rstd), rstd};
}

// ∂L/∂x = r·(ĝ − mean ĝ − x̂·mean(ĝ ⊙ x̂)) for x̂ standardised with x's own statistics.
template <class T>
Var<T> standardized_grad(const Var<T>& ghat, const Standardized<T>& s, const Shape& kept,
                         std::size_t count) {
  const T per = T(1) / static_cast<T>(count);
  const Var<T> mean_g = scale(sum_to(ghat, kept), per);
  const Var<T> mean_gx = scale(sum_to(mul(ghat, s.xhat), kept), per);
  return mul(s.rstd, sub(sub(ghat, mean_g), mul(s.xhat, mean_gx)));
}

}  // namespace tapegrad::detail
