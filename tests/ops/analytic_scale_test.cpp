// scale against its closed form: y = s·a for a constant s, ∂(s·a)/∂a = s, so da = s·G; also the
// operators that spell it (s * x, x * s, −x). Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_scale_test {  // the file's own scope: the test programs are unity
                                          // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("scale is y = s·a with da = s·G", "[ops][scale]", double, float) {
  using T = TestType;
  for (const double s : {2.5, -0.75, 0.0}) {
    INFO("s = " << s);
    check_elementwise<T>([s](const Var<T>& a) { return scale(a, static_cast<T>(s)); }, Shape{2, 3},
                         values(6, 0.4), [s](double a) { return s * a; },
                         [s](double) { return s; });  // ∂(s·a)/∂a = s
  }
}

TEMPLATE_TEST_CASE("s * x, x * s and −x are scale with s, s and −1", "[ops][scale]", double,
                   float) {
  using T = TestType;
  const T s = T(1.5);
  check_elementwise<T>([s](const Var<T>& a) { return s * a; }, Shape{4}, values(4, 0.4),
                       [](double a) { return 1.5 * a; }, [](double) { return 1.5; });
  check_elementwise<T>([s](const Var<T>& a) { return a * s; }, Shape{4}, values(4, 0.4),
                       [](double a) { return 1.5 * a; }, [](double) { return 1.5; });
  check_elementwise<T>([](const Var<T>& a) { return -a; }, Shape{4}, values(4, 0.4),
                       [](double a) { return -a; }, [](double) { return -1.0; });
}

TEMPLATE_TEST_CASE("scale(x, s) + x sums both paths: d/dx = s + 1", "[ops][scale]", double, float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return scale(x, T(-2.5)); }, Shape{2, 3},
                                   values(6, 0.3), [](double) { return -2.5; });
}

}  // namespace file_ops_analytic_scale_test
