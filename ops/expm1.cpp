// expm1(a) = e^a − 1, elementwise, exact for small a. d(e^a − 1)/da = e^a = y + 1.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Expm1 {
  static constexpr std::string_view name = "expm1";
  auto value(auto a) const { return expm1(a); }
  auto derivative(auto, auto y) const { return y + 1; }  // d(e^a − 1)/da = e^a = y + 1
};

}  // namespace

Var<float> expm1(const Var<float>& a) {
  return unary_op(a, Expm1{});
}
Var<double> expm1(const Var<double>& a) {
  return unary_op(a, Expm1{});
}

}  // namespace tapegrad
