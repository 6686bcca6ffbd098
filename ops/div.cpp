// div(a, b) = a / b with NumPy broadcasting, a / s and s / a for a number s (IEEE division:
// x/0 is ±inf or NaN, as in PyTorch). ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b², ∂(s/a)/∂a = −y/a.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Div {
  static constexpr std::string_view name = "div";
  auto value(auto a, auto b) const { return a / b; }
  auto partial_a(auto, auto b, auto) const { return 1 / b; }           // ∂(a/b)/∂a = 1/b
  auto partial_b(auto a, auto b, auto) const { return -a / (b * b); }  // ∂(a/b)/∂b = −a/b²
};

template <class T>
struct DivByNumber {
  static constexpr std::string_view name = "div_scalar";
  T s;
  auto value(auto a) const { return a / s; }
  auto derivative(auto, auto) const { return 1 / s; }  // ∂(a/s)/∂a = 1/s
};

template <class T>
struct NumberOver {
  static constexpr std::string_view name = "rdiv";
  T s;
  auto value(auto a) const { return s / a; }
  auto derivative(auto a, auto y) const { return -y / a; }  // ∂(s/a)/∂a = −s/a² = −y/a
};

}  // namespace

Var<float> div(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Div{});
}
Var<double> div(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Div{});
}
Var<float> div(const Var<float>& a, float s) {
  return unary_op(a, DivByNumber<float>{s});
}
Var<double> div(const Var<double>& a, double s) {
  return unary_op(a, DivByNumber<double>{s});
}
Var<float> div(float s, const Var<float>& a) {
  return unary_op(a, NumberOver<float>{s});
}
Var<double> div(double s, const Var<double>& a) {
  return unary_op(a, NumberOver<double>{s});
}

}  // namespace tapegrad
