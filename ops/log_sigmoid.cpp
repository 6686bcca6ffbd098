// log_sigmoid(a) = log σ(a) = −softplus(−a), elementwise, computed as min(a, 0) − log(1 + e^(−|a|))
// without overflow. d log σ(a)/da = σ(−a).
#include "elementwise.hpp"

namespace tapegrad {
namespace {
using namespace rule;

struct LogSigmoid {
  static constexpr std::string_view name = "log_sigmoid";
  auto value(auto a) const { return select(a < 0, a, 0) - log1p(exp(-abs(a))); }
  auto derivative(auto a, auto) const { return sigmoid(-a); }  // d log σ(a)/da = 1 − σ(a) = σ(−a)
};

}  // namespace

Var<float> log_sigmoid(const Var<float>& a) {
  return unary_op(a, LogSigmoid{});
}
Var<double> log_sigmoid(const Var<double>& a) {
  return unary_op(a, LogSigmoid{});
}

}  // namespace tapegrad
