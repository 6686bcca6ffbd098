// binary_cross_entropy_with_logits(x, y) = −y log σ(x) − (1 − y) log(1 − σ(x)) per element,
// reduced (the mean by default). Written as softplus(x) − x·y, which is the same and never
// overflows; its derivative, σ(x) − y, then comes from softplus's rule, exact at every x.
#include "detail/losses.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> bce_forward(const Var<T>& logits, const Var<T>& target, Reduction reduction) {
  detail::check_same_shape("binary_cross_entropy_with_logits", logits, target);
  return detail::all_or_nothing<T>(
      [&] { return detail::reduce_loss(sub(softplus(logits), mul(logits, target)), reduction); });
}

}  // namespace

Var<float> binary_cross_entropy_with_logits(const Var<float>& logits, const Var<float>& target,
                                            Reduction reduction) {
  return bce_forward(logits, target, reduction);
}
Var<double> binary_cross_entropy_with_logits(const Var<double>& logits, const Var<double>& target,
                                             Reduction reduction) {
  return bce_forward(logits, target, reduction);
}

}  // namespace tapegrad
