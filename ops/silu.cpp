// silu(a) = a·σ(a) (swish), elementwise. d(aσ)/da = σ(a) + aσ(a)(1 − σ(a)) = σ(a)(1 + a(1 − σ(a))).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Silu {
  static constexpr std::string_view name = "silu";
  auto value(auto a) const { return a * sigmoid(a); }
  auto derivative(auto a, auto) const {
    return sigmoid(a) * (1 + a * (1 - sigmoid(a)));
  }  // d aσ(a)/da = σ(a)(1 + a(1 − σ(a)))
};

}  // namespace

Var<float> silu(const Var<float>& a) {
  return unary_op(a, Silu{});
}
Var<double> silu(const Var<double>& a) {
  return unary_op(a, Silu{});
}

}  // namespace tapegrad
