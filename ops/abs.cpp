// abs(a) = |a|, elementwise. d|a|/da = sgn(a), which is 0 at the kink a = 0 (torch).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Abs {
  static constexpr std::string_view name = "abs";
  auto value(auto a) const { return abs(a); }
  auto derivative(auto a, auto) const { return sign(a); }  // d|a|/da = sgn(a)
};

}  // namespace

Var<float> abs(const Var<float>& a) {
  return unary_op(a, Abs{});
}
Var<double> abs(const Var<double>& a) {
  return unary_op(a, Abs{});
}

}  // namespace tapegrad
