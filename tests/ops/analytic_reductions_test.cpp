// sum and mean against their closed forms: Σ_i a_i with ∂/∂a_i = 1, and (1/N) Σ_i a_i with
// ∂/∂a_i = 1/N; the incoming gradient g of the scalar output scales both.
// Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_reductions_test {  // the file's own scope: the test programs are unity
                                               // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

namespace {

const Shape kShapes[] = {{2, 3}, {7}, {}, {2, 1, 3}};

}  // namespace

TEMPLATE_TEST_CASE("sum is Σ_i a_i and its backward is ∂sum/∂a_i = 1 times the incoming gradient",
                   "[ops][sum]", double, float) {
  using T = TestType;
  for (const Shape& shape : kShapes) {
    INFO("a is " << shape.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> a = values(shape.size(), 0.3);
    const double g = -0.625;
    const Var<T> va = tape.variable(tensor_of<T>(shape, a), true);

    const Var<T> s = sum(va);
    REQUIRE(s.shape().str() == "[]");
    tape.backward(s, Tensor<T>::scalar(static_cast<T>(g)));

    double total = 0.0;
    for (const double x : a) total += x;
    expect_close(s.data(), {total});
    expect_close(va.grad(), std::vector<double>(a.size(), g));  // ∂sum/∂a_i = 1
  }
}

TEMPLATE_TEST_CASE(
    "mean is (1/N) Σ_i a_i and its backward is ∂mean/∂a_i = 1/N times the incoming "
    "gradient",
    "[ops][mean]", double, float) {
  using T = TestType;
  for (const Shape& shape : kShapes) {
    INFO("a is " << shape.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> a = values(shape.size(), 0.3);
    const double g = 1.75, n = static_cast<double>(a.size());
    const Var<T> va = tape.variable(tensor_of<T>(shape, a), true);

    const Var<T> m = mean(va);
    REQUIRE(m.shape().str() == "[]");
    tape.backward(m, Tensor<T>::scalar(static_cast<T>(g)));

    double total = 0.0;
    for (const double x : a) total += x;
    expect_close(m.data(), {total / n});
    expect_close(va.grad(), std::vector<double>(a.size(), g / n));  // ∂mean/∂a_i = 1/N
  }
}

TEMPLATE_TEST_CASE("sum and mean of a parameter with backward() seed 1 give 1 and 1/N",
                   "[ops][sum][mean]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  Parameter<T> p(tensor_of<T>({2, 4}, values(8, 0.1)), "p");

  sum(p).backward();
  expect_close(p.grad().values(), std::vector<double>(8, 1.0));
  p.zero_grad();
  mean(p).backward();
  expect_close(p.grad().values(), std::vector<double>(8, 1.0 / 8.0));
}

TEMPLATE_TEST_CASE(
    "sum(x) + x and mean(x) + x sum both paths: dx_i = G_i + Σ_j G_j (or Σ_j G_j / N)",
    "[ops][sum][mean]", double, float) {
  using T = TestType;
  constexpr std::size_t n = 5;
  const std::vector<double> x = values(n, 0.3), g = seed_values(n);
  double total_g = 0.0;
  for (const double gi : g) total_g += gi;

  for (const bool use_mean : {false, true}) {
    INFO((use_mean ? "mean(x) + x" : "sum(x) + x"));
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> vx = tape.variable(tensor_of<T>({n}, x), true);

    const Var<T> y = add(use_mean ? mean(vx) : sum(vx), vx);  // the scalar broadcasts over x
    tape.backward(y, tensor_of<T>({n}, g));

    std::vector<double> dx_want(n);
    for (std::size_t i = 0; i < n; ++i) dx_want[i] = g[i] + (use_mean ? total_g / n : total_g);
    expect_close(vx.grad(), dx_want);
  }
}

}  // namespace file_ops_analytic_reductions_test
