// rule::Sym: derivative rules evaluated as text for graph labels (ops/rule.hpp). The
// simplifications are the ones a reader does by eye (x·1 = x, x·x = x², 1 + −1 = 0) so that a rule
// written naturally prints as the formula a textbook would show.
#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "../rule.hpp"

namespace tapegrad::rule {
namespace {

constexpr const char* kMinus = "\u2212";  // −

bool is(const Sym& s, double value) {
  return s.is_number() && s.value() == value;
}

// "²" for 2, ..., "⁹" for 9; "^p" otherwise.
std::string exponent_text(double p) {
  static const char* const superscripts[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  if (p >= 2 && p <= 9 && p == std::floor(p)) return superscripts[static_cast<int>(p)];
  return fmt::format("^{}", Sym::number(p).operand(Sym::kAtom));
}

Sym function(const char* name, const Sym& a) {
  return Sym(fmt::format("{}({})", name, a.text()), Sym::kAtom);
}

Sym compare(const Sym& a, const char* op, const Sym& b) {
  return Sym(fmt::format("{}{}{}", a.operand(Sym::kSum), op, b.operand(Sym::kSum)),
             Sym::kCondition);
}

}  // namespace

Sym Sym::number(double value) {
  std::string text = fmt::format("{:g}", std::fabs(value));
  if (std::signbit(value) && value != 0) text = fmt::format("{}{}", kMinus, text);
  Sym s(std::move(text), value < 0 ? kUnary : kAtom);
  s.is_number_ = true;
  s.value_ = value;
  return s;
}

std::string Sym::operand(Precedence context) const {
  return precedence_ < context ? fmt::format("({})", text_) : text_;
}

Sym Sym::power(const Sym& base, double exponent) {
  if (exponent == 1) return base;
  Sym s(fmt::format("{}{}", base.operand(kAtom), exponent_text(exponent)), kPower);
  s.base_ = base.text();
  s.exponent_ = exponent;
  return s;
}

Sym operator+(const Sym& a, const Sym& b) {
  if (a.is_number() && b.is_number()) return Sym::number(a.value() + b.value());
  if (is(a, 0)) return b;
  if (is(b, 0)) return a;
  if (b.is_number() && b.value() < 0) return a - Sym::number(-b.value());
  return Sym(fmt::format("{}+{}", a.operand(Sym::kSum), b.operand(Sym::kSum)), Sym::kSum);
}

Sym operator-(const Sym& a, const Sym& b) {
  if (a.is_number() && b.is_number()) return Sym::number(a.value() - b.value());
  if (is(b, 0)) return a;
  if (is(a, 0)) return -b;
  // The right operand of a difference needs parentheses if it is itself a sum.
  return Sym(fmt::format("{}{}{}", a.operand(Sym::kSum), kMinus, b.operand(Sym::kProduct)),
             Sym::kSum);
}

Sym operator*(const Sym& a, const Sym& b) {
  if (a.is_number() && b.is_number()) return Sym::number(a.value() * b.value());
  if (is(a, 0) || is(b, 0)) return Sym::number(0);
  if (is(a, 1)) return b;
  if (is(b, 1)) return a;
  if (is(a, -1)) return -b;
  if (is(b, -1)) return -a;
  if (b.is_number()) return b * a;  // numbers first: 2{0}, not {0}·2
  if (a.precedence() >= Sym::kPower && b.precedence() >= Sym::kPower && a.base() == b.base())
    return Sym::power(Sym::symbol(a.base()), a.exponent() + b.exponent());
  const std::string left = a.operand(Sym::kProduct), right = b.operand(Sym::kProduct);
  // Juxtaposition where it cannot be misread: before a parenthesis, or a number before a name.
  const char first = right.front();
  const bool juxtapose = first == '(' || (a.is_number() && a.value() >= 0 &&
                                          (first == '{' || first == '[' || std::isalpha(first)));
  return Sym(fmt::format("{}{}{}", left, juxtapose ? "" : "·", right), Sym::kProduct);
}

Sym operator/(const Sym& a, const Sym& b) {
  if (a.is_number() && b.is_number()) return Sym::number(a.value() / b.value());
  if (is(b, 1)) return a;
  return Sym(fmt::format("{}/{}", a.operand(Sym::kProduct), b.operand(Sym::kPower)), Sym::kProduct);
}

Sym operator-(const Sym& a) {
  if (a.is_number()) return Sym::number(-a.value());
  return Sym(fmt::format("{}{}", kMinus, a.operand(Sym::kProduct)), Sym::kUnary);
}

Sym operator>(const Sym& a, const Sym& b) {
  return compare(a, ">", b);
}
Sym operator<(const Sym& a, const Sym& b) {
  return compare(a, "<", b);
}
Sym operator>=(const Sym& a, const Sym& b) {
  return compare(a, "≥", b);
}
Sym operator<=(const Sym& a, const Sym& b) {
  return compare(a, "≤", b);
}
Sym operator==(const Sym& a, const Sym& b) {
  return compare(a, "=", b);
}

Sym exp(const Sym& a) {
  return function("exp", a);
}
Sym log(const Sym& a) {
  return function("log", a);
}
Sym log1p(const Sym& a) {
  return function("log1p", a);
}
Sym expm1(const Sym& a) {
  return function("expm1", a);
}
Sym sqrt(const Sym& a) {
  return Sym(fmt::format("√{}", a.operand(Sym::kAtom)), Sym::kAtom);
}
Sym sin(const Sym& a) {
  return function("sin", a);
}
Sym cos(const Sym& a) {
  return function("cos", a);
}
Sym tanh(const Sym& a) {
  return function("tanh", a);
}
Sym erf(const Sym& a) {
  return function("erf", a);
}
Sym sigmoid(const Sym& a) {
  return function("σ", a);
}
Sym abs(const Sym& a) {
  return Sym(fmt::format("|{}|", a.text()), Sym::kAtom);
}
Sym square(const Sym& a) {
  return a * a;
}
Sym pow(const Sym& a, const Sym& b) {
  if (b.is_number()) {
    if (b.value() == 0) return Sym::number(1);
    if (a.is_number()) return Sym::number(std::pow(a.value(), b.value()));
    if (a.precedence() >= Sym::kPower)
      return Sym::power(Sym::symbol(a.base()), a.exponent() * b.value());
    return Sym::power(a, b.value());
  }
  return Sym(fmt::format("{}^{}", a.operand(Sym::kAtom), b.operand(Sym::kAtom)), Sym::kPower);
}
Sym sign(const Sym& a) {
  return function("sgn", a);
}
Sym step(const Sym& a) {
  return iverson(a > Sym::number(0));
}
Sym iverson(const Sym& condition) {
  return Sym(fmt::format("[{}]", condition.text()), Sym::kAtom);
}
Sym both(const Sym& c1, const Sym& c2) {
  return Sym(fmt::format("{} ∧ {}", c1.text(), c2.text()), Sym::kCondition);
}
Sym between(const Sym& a, const Sym& lo, const Sym& hi) {
  return Sym(
      fmt::format("{}≤{}≤{}", lo.operand(Sym::kSum), a.operand(Sym::kSum), hi.operand(Sym::kSum)),
      Sym::kCondition);
}
Sym select(const Sym& condition, const Sym& x, const Sym& y) {
  return Sym(fmt::format("{} ? {} : {}", condition.text(), x.operand(Sym::kCondition),
                         y.operand(Sym::kCondition)),
             Sym::kSelect);
}

}  // namespace tapegrad::rule
