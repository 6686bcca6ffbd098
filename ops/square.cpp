// square(a) = a², elementwise. d a²/da = 2a.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Square {
  static constexpr std::string_view name = "square";
  auto value(auto a) const { return a * a; }
  auto derivative(auto a, auto) const { return 2 * a; }  // d a²/da = 2a
};

}  // namespace

Var<float> square(const Var<float>& a) {
  return unary_op(a, Square{});
}
Var<double> square(const Var<double>& a) {
  return unary_op(a, Square{});
}

}  // namespace tapegrad
