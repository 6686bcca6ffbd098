// scale(a, s) = s·a for a number s; also a * s and s * a. ∂(s·a)/∂a = s.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

template <class T>
struct Scale {
  static constexpr std::string_view name = "scale";
  T s;
  auto value(auto a) const { return s * a; }
  auto derivative(auto, auto) const { return s; }  // ∂(s·a)/∂a = s
};

}  // namespace

Var<float> scale(const Var<float>& a, float s) {
  return unary_op(a, Scale<float>{s});
}
Var<double> scale(const Var<double>& a, double s) {
  return unary_op(a, Scale<double>{s});
}

}  // namespace tapegrad
