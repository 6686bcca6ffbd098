// sqrt(a) = √a, elementwise. d√a/da = 1/(2√a) = 0.5/y: inf at 0, as in torch; NaN for a < 0.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Sqrt {
  static constexpr std::string_view name = "sqrt";
  auto value(auto a) const { return sqrt(a); }
  auto derivative(auto, auto y) const { return 0.5 / y; }  // d√a/da = 1/(2√a)
};

}  // namespace

Var<float> sqrt(const Var<float>& a) {
  return unary_op(a, Sqrt{});
}
Var<double> sqrt(const Var<double>& a) {
  return unary_op(a, Sqrt{});
}

}  // namespace tapegrad
