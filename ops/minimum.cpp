// minimum(a, b), elementwise with NumPy broadcasting. The gradient goes to the smaller input; at a
// tie each gets half (torch): ∂min/∂a = [a < b] + ½[a = b].
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Minimum {
  static constexpr std::string_view name = "minimum";
  auto value(auto a, auto b) const { return select(a <= b, a, b); }
  auto partial_a(auto a, auto b, auto) const { return iverson(a < b) + 0.5 * iverson(a == b); }
  auto partial_b(auto a, auto b, auto) const { return iverson(b < a) + 0.5 * iverson(a == b); }
};

}  // namespace

Var<float> minimum(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Minimum{});
}
Var<double> minimum(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Minimum{});
}
}  // namespace tapegrad
