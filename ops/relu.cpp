// relu(a) = max(0, a), elementwise. d relu/da = [a > 0]: 1 where a > 0, else 0; at the kink
// a = 0 the derivative is 0, as PyTorch takes it.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Relu {
  static constexpr std::string_view name = "relu";
  auto value(auto a) const { return select(a > 0, a, 0); }
  auto derivative(auto a, auto) const { return step(a); }  // d relu/da = [a > 0]
};

}  // namespace

Var<float> relu(const Var<float>& a) {
  return unary_op(a, Relu{});
}
Var<double> relu(const Var<double>& a) {
  return unary_op(a, Relu{});
}

}  // namespace tapegrad
