// add(a, b) = a + b with NumPy broadcasting, and a + s for a number s. ∂(a+b)/∂a = ∂(a+b)/∂b = 1:
// each input's gradient is the output's, summed over the axes that input was broadcast along.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Add {
  static constexpr std::string_view name = "add";
  auto value(auto a, auto b) const { return a + b; }
  auto partial_a(auto, auto, auto) const { return 1; }  // ∂(a+b)/∂a = 1
  auto partial_b(auto, auto, auto) const { return 1; }  // ∂(a+b)/∂b = 1
};

template <class T>
struct AddNumber {
  static constexpr std::string_view name = "add_scalar";
  T s;
  auto value(auto a) const { return a + s; }
  auto derivative(auto, auto) const { return 1; }  // ∂(a+s)/∂a = 1
};

}  // namespace

Var<float> add(const Var<float>& a, const Var<float>& b) {
  return binary_op(a, b, Add{});
}
Var<double> add(const Var<double>& a, const Var<double>& b) {
  return binary_op(a, b, Add{});
}
Var<float> add(const Var<float>& a, float s) {
  return unary_op(a, AddNumber<float>{s});
}
Var<double> add(const Var<double>& a, double s) {
  return unary_op(a, AddNumber<double>{s});
}

}  // namespace tapegrad
