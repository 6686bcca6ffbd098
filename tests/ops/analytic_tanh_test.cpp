// tanh against its closed form: y = tanh(a) and d tanh/da = 1 − tanh²(a) = sech²(a).
// Every case runs in double and in float.
#include <cmath>

#include "analytic_support.hpp"

namespace file_ops_analytic_tanh_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE(
    "tanh backward is d tanh/da = 1 − tanh²(a) = 1/cosh²(a) times the incoming "
    "gradient",
    "[ops][tanh]", double, float) {
  using T = TestType;
  check_elementwise<T>(
      [](const Var<T>& x) { return tanh(x); }, Shape{2, 4}, values(8, 0.6),
      [](double a) { return std::tanh(a); },
      [](double a) { return 1.0 / (std::cosh(a) * std::cosh(a)); });  // 1 − tanh² = sech²
}

TEMPLATE_TEST_CASE("tanh far out is ±1 with a zero gradient, never NaN", "[ops][tanh][stability]",
                   double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> a = tape.variable(tensor_of<T>({2}, {1000.0, -1000.0}), true);

  const Var<T> y = tanh(a);
  tape.backward(y, tensor_of<T>({2}, {0.5, -1.5}));

  CHECK(y.data()[0] == T(1));
  CHECK(y.data()[1] == T(-1));
  CHECK(a.grad()[0] == T(0));
  CHECK(a.grad()[1] == T(0));
}

TEMPLATE_TEST_CASE("tanh(x) + x sums both paths: d/dx = 1 − tanh² + 1", "[ops][tanh]", double,
                   float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return tanh(x); }, Shape{2, 3},
                                   values(6, 0.3),
                                   [](double a) { return 1.0 / (std::cosh(a) * std::cosh(a)); });
}

}  // namespace file_ops_analytic_tanh_test
