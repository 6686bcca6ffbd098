// maximum(a, b), elementwise with NumPy broadcasting. The gradient goes to the larger input; at a
// tie each gets half (torch): ∂max/∂a = [a > b] + ½[a = b].
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Maximum {
  static constexpr std::string_view name = "maximum";
  auto value(auto a, auto b) const { return select(a >= b, a, b); }
  auto partial_a(auto a, auto b, auto) const { return iverson(a > b) + 0.5 * iverson(a == b); }
  auto partial_b(auto a, auto b, auto) const { return iverson(b > a) + 0.5 * iverson(a == b); }
};

}  // namespace

Var<float> maximum(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Maximum{});
}
Var<double> maximum(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Maximum{});
}
}  // namespace tapegrad
