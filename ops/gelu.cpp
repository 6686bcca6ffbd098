// gelu(a) = a·Φ(a), Φ the standard normal distribution function, elementwise: exactly, with
// Φ(a) = ½(1 + erf(a/√2)), d/da = Φ(a) + a·φ(a), φ(a) = e^(−a²/2)/√(2π); or torch's tanh
// approximation ½a(1 + tanh u), u = √(2/π)(a + 0.044715a³), whose derivative is
// ½(1 + tanh u) + ½a(1 − tanh² u)·√(2/π)(1 + 3·0.044715a²).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

constexpr double kInvSqrt2 = 0.70710678118654752440;     // 1/√2
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/√(2π)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π)
constexpr double kCubic = 0.044715;

struct GeluErf {
  static constexpr std::string_view name = "gelu";
  auto value(auto a) const { return 0.5 * a * (1 + erf(a * kInvSqrt2)); }
  auto derivative(auto a, auto) const {  // Φ(a) + a φ(a)
    return 0.5 * (1 + erf(a * kInvSqrt2)) + a * (kInvSqrt2Pi * exp(-0.5 * (a * a)));
  }
};

struct GeluTanh {
  static constexpr std::string_view name = "gelu";
  auto value(auto a) const {
    return 0.5 * a * (1 + tanh(kSqrt2OverPi * (a + kCubic * (a * a * a))));
  }
  auto derivative(auto a, auto) const {  // ½(1 + t) + ½a(1 − t²)·√(2/π)(1 + 3·0.044715a²)
    const auto t = tanh(kSqrt2OverPi * (a + kCubic * (a * a * a)));
    return 0.5 * (1 + t) + 0.5 * a * ((1 - t * t) * (kSqrt2OverPi * (1 + 3 * kCubic * (a * a))));
  }
};

template <class T>
Var<T> gelu_forward(const Var<T>& a, GeluApproximation approximation) {
  return approximation == GeluApproximation::kTanh ? unary_op(a, GeluTanh{})
                                                   : unary_op(a, GeluErf{});
}

}  // namespace

Var<float> gelu(const Var<float>& a, GeluApproximation approximation) {
  return gelu_forward(a, approximation);
}
Var<double> gelu(const Var<double>& a, GeluApproximation approximation) {
  return gelu_forward(a, approximation);
}

}  // namespace tapegrad
