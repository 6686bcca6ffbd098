// sign(a) = sgn(a) ∈ {−1, 0, 1}, elementwise. Piecewise constant, so its gradient is 0 everywhere
// (torch).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Sign {
  static constexpr std::string_view name = "sign";
  auto value(auto a) const { return sign(a); }
  auto derivative(auto, auto) const { return 0; }  // piecewise constant: no gradient
};

}  // namespace

Var<float> sign(const Var<float>& a) {
  return unary_op(a, Sign{});
}
Var<double> sign(const Var<double>& a) {
  return unary_op(a, Sign{});
}

}  // namespace tapegrad
