// reciprocal(a) = 1/a, elementwise. d(1/a)/da = −1/a² = −y², in terms of the output. 1/0 is inf.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Reciprocal {
  static constexpr std::string_view name = "reciprocal";
  auto value(auto a) const { return 1 / a; }
  auto derivative(auto, auto y) const { return -(y * y); }  // d(1/a)/da = −1/a² = −y²
};

}  // namespace

Var<float> reciprocal(const Var<float>& a) {
  return unary_op(a, Reciprocal{});
}
Var<double> reciprocal(const Var<double>& a) {
  return unary_op(a, Reciprocal{});
}

}  // namespace tapegrad
