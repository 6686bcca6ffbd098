// sub(a, b) = a − b with NumPy broadcasting; a − s is a + (−s) (exactly: negation rounds
// nothing), and s − a for a number s is its own op. ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Sub {
  static constexpr std::string_view name = "sub";
  auto value(auto a, auto b) const { return a - b; }
  auto partial_a(auto, auto, auto) const { return 1; }   // ∂(a−b)/∂a = 1
  auto partial_b(auto, auto, auto) const { return -1; }  // ∂(a−b)/∂b = −1
};

template <class T>
struct NumberMinus {
  static constexpr std::string_view name = "rsub";
  T s;
  auto value(auto a) const { return s - a; }
  auto derivative(auto, auto) const { return -1; }  // ∂(s−a)/∂a = −1
};

}  // namespace

Var<float> sub(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Sub{});
}
Var<double> sub(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Sub{});
}
Var<float> sub(const Var<float>& a, float s) {
  return add(a, -s);
}
Var<double> sub(const Var<double>& a, double s) {
  return add(a, -s);
}
Var<float> sub(float s, const Var<float>& a) {
  return unary_op(a, NumberMinus<float>{s});
}
Var<double> sub(double s, const Var<double>& a) {
  return unary_op(a, NumberMinus<double>{s});
}

}  // namespace tapegrad
