// The elementwise ops against their derivatives worked out by hand: each row below gives the
// function and its derivative as plain C++ on doubles, written from the calculus, not from the
// op's rule; the op's value and backward must agree with them at random points, and its jvp (ẏ =
// f'(a)·ȧ) too.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core.hpp"

namespace file_ops_analytic_elementwise_test {  // the file's own scope: the test programs are unity
                                                // builds

using namespace tapegrad;

namespace {

struct Unary {
  std::string name;
  std::function<Var<double>(const Var<double>&)> op;
  std::function<double(double)> f, df;
  double lo, hi;  // where the points are drawn
};

double sigmoid_of(double a) {
  return 1 / (1 + std::exp(-a));
}

std::vector<Unary> unary_table() {
  const double pi = 3.141592653589793;
  // clang-format off
  return {
      {"sigmoid", [](auto& a) { return sigmoid(a); }, sigmoid_of, [](double a) { return sigmoid_of(a) * (1 - sigmoid_of(a)); }, -4, 4},
      {"tanh", [](auto& a) { return tanh(a); }, [](double a) { return std::tanh(a); }, [](double a) { return 1 / (std::cosh(a) * std::cosh(a)); }, -3, 3},
      {"exp", [](auto& a) { return exp(a); }, [](double a) { return std::exp(a); }, [](double a) { return std::exp(a); }, -3, 3},
      {"log", [](auto& a) { return log(a); }, [](double a) { return std::log(a); }, [](double a) { return 1 / a; }, 0.1, 4},
      {"relu", [](auto& a) { return relu(a); }, [](double a) { return a > 0 ? a : 0; }, [](double a) { return a > 0 ? 1.0 : 0.0; }, -3, 3},
      {"neg", [](auto& a) { return -a; }, [](double a) { return -a; }, [](double) { return -1.0; }, -3, 3},
      {"reciprocal", [](auto& a) { return reciprocal(a); }, [](double a) { return 1 / a; }, [](double a) { return -1 / (a * a); }, 0.2, 3},
      {"square", [](auto& a) { return square(a); }, [](double a) { return a * a; }, [](double a) { return 2 * a; }, -3, 3},
      {"sqrt", [](auto& a) { return sqrt(a); }, [](double a) { return std::sqrt(a); }, [](double a) { return 1 / (2 * std::sqrt(a)); }, 0.1, 4},
      {"rsqrt", [](auto& a) { return rsqrt(a); }, [](double a) { return 1 / std::sqrt(a); }, [](double a) { return -0.5 * std::pow(a, -1.5); }, 0.1, 4},
      {"abs", [](auto& a) { return abs(a); }, [](double a) { return std::fabs(a); }, [](double a) { return a > 0 ? 1.0 : -1.0; }, -3, 3},
      {"log1p", [](auto& a) { return log1p(a); }, [](double a) { return std::log(1 + a); }, [](double a) { return 1 / (1 + a); }, -0.9, 3},
      {"expm1", [](auto& a) { return expm1(a); }, [](double a) { return std::exp(a) - 1; }, [](double a) { return std::exp(a); }, -3, 3},
      {"sin", [](auto& a) { return sin(a); }, [](double a) { return std::sin(a); }, [](double a) { return std::cos(a); }, -4, 4},
      {"cos", [](auto& a) { return cos(a); }, [](double a) { return std::cos(a); }, [](double a) { return -std::sin(a); }, -4, 4},
      {"erf", [](auto& a) { return erf(a); }, [](double a) { return std::erf(a); }, [=](double a) { return 2 / std::sqrt(pi) * std::exp(-a * a); }, -3, 3},
      {"softplus", [](auto& a) { return softplus(a); }, [](double a) { return std::log(1 + std::exp(a)); }, sigmoid_of, -5, 5},
      {"log_sigmoid", [](auto& a) { return log_sigmoid(a); }, [](double a) { return std::log(sigmoid_of(a)); }, [](double a) { return 1 - sigmoid_of(a); }, -5, 5},
      {"leaky_relu", [](auto& a) { return leaky_relu(a, 0.2); }, [](double a) { return a > 0 ? a : 0.2 * a; }, [](double a) { return a > 0 ? 1.0 : 0.2; }, -3, 3},
      {"elu", [](auto& a) { return elu(a, 0.7); }, [](double a) { return a > 0 ? a : 0.7 * (std::exp(a) - 1); }, [](double a) { return a > 0 ? 1.0 : 0.7 * std::exp(a); }, -3, 3},
      {"silu", [](auto& a) { return silu(a); }, [](double a) { return a * sigmoid_of(a); }, [](double a) { return sigmoid_of(a) + a * sigmoid_of(a) * (1 - sigmoid_of(a)); }, -4, 4},
      {"gelu", [](auto& a) { return gelu(a); }, [](double a) { return a * 0.5 * std::erfc(-a / std::sqrt(2.0)); }, [=](double a) { return 0.5 * std::erfc(-a / std::sqrt(2.0)) + a * std::exp(-a * a / 2) / std::sqrt(2 * pi); }, -3, 3},
      {"gelu (tanh)", [](auto& a) { return gelu(a, GeluApproximation::kTanh); },
       [=](double a) { return 0.5 * a * (1 + std::tanh(std::sqrt(2 / pi) * (a + 0.044715 * a * a * a))); },
       [=](double a) {  // the product rule on ½a(1 + tanh u), u' = √(2/π)(1 + 3·0.044715a²)
         const double u = std::sqrt(2 / pi) * (a + 0.044715 * a * a * a), t = std::tanh(u);
         return 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * std::sqrt(2 / pi) * (1 + 3 * 0.044715 * a * a);
       }, -3, 3},
      {"clamp", [](auto& a) { return clamp(a, -1.0, 0.5); }, [](double a) { return std::min(std::max(a, -1.0), 0.5); }, [](double a) { return a >= -1 && a <= 0.5 ? 1.0 : 0.0; }, -3, 3},
      {"x + 1.5", [](auto& a) { return a + 1.5; }, [](double a) { return a + 1.5; }, [](double) { return 1.0; }, -3, 3},
      {"2 − x", [](auto& a) { return 2 - a; }, [](double a) { return 2 - a; }, [](double) { return -1.0; }, -3, 3},
      {"x / 4", [](auto& a) { return a / 4; }, [](double a) { return a / 4; }, [](double) { return 0.25; }, -3, 3},
      {"3 / x", [](auto& a) { return 3 / a; }, [](double a) { return 3 / a; }, [](double a) { return -3 / (a * a); }, 0.2, 3},
      {"x^2.5", [](auto& a) { return pow(a, 2.5); }, [](double a) { return std::pow(a, 2.5); }, [](double a) { return 2.5 * std::pow(a, 1.5); }, 0.1, 3},
      {"2^x", [](auto& a) { return pow(2.0, a); }, [](double a) { return std::pow(2.0, a); }, [](double a) { return std::pow(2.0, a) * std::log(2.0); }, -3, 3},
  };
  // clang-format on
}

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b));
}

}  // namespace

