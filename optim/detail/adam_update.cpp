// Adam's elementwise update (optim/detail/adam_update.hpp), compiled once per instruction set
// (TAPEGRAD_SIMD_CLONES, ops/math.hpp). The loop vectorizes: its pointers are __restrict, the
// library is built with -fno-math-errno (so √ is an instruction, not a call into libm that may
// set errno), and the weight-decay choices are made outside it. Each element's arithmetic is the
// same, operation for operation, in every clone and in the scalar tail (-ffp-contract=off), so
// the bits do not depend on the machine.
#include "adam_update.hpp"

#include <cmath>

#include "../../graph/hot.hpp"
#include "../../ops/math.hpp"

namespace tapegrad::detail {
namespace {

// The update with weight decay added to the gradient (L2) or to the weights (Decoupled), or not
// at all: the choices are template arguments, so that a decay of 0 leaves the arithmetic as it
// is (0·θ would turn an infinite θ into NaN).
template <bool L2, bool Decoupled, class T>
TAPEGRAD_HOT inline void moments(T* __restrict theta, const T* __restrict grad, T* __restrict m,
                                 T* __restrict v, std::size_t n, const AdamSettings<T>& s, T c1,
                                 T c2) {
  const T lr = s.lr, beta1 = s.beta1, beta2 = s.beta2, eps = s.eps, decay = s.decay;
  const T keep = T(1) - lr * decay;
  for (std::size_t i = 0; i < n; ++i) {
    T g = grad[i];
    if constexpr (L2) g += decay * theta[i];                // g ← g + λθ
    const T kept = Decoupled ? theta[i] * keep : theta[i];  // θ ← θ − ηλθ
    const T mi = beta1 * m[i] + (T(1) - beta1) * g;         // m ← β1·m + (1 − β1)·g
    const T vi = beta2 * v[i] + (T(1) - beta2) * g * g;     // v ← β2·v + (1 − β2)·g²
    m[i] = mi;
    v[i] = vi;
    const T m_hat = mi / c1;                                  // m̂ = m / (1 − β1^t)
    const T v_hat = vi / c2;                                  // v̂ = v / (1 − β2^t)
    theta[i] = kept - lr * m_hat / (std::sqrt(v_hat) + eps);  // θ ← θ − η·m̂ / (√v̂ + ε)
  }
}

template <class T>
TAPEGRAD_HOT inline void dispatch(T* theta, const T* grad, T* m, T* v, std::size_t n,
                                  const AdamSettings<T>& s, T c1, T c2, Decay where) {
  if (s.decay == T(0))
    moments<false, false>(theta, grad, m, v, n, s, c1, c2);
  else if (where == Decay::kL2)
    moments<true, false>(theta, grad, m, v, n, s, c1, c2);
  else
    moments<false, true>(theta, grad, m, v, n, s, c1, c2);
}

}  // namespace

TAPEGRAD_HOT TAPEGRAD_SIMD_CLONES void adam_moments(float* theta, const float* grad, float* m,
                                                    float* v, std::size_t n,
                                                    const AdamSettings<float>& s, float c1,
                                                    float c2, Decay where) {
  dispatch(theta, grad, m, v, n, s, c1, c2, where);
}
TAPEGRAD_HOT TAPEGRAD_SIMD_CLONES void adam_moments(double* theta, const double* grad, double* m,
                                                    double* v, std::size_t n,
                                                    const AdamSettings<double>& s, double c1,
                                                    double c2, Decay where) {
  dispatch(theta, grad, m, v, n, s, c1, c2, where);
}

}  // namespace tapegrad::detail
