// tanh(a), elementwise. d tanh/da = 1 − tanh² = 1 − y², in terms of the output alone.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Tanh {
  static constexpr std::string_view name = "tanh";
  auto value(auto a) const { return tanh(a); }
  auto derivative(auto, auto y) const { return 1 - y * y; }  // d tanh/da = 1 − tanh²
};

}  // namespace

Var<float> tanh(const Var<float>& a) {
  return unary_op(a, Tanh{});
}
Var<double> tanh(const Var<double>& a) {
  return unary_op(a, Tanh{});
}

}  // namespace tapegrad
