// sigmoid(a) = 1 / (1 + e^(−a)), elementwise. dσ/da = σ(1 − σ) = y(1 − y), in terms of the
// output alone (the reference derivation, step 2). NOTE: the stable form (ops/math.hpp) never
// overflows: σ(±1000) is 1 and 0, not NaN.
#include "../graph/hot.hpp"
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Sigmoid {
  static constexpr std::string_view name = "sigmoid";
  auto value(auto a) const { return sigmoid(a); }
  auto derivative(auto, auto y) const { return y * (1 - y); }  // dσ/da = σ(1 − σ)
};

}  // namespace

TAPEGRAD_HOT Var<float> sigmoid(const Var<float>& a) {
  return unary_op(a, Sigmoid{});
}
TAPEGRAD_HOT Var<double> sigmoid(const Var<double>& a) {
  return unary_op(a, Sigmoid{});
}

}  // namespace tapegrad
