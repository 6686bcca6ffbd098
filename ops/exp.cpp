// exp(a) = e^a, elementwise. d e^a/da = e^a = y: the backward reads the output.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Exp {
  static constexpr std::string_view name = "exp";
  auto value(auto a) const { return exp(a); }
  auto derivative(auto, auto y) const { return y; }  // d e^a/da = e^a
};

}  // namespace

Var<float> exp(const Var<float>& a) {
  return unary_op(a, Exp{});
}
Var<double> exp(const Var<double>& a) {
  return unary_op(a, Exp{});
}

}  // namespace tapegrad
