// The vocabulary of derivative rules. An elementwise op's derivative is written once, as a generic
// expression in its input(s) and output, e.g. sigmoid's `y * (1 - y)`; the library evaluates that
// one expression on three kinds of operand (ops/elementwise.hpp):
//
//   rule::Num<T>  plain numbers, for the fused backward loop and forward mode's tangents;
//   Var<T>        values on the tape, for backward recorded so that it can be differentiated
//                 again (grad with create_graph);
//   rule::Sym     text, for the local derivative printed on graph edges ("{y}(1−{y})").
//
// A rule may use + − * / and unary − with plain numbers on either side, the functions below (exp,
// log, log1p, expm1, sqrt, sin, cos, tanh, sigmoid, erf, abs, square, pow), and the helpers that
// have no derivative of their own: comparisons (a > 0, a == b, ...), both(c1, c2) and
// between(a, lo, hi) for conditions, step(a) = [a > 0], sign(a), iverson(condition) = 1 where it
// holds, else 0, and select(condition, x, y). Each exists for the three operand kinds: here for
// Num and Sym, for Var in ops/ops.hpp (the functions, comparisons) and ops/elementwise.hpp.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>

#include "math.hpp"

namespace tapegrad::rule {

template <class S>
concept Number = std::is_arithmetic_v<S>;

// ---- Numbers ----------------------------------------------------------------------------------

// A T that mixes with number literals without changing type: Num<float> * 0.5 is a Num<float>
// (0.5 is rounded to float first), where float * 0.5 would be computed in double.
template <class T>
struct Num {
  T v;
};

template <class T>
Num<T> num(Num<T> x) {
  return x;
}
template <class T, Number S>
Num<T> num(S s) {
  return {static_cast<T>(s)};
}

#define TAPEGRAD_NUM_OPERATOR(op)          \
  template <class T>                       \
  Num<T> operator op(Num<T> a, Num<T> b) { \
    return {a.v op b.v};                   \
  }                                        \
  template <class T, Number S>             \
  Num<T> operator op(Num<T> a, S b) {      \
    return {a.v op static_cast<T>(b)};     \
  }                                        \
  template <class T, Number S>             \
  Num<T> operator op(S a, Num<T> b) {      \
    return {static_cast<T>(a) op b.v};     \
  }
TAPEGRAD_NUM_OPERATOR(+)
TAPEGRAD_NUM_OPERATOR(-)
TAPEGRAD_NUM_OPERATOR(*)
TAPEGRAD_NUM_OPERATOR(/)
#undef TAPEGRAD_NUM_OPERATOR

#define TAPEGRAD_NUM_COMPARISON(op)      \
  template <class T>                     \
  bool operator op(Num<T> a, Num<T> b) { \
    return a.v op b.v;                   \
  }                                      \
  template <class T, Number S>           \
  bool operator op(Num<T> a, S b) {      \
    return a.v op static_cast<T>(b);     \
  }                                      \
  template <class T, Number S>           \
  bool operator op(S a, Num<T> b) {      \
    return static_cast<T>(a) op b.v;     \
  }
TAPEGRAD_NUM_COMPARISON(>)
TAPEGRAD_NUM_COMPARISON(<)
TAPEGRAD_NUM_COMPARISON(>=)
TAPEGRAD_NUM_COMPARISON(<=)
TAPEGRAD_NUM_COMPARISON(==)
#undef TAPEGRAD_NUM_COMPARISON

template <class T>
Num<T> operator-(Num<T> a) {
  return {-a.v};
}

template <class T>
Num<T> exp(Num<T> a) {
  return {std::exp(a.v)};
}
template <class T>
Num<T> log(Num<T> a) {
  return {std::log(a.v)};
}
template <class T>
Num<T> log1p(Num<T> a) {
  return {std::log1p(a.v)};
}
template <class T>
Num<T> expm1(Num<T> a) {
  return {std::expm1(a.v)};
}
template <class T>
Num<T> sqrt(Num<T> a) {
  return {std::sqrt(a.v)};
}
template <class T>
Num<T> sin(Num<T> a) {
  return {std::sin(a.v)};
}
template <class T>
Num<T> cos(Num<T> a) {
  return {std::cos(a.v)};
}
template <class T>
Num<T> tanh(Num<T> a) {
  return {std::tanh(a.v)};
}
template <class T>
Num<T> erf(Num<T> a) {
  return {std::erf(a.v)};
}
// NOTE: the stable form (ops/math.hpp): no overflow for any a, and it vectorizes.
template <class T>
Num<T> sigmoid(Num<T> a) {
  return {detail::sigmoid_of(a.v)};
}
template <class T>
Num<T> abs(Num<T> a) {
  return {std::fabs(a.v)};
}
template <class T>
Num<T> square(Num<T> a) {
  return {a.v * a.v};
}
template <class T>
Num<T> pow(Num<T> a, Num<T> b) {
  return {std::pow(a.v, b.v)};
}
template <class T, Number S>
Num<T> pow(Num<T> a, S b) {
  return {std::pow(a.v, static_cast<T>(b))};
}
template <class T, Number S>
Num<T> pow(S a, Num<T> b) {
  return {std::pow(static_cast<T>(a), b.v)};
}
template <class T>
Num<T> sign(Num<T> a) {
  return {static_cast<T>((a.v > T(0)) - (a.v < T(0)))};
}
template <class T>
Num<T> step(Num<T> a) {
  return {a.v > T(0) ? T(1) : T(0)};
}
// For numbers a condition is a bool.
inline bool iverson(bool condition) {
  return condition;
}
inline bool both(bool c1, bool c2) {
  return c1 && c2;
}
template <class T, Number S>
bool between(Num<T> a, S lo, S hi) {  // lo ≤ a ≤ hi
  return a.v >= static_cast<T>(lo) && a.v <= static_cast<T>(hi);
}
template <class X, class Y>
requires(!std::is_same_v<X, bool>) auto select(bool condition, X x, Y y) {
  if constexpr (Number<X> && Number<Y>) {
    using R = std::common_type_t<X, Y>;
    return condition ? static_cast<R>(x) : static_cast<R>(y);
  } else {
    using N = std::conditional_t<Number<X>, Y, X>;  // the Num<T> among x and y
    return condition ? num<decltype(N::v)>(x) : num<decltype(N::v)>(y);
  }
}

// ---- Symbols ----------------------------------------------------------------------------------

// An expression as text with its precedence, for graph labels. "{0}", "{1}" stand for the inputs'
// labels and "{y}" for the output's (graph views fill them in). Printing follows the usual
// conventions: products by juxtaposition where unambiguous ("{y}(1−{y})", "2{0}"), otherwise
// "·"; x·x as x²; minus signs as U+2212; no spaces.
class Sym {
 public:
  enum Precedence {
    kSelect = 0,
    kCondition = 1,
    kSum = 2,
    kProduct = 3,
    kUnary = 4,
    kPower = 5,
    kAtom = 6
  };

