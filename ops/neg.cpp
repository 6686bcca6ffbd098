// neg(a) = −a, elementwise (also unary minus). ∂(−a)/∂a = −1.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Neg {
  static constexpr std::string_view name = "neg";
  auto value(auto a) const { return -a; }
  auto derivative(auto, auto) const { return -1; }  // ∂(−a)/∂a = −1
};

}  // namespace

Var<float> neg(const Var<float>& a) {
  return unary_op(a, Neg{});
}
Var<double> neg(const Var<double>& a) {
  return unary_op(a, Neg{});
}

}  // namespace tapegrad
