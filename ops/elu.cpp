// elu(a, alpha) = a for a > 0, alpha·(e^a − 1) otherwise, elementwise. Its derivative is 1 for
// a > 0 and alpha·e^a = y + alpha for a < 0; at a = 0 it is alpha, and, as in torch, constant
// there, so that the second derivative at 0 is 0.
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

template <class T>
struct Elu {
  static constexpr std::string_view name = "elu";
  T alpha;
  auto value(auto a) const { return select(a > 0, a, alpha * expm1(a)); }
  auto derivative(auto a, auto y) const {  // 1, or α eᵃ = y + α
    return select(a > 0, 1, select(a < 0, y + alpha, alpha));
  }
};

}  // namespace

Var<float> elu(const Var<float>& a, float alpha) {
  return unary_op(a, Elu<float>{alpha});
}
Var<double> elu(const Var<double>& a, double alpha) {
  return unary_op(a, Elu<double>{alpha});
}

}  // namespace tapegrad
