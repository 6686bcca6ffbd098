// rsqrt(a) = 1/√a, elementwise. d a^(−½)/da = −½ a^(−3/2) = −½ y³, in terms of the output.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Rsqrt {
  static constexpr std::string_view name = "rsqrt";
  auto value(auto a) const { return 1 / sqrt(a); }
  auto derivative(auto, auto y) const {
    return -0.5 * pow(y, 3);
  }  // d a^(−½)/da = −½a^(−3/2) = −½y³
};

}  // namespace

Var<float> rsqrt(const Var<float>& a) {
  return unary_op(a, Rsqrt{});
}
Var<double> rsqrt(const Var<double>& a) {
  return unary_op(a, Rsqrt{});
}

}  // namespace tapegrad