TEST_CASE("elementwise ops agree with their derivatives worked out by hand", "[ops][analytic]") {
  std::mt19937_64 rng(11);
  for (const Unary& u : unary_table()) {
    INFO(u.name);
    std::uniform_real_distribution<double> draw(u.lo, u.hi);
    Tensor<double> x(Shape{16});
    for (double& v : x.values()) v = draw(rng);
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Var<double> a = tape.variable(x, true);
    const Var<double> y = u.op(a);
    y.backward(Tensor<double>::full(Shape{16}, 1.0));
    const JvpResult<double> forward = jvp<double>([&](const Var<double>& v) { return u.op(v); }, x,
                                                  Tensor<double>::full(Shape{16}, 1.0));
    for (std::size_t i = 0; i < 16; ++i) {
      INFO("at a = " << x[i]);
      CHECK(close(y.data()[i], u.f(x[i])));
      CHECK(close(a.grad()[i], u.df(x[i])));
      CHECK(close(forward.tangent[i], u.df(x[i])));
    }
  }
}

TEST_CASE("binary elementwise ops agree with their partial derivatives worked out by hand",
          "[ops][analytic]") {
  struct Binary {
    std::string name;
    std::function<Var<double>(const Var<double>&, const Var<double>&)> op;
    std::function<double(double, double)> f, da, db;
  };
  // clang-format off
  const std::vector<Binary> table = {
      {"div", [](auto& a, auto& b) { return a / b; }, [](double a, double b) { return a / b; }, [](double, double b) { return 1 / b; }, [](double a, double b) { return -a / (b * b); }},
      {"pow", [](auto& a, auto& b) { return pow(a, b); }, [](double a, double b) { return std::pow(a, b); }, [](double a, double b) { return b * std::pow(a, b - 1); }, [](double a, double b) { return std::pow(a, b) * std::log(a); }},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); }, [](double a, double b) { return std::max(a, b); }, [](double a, double b) { return a > b ? 1.0 : 0.0; }, [](double a, double b) { return b > a ? 1.0 : 0.0; }},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); }, [](double a, double b) { return std::min(a, b); }, [](double a, double b) { return a < b ? 1.0 : 0.0; }, [](double a, double b) { return b < a ? 1.0 : 0.0; }},
      {"mul", [](auto& a, auto& b) { return a * b; }, [](double a, double b) { return a * b; }, [](double, double b) { return b; }, [](double a, double) { return a; }},
  };
  // clang-format on
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> draw(0.3, 3);  // positive: pow's base
  for (const Binary& op : table) {
    INFO(op.name);
    Tensor<double> x(Shape{8}), z(Shape{8});
    for (double& v : x.values()) v = draw(rng);
    for (double& v : z.values()) v = draw(rng);
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Var<double> a = tape.variable(x, true), b = tape.variable(z, true);
    const Var<double> y = op.op(a, b);
    y.backward(Tensor<double>::full(Shape{8}, 1.0));
    for (std::size_t i = 0; i < 8; ++i) {
      INFO("at a = " << x[i] << ", b = " << z[i]);
      CHECK(close(y.data()[i], op.f(x[i], z[i])));
      CHECK(close(a.grad()[i], op.da(x[i], z[i])));
      CHECK(close(b.grad()[i], op.db(x[i], z[i])));
    }
  }
}

}  // namespace file_ops_analytic_elementwise_test
