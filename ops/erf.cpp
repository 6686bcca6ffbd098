// erf(a) = (2/√π) ∫₀ᵃ e^(−t²) dt, elementwise. d erf(a)/da = (2/√π) e^(−a²).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct Erf {
  static constexpr std::string_view name = "erf";
  auto value(auto a) const { return erf(a); }
  auto derivative(auto a, auto) const {
    return 1.1283791670955126 * exp(-(a * a));
  }  // d erf(a)/da = (2/√π) e^(−a²)
};

}  // namespace

Var<float> erf(const Var<float>& a) {
  return unary_op(a, Erf{});
}
Var<double> erf(const Var<double>& a) {
  return unary_op(a, Erf{});
}

}  // namespace tapegrad
