// l1_loss(ŷ, y) = |ŷ − y| per element, reduced (the mean by default). Its derivative sgn(ŷ − y)
// comes from abs's rule: 0 where ŷ = y, as torch takes it.
#include "detail/losses.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> l1_forward(const Var<T>& prediction, const Var<T>& target, Reduction reduction) {
  detail::check_same_shape("l1_loss", prediction, target);
  return detail::all_or_nothing<T>(
      [&] { return detail::reduce_loss(abs(sub(prediction, target)), reduction); });
}

}  // namespace

Var<float> l1_loss(const Var<float>& prediction, const Var<float>& target, Reduction reduction) {
  return l1_forward(prediction, target, reduction);
}
Var<double> l1_loss(const Var<double>& prediction, const Var<double>& target, Reduction reduction) {
  return l1_forward(prediction, target, reduction);
}

}  // namespace tapegrad
