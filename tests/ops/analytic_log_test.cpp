// log against its closed form: y = log(a) (natural) and d log(a)/da = 1/a.
// Every case runs in double and in float.
#include <cmath>

#include "analytic_support.hpp"

namespace file_ops_analytic_log_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE(
    "log is y = ln(a) and its backward is d log(a)/da = 1/a times the incoming "
    "gradient",
    "[ops][log]", double, float) {
  using T = TestType;
  std::vector<double> a = positive_values(5, 0.8);
  a.push_back(1.0);  // ln 1 = 0
  check_elementwise<T>([](const Var<T>& x) { return log(x); }, Shape{2, 3}, a,
                       [](double x) { return std::log(x); },
                       [](double x) { return 1.0 / x; });  // d log/da = 1/a
}

TEMPLATE_TEST_CASE("log(x) + x sums both paths: d/dx = 1/x + 1", "[ops][log]", double, float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return log(x); }, Shape{2, 3},
                                   positive_values(6, 0.3), [](double a) { return 1.0 / a; });
}

}  // namespace file_ops_analytic_log_test
