// pow: a^b elementwise with NumPy broadcasting, a^p for a number p, c^b for a number c.
// ∂a^b/∂a = b·a^(b−1) and ∂a^b/∂b = a^b·log a = y·log a. As torch, the first is 0 where the
// exponent is 0 and the second 0 where a = 0 and b ≥ 0, the points where the formulas give NaN
// (0·inf, 0·log 0) though the function is flat in that direction.
#include <cmath>
#include <limits>

#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Pow {
  static constexpr std::string_view name = "pow";
  auto value(auto a, auto b) const { return pow(a, b); }
  auto partial_a(auto a, auto b, auto) const {  // ∂a^b/∂a = b·a^(b−1), 0 where b = 0
    return select(b == 0, 0, b * pow(a, b - 1));
  }
  auto partial_b(auto a, auto b, auto y) const {  // ∂a^b/∂b = y·log a, 0 where a = 0 ≤ b
    return select(both(a == 0, b >= 0), 0, y * log(a));
  }
};

template <class T>
struct PowNumber {
  static constexpr std::string_view name = "pow";
  T p;
  auto value(auto a) const { return pow(a, p); }
  auto derivative(auto a, auto) const { return p * pow(a, p - 1); }  // d aᵖ/da = p·aᵖ⁻¹
};
// a⁰ = 1 everywhere, NaN included, with derivative 0 (torch), not 0·a⁻¹ = NaN at a = 0.
struct PowZero {
  static constexpr std::string_view name = "pow";
  auto value(auto) const { return 1; }
  auto derivative(auto, auto) const { return 0; }
};

template <class T>
struct NumberPow {
  static constexpr std::string_view name = "rpow";
  T c, log_c;
  auto value(auto b) const { return pow(c, b); }
  auto derivative(auto, auto y) const { return y * log_c; }  // d cᵇ/db = cᵇ·log c
};
// 0^b: the derivative y·log 0 is 0 for b ≥ 0 (torch) and −inf for b < 0, where y = inf.
template <class T>
struct ZeroPow {
  static constexpr std::string_view name = "rpow";
  auto value(auto b) const { return pow(T(0), b); }
  auto derivative(auto b, auto) const {
    return select(b >= 0, 0, -std::numeric_limits<T>::infinity());
  }
};

template <class T>
Var<T> pow_number(const Var<T>& a, T p) {
  return p == T(0) ? unary_op(a, PowZero{}) : unary_op(a, PowNumber<T>{p});
}
template <class T>
Var<T> number_pow(T c, const Var<T>& b) {
  return c == T(0) ? unary_op(b, ZeroPow<T>{}) : unary_op(b, NumberPow<T>{c, std::log(c)});
}

}  // namespace

Var<float> pow(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Pow{});
}
Var<double> pow(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Pow{});
}
Var<float> pow(const Var<float>& a, float p) {
  return pow_number(a, p);
}
Var<double> pow(const Var<double>& a, double p) {
  return pow_number(a, p);
}
Var<float> pow(float c, const Var<float>& b) {
  return number_pow(c, b);
}
Var<double> pow(double c, const Var<double>& b) {
  return number_pow(c, b);
}

}  // namespace tapegrad
