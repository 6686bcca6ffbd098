// log1p(a) = log(1 + a), elementwise, exact for small a. d log(1+a)/da = 1/(1 + a).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Log1p {
  static constexpr std::string_view name = "log1p";
  auto value(auto a) const { return log1p(a); }
  auto derivative(auto a, auto) const { return 1 / (1 + a); }  // d log(1+a)/da = 1/(1+a)
};

}  // namespace

Var<float> log1p(const Var<float>& a) {
  return unary_op(a, Log1p{});
}
Var<double> log1p(const Var<double>& a) {
  return unary_op(a, Log1p{});
}

}  // namespace tapegrad
