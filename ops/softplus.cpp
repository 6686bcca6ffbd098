// softplus(a) = log(1 + e^a), elementwise, computed as max(a, 0) + log(1 + e^(−|a|)), which never
// overflows. d softplus/da = σ(a). (torch switches to a above 20; here the formula stays exact
// there too.)
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Softplus {
  static constexpr std::string_view name = "softplus";
  auto value(auto a) const { return select(a > 0, a, 0) + log1p(exp(-abs(a))); }
  auto derivative(auto a, auto) const { return sigmoid(a); }  // d log(1+eᵃ)/da = σ(a)
};

}  // namespace

Var<float> softplus(const Var<float>& a) {
  return unary_op(a, Softplus{});
}
Var<double> softplus(const Var<double>& a) {
  return unary_op(a, Softplus{});
}

}  // namespace tapegrad
