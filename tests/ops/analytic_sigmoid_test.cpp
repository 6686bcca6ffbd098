// sigmoid against its closed form: σ(a) = 1 / (1 + e^(−a)) and dσ/da = σ(1 − σ), and its stable
// evaluation far out on both sides. Every case runs in double and in float.
#include <cmath>

#include "analytic_support.hpp"

namespace file_ops_analytic_sigmoid_test {  // the file's own scope: the test programs are unity
                                            // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

namespace {

double sigma(double a) {
  return 1.0 / (1.0 + std::exp(-a));
}

}  // namespace

TEMPLATE_TEST_CASE(
    "sigmoid is σ(a) = 1/(1 + e^(−a)) and its backward is dσ/da = σ(1−σ) times the "
    "incoming gradient",
    "[ops][sigmoid]", double, float) {
  using T = TestType;
  // Both branches of the stable evaluation (a ≥ 0 and a < 0), near 0 and in both tails.
  const std::vector<double> a = {-30.0, -8.0, -2.5, -0.75, 0.0, 0.5, 1.25, 3.0, 8.0, 30.0};
  check_elementwise<T>([](const Var<T>& x) { return sigmoid(x); }, Shape{2, 5}, a, sigma,
                       [](double x) { return sigma(x) * (1.0 - sigma(x)); });  // dσ/da = σ(1−σ)
}

TEMPLATE_TEST_CASE("sigmoid at a = ±1000 is exactly 1 and 0 with a zero gradient, never NaN or Inf",
                   "[ops][sigmoid][stability]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  // ±100 and ±89 overflow e^|a| in float; ±1000 overflow it in double too.
  const std::vector<double> a = {1000.0, -1000.0, 100.0, -100.0, 89.0, -89.0};
  const Var<T> va = tape.variable(tensor_of<T>({6}, a), true);

  const Var<T> z = sigmoid(va);
  tape.backward(z, tensor_of<T>({6}, {0.5, 1.5, -2.0, 0.75, 1.0, 1.0}));

  CHECK(z.data()[0] == T(1));
  CHECK(z.data()[1] == T(0));
  CHECK(va.grad()[0] == T(0));
  CHECK(va.grad()[1] == T(0));
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("a = " << a[i]);
    CHECK(std::isfinite(z.data()[i]));
    CHECK(std::isfinite(va.grad()[i]));
    CHECK(z.data()[i] >= T(0));
    CHECK(z.data()[i] <= T(1));
    CHECK(va.grad()[i] == Approx(0.0).margin(1e-30));
  }
}

TEMPLATE_TEST_CASE("sigmoid of a constant records no op and its output needs no gradient",
                   "[ops][sigmoid]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> a = tape.constant(tensor_of<T>({3}, {-1.0, 0.0, 2.0}));

  const Var<T> z = sigmoid(a);

  CHECK(tape.size() == 0);
  CHECK_FALSE(z.requires_grad());
  expect_close(z.data(), {sigma(-1.0), 0.5, sigma(2.0)});
}

TEMPLATE_TEST_CASE("sigmoid(x) + x sums both paths: d/dx = σ(1−σ) + 1", "[ops][sigmoid]", double,
                   float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return sigmoid(x); }, Shape{2, 3},
                                   values(6, 0.3),
                                   [](double x) { return sigma(x) * (1.0 - sigma(x)); });
}

}  // namespace file_ops_analytic_sigmoid_test
