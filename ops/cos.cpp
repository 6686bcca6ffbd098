// cos(a), elementwise. d cos a/da = −sin a.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Cos {
  static constexpr std::string_view name = "cos";
  auto value(auto a) const { return cos(a); }
  auto derivative(auto a, auto) const { return -sin(a); }  // d cos a/da = −sin a
};

}  // namespace

Var<float> cos(const Var<float>& a) {
  return unary_op(a, Cos{});
}
Var<double> cos(const Var<double>& a) {
  return unary_op(a, Cos{});
}

}  // namespace tapegrad
