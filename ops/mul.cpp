// mul(a, b) = a ⊙ b, elementwise with NumPy broadcasting. ∂(ab)/∂a = b and ∂(ab)/∂b = a; each
// gradient is summed over the axes its input was broadcast along. mul(x, x) gets 2x from the
// engine summing the two paths. A number times a Var is scale (ops/scale.cpp).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Mul {
  static constexpr std::string_view name = "mul";
  auto value(auto a, auto b) const { return a * b; }
  auto partial_a(auto, auto b, auto) const { return b; }  // ∂(ab)/∂a = b
  auto partial_b(auto a, auto, auto) const { return a; }  // ∂(ab)/∂b = a
};

}  // namespace

Var<float> mul(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Mul{});
}
Var<double> mul(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Mul{});
}

}  // namespace tapegrad
