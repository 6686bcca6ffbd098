// leaky_relu(a, slope) = a for a > 0, slope·a otherwise, elementwise. Its derivative is 1 for
// a > 0 and slope otherwise, slope at the kink a = 0 too (torch).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

template <class T>
struct LeakyRelu {
  static constexpr std::string_view name = "leaky_relu";
  T slope;
  auto value(auto a) const { return select(a > 0, a, slope * a); }
  auto derivative(auto a, auto) const { return select(a > 0, 1, slope); }  // 1 or slope
};

}  // namespace

Var<float> leaky_relu(const Var<float>& a, float slope) {
  return unary_op(a, LeakyRelu<float>{slope});
}
Var<double> leaky_relu(const Var<double>& a, double slope) {
  return unary_op(a, LeakyRelu<double>{slope});
}

}  // namespace tapegrad