  static Sym symbol(std::string text) { return Sym(std::move(text), kAtom); }
  static Sym number(double value);
  // Implicit from plain numbers, so that rules mix them freely with symbols.
  template <Number S>
  Sym(S value) : Sym(number(static_cast<double>(value))) {}  // NOLINT(google-explicit-constructor)

  const std::string& text() const { return text_; }
  Precedence precedence() const { return precedence_; }
  bool is_number() const { return is_number_; }
  double value() const { return value_; }
  bool is_condition() const { return precedence_ == kCondition; }

  // The text, in parentheses if it binds less tightly than `context` needs.
  std::string operand(Precedence context) const;
  // As a base raised to a power: the base's text and the exponent (x² is "x" and 2).
  const std::string& base() const { return base_.empty() ? text_ : base_; }
  double exponent() const { return base_.empty() ? 1 : exponent_; }

  Sym(std::string text, Precedence precedence) : text_(std::move(text)), precedence_(precedence) {}
  static Sym power(const Sym& base, double exponent);

 private:
  std::string text_;
  Precedence precedence_ = kAtom;
  bool is_number_ = false;
  double value_ = 0;
  std::string base_;  // set for powers made by power()
  double exponent_ = 1;
};

Sym operator+(const Sym& a, const Sym& b);
Sym operator-(const Sym& a, const Sym& b);
Sym operator*(const Sym& a, const Sym& b);
Sym operator/(const Sym& a, const Sym& b);
Sym operator-(const Sym& a);
Sym operator>(const Sym& a, const Sym& b);
Sym operator<(const Sym& a, const Sym& b);
Sym operator>=(const Sym& a, const Sym& b);
Sym operator<=(const Sym& a, const Sym& b);
Sym operator==(const Sym& a, const Sym& b);
Sym exp(const Sym& a);
Sym log(const Sym& a);
Sym log1p(const Sym& a);
Sym expm1(const Sym& a);
Sym sqrt(const Sym& a);
Sym sin(const Sym& a);
Sym cos(const Sym& a);
Sym tanh(const Sym& a);
Sym erf(const Sym& a);
Sym sigmoid(const Sym& a);
Sym abs(const Sym& a);
Sym square(const Sym& a);
Sym pow(const Sym& a, const Sym& b);
Sym sign(const Sym& a);
Sym step(const Sym& a);                                        // "[a>0]"
Sym iverson(const Sym& condition);                             // "[condition]"
Sym both(const Sym& c1, const Sym& c2);                        // "c1 ∧ c2"
Sym between(const Sym& a, const Sym& lo, const Sym& hi);       // "lo≤a≤hi"
Sym select(const Sym& condition, const Sym& x, const Sym& y);  // "condition ? x : y"

}  // namespace tapegrad::rule
