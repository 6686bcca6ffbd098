// huber_loss(ŷ, y, delta) per element of d = ŷ − y: ½d² where |d| ≤ delta, delta(|d| − ½delta)
// beyond, reduced (the mean by default). Its derivative is d where |d| < delta and delta·sgn(d)
// from delta on (the two agree at |d| = delta; taking the constant there gives torch's second
// derivative at the kink, 0).
#include <fmt/format.h>

#include "detail/losses.hpp"
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

template <class T>
struct Huber {
  static constexpr std::string_view name = "huber";
  T delta;
  auto value(auto d) const {
    return select(abs(d) <= delta, 0.5 * (d * d), delta * (abs(d) - 0.5 * delta));
  }
  auto derivative(auto d, auto) const {  // d, or delta·sgn(d) from delta on
    return select(abs(d) < delta, d, delta * sign(d));
  }
};

template <class T>
Var<T> huber_forward(const Var<T>& prediction, const Var<T>& target, Reduction reduction,
                     double delta) {
  detail::check_same_shape("huber_loss", prediction, target);
  if (!(delta > 0)) throw Error(fmt::format("huber_loss: delta must be positive, got {}", delta));
  return detail::all_or_nothing<T>([&] {
    return detail::reduce_loss(unary_op(sub(prediction, target), Huber<T>{static_cast<T>(delta)}),
                               reduction);
  });
}

}  // namespace

Var<float> huber_loss(const Var<float>& prediction, const Var<float>& target, Reduction reduction,
                      double delta) {
  return huber_forward(prediction, target, reduction, delta);
}
Var<double> huber_loss(const Var<double>& prediction, const Var<double>& target,
                       Reduction reduction, double delta) {
  return huber_forward(prediction, target, reduction, delta);
}

}  // namespace tapegrad
