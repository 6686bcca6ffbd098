// relu against its closed form: y = max(0, a) and d relu/da = 1 where a > 0, else 0 (the
// subgradient 0 at a = 0, as PyTorch uses). Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_relu_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("relu is max(0, a) and its backward is 1[a > 0] times the incoming gradient",
                   "[ops][relu]", double, float) {
  using T = TestType;
  check_elementwise<T>([](const Var<T>& x) { return relu(x); }, Shape{3, 4}, values(12, 0.5),
                       [](double a) { return a > 0 ? a : 0.0; },
                       [](double a) { return a > 0 ? 1.0 : 0.0; });  // d relu/da = 1[a > 0]
}

TEMPLATE_TEST_CASE("relu gradient is 0 at exactly a = 0 and for negative a", "[ops][relu]", double,
                   float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = {0.0, -0.0, -1e-30, -2.0, 1e-30, 2.0};
  const std::vector<double> g = {1.5, -0.5, 2.0, 1.0, 0.25, -3.0};
  const Var<T> va = tape.variable(tensor_of<T>({6}, a), true);

  const Var<T> y = relu(va);
  tape.backward(y, tensor_of<T>({6}, g));

  for (std::size_t i = 0; i < 4; ++i) {  // a ≤ 0: y = 0, dy/da = 0
    INFO("a = " << a[i]);
    CHECK(y.data()[i] == T(0));
    CHECK(va.grad()[i] == T(0));
  }
  CHECK(y.data()[4] == T(1e-30));  // a > 0: y = a, dy/da = 1
  CHECK(va.grad()[4] == T(0.25));
  CHECK(y.data()[5] == T(2.0));
  CHECK(va.grad()[5] == T(-3.0));
}

TEMPLATE_TEST_CASE("relu(x) + x sums both paths: d/dx = 1[x > 0] + 1", "[ops][relu]", double,
                   float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return relu(x); }, Shape{2, 3},
                                   values(6, 0.3), [](double a) { return a > 0 ? 1.0 : 0.0; });
}

}  // namespace file_ops_analytic_relu_test
