// exp against its closed form: y = e^a and d e^a/da = e^a. Every case runs in double and in float.
#include <cmath>

#include "analytic_support.hpp"

namespace file_ops_analytic_exp_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("exp is y = e^a and its backward is d e^a/da = e^a times the incoming gradient",
                   "[ops][exp]", double, float) {
  using T = TestType;
  check_elementwise<T>([](const Var<T>& x) { return exp(x); }, Shape{2, 3}, values(6, 0.8),
                       [](double a) { return std::exp(a); },
                       [](double a) { return std::exp(a); });  // d e^a/da = e^a
}

TEMPLATE_TEST_CASE("exp(x) + x sums both paths: d/dx = e^x + 1", "[ops][exp]", double, float) {
  using T = TestType;
  check_elementwise_accumulates<T>([](const Var<T>& x) { return exp(x); }, Shape{2, 3},
                                   values(6, 0.3), [](double a) { return std::exp(a); });
}

}  // namespace file_ops_analytic_exp_test
