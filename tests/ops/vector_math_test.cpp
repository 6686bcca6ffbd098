// ops/detail/vector_math.hpp: the vectorizable e^x and sigmoid against long double references.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "ops/math.hpp"

namespace file_ops_vector_math_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// Distance in units in the last place between `got` and the exactly rounded `exact`.
template <class T>
double ulps(T got, long double exact) {
  const T rounded = static_cast<T>(exact);
  const T ulp = std::nextafter(rounded, std::numeric_limits<T>::infinity()) - rounded;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) / ulp);
}

}  // namespace

TEMPLATE_TEST_CASE("exp_nonpositive is within 2 ulp of e^x over the normal range", "[ops][math]",
                   float, double) {
  // Down to where e^x leaves the normal numbers: −87.3 in float, −708.3 in double.
  const double lowest = std::is_same_v<TestType, float> ? -87.0 : -708.0;
  double worst = 0, worst_x = 0;
  for (int i = 0; i <= 200000; ++i) {
    const auto x = static_cast<TestType>(lowest * (i / 200000.0) * (i / 200000.0));
    const double error = ulps(detail::exp_nonpositive(x), std::exp(static_cast<long double>(x)));
    if (error > worst) worst = error, worst_x = x;
  }
  INFO("worst at x = " << worst_x);
  CHECK(worst <= 2.0);
  CHECK(detail::exp_nonpositive(TestType(0)) == TestType(1));
}

TEMPLATE_TEST_CASE("exp_nonpositive underflows to exactly 0 and passes NaN through", "[ops][math]",
                   float, double) {
  CHECK(detail::exp_nonpositive(TestType(-1000)) == TestType(0));
  CHECK(detail::exp_nonpositive(-std::numeric_limits<TestType>::infinity()) == TestType(0));
  CHECK(std::isnan(detail::exp_nonpositive(std::numeric_limits<TestType>::quiet_NaN())));
  // Subnormal results stay finite and non-negative, and shrink monotonically.
  const TestType deep = std::is_same_v<TestType, float> ? TestType(-100) : TestType(-740);
  CHECK(detail::exp_nonpositive(deep) >= TestType(0));
  CHECK(detail::exp_nonpositive(deep) <= detail::exp_nonpositive(deep + TestType(1)));
}

TEMPLATE_TEST_CASE("sigmoid_of is within 4 ulp of 1/(1 + e^(−a)) on both sides", "[ops][math]",
                   float, double) {
  double worst = 0, worst_a = 0;
  for (int i = -20000; i <= 20000; ++i) {
    const auto a = static_cast<TestType>(i / 500.0);  // [−40, 40]
    const long double exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(a)));
    const double error = ulps(detail::sigmoid_of(a), exact);
    if (error > worst) worst = error, worst_a = a;
  }
  INFO("worst at a = " << worst_a);
  CHECK(worst <= 4.0);
}

}  // namespace file_ops_vector_math_test
