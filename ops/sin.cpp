// sin(a), elementwise. d sin a/da = cos a.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Sin {
  static constexpr std::string_view name = "sin";
  auto value(auto a) const { return sin(a); }
  auto derivative(auto a, auto) const { return cos(a); }  // d sin a/da = cos a
};

}  // namespace

Var<float> sin(const Var<float>& a) {
  return unary_op(a, Sin{});
}
Var<double> sin(const Var<double>& a) {
  return unary_op(a, Sin{});
}

}  // namespace tapegrad
