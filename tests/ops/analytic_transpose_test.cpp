// transpose against its closed form: y_ji = a_ij for a 2-D a; each output element is one input
// element, so the gradient is G transposed back: da_ij = G_ji. Every case runs in double and float.
#include "analytic_support.hpp"

namespace file_ops_analytic_transpose_test {  // the file's own scope: the test programs are unity
                                              // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE(
    "transpose is y_ji = a_ij and its backward transposes the gradient back: "
    "da_ij = G_ji",
    "[ops][transpose]", double, float) {
  using T = TestType;
  const std::pair<std::size_t, std::size_t> sizes[] = {{2, 3}, {4, 1}, {1, 5}, {3, 3}};
  for (const auto& [m, n] : sizes) {
    INFO("a is [" << m << "," << n << "]");
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> a = values(m * n, 0.3), g = seed_values(n * m);
    const Var<T> va = tape.variable(tensor_of<T>({m, n}, a), true);

    const Var<T> y = transpose(va);
    REQUIRE(y.shape().str() == Shape{n, m}.str());
    tape.backward(y, tensor_of<T>({n, m}, g));

    std::vector<double> y_want(n * m), da_want(m * n);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        y_want[j * m + i] = a[i * n + j];   // y_ji = a_ij
        da_want[i * n + j] = g[j * m + i];  // da_ij = G_ji
      }
    expect_close(y.data(), y_want);
    expect_close(va.grad(), da_want);
  }
}

TEMPLATE_TEST_CASE("transpose twice is the identity, in value and in gradient", "[ops][transpose]",
                   double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.3), g = seed_values(6);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), true);

  const Var<T> y = transpose(transpose(va));
  REQUIRE(y.shape().str() == "[2,3]");
  tape.backward(y, tensor_of<T>({2, 3}, g));

  expect_close(y.data(), a);
  expect_close(va.grad(), g);
}

TEMPLATE_TEST_CASE("transpose(A) + A sums both paths: dA = Gᵀ + G", "[ops][transpose]", double,
                   float) {
  using T = TestType;
  constexpr std::size_t n = 3;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(n * n, 0.3), g = seed_values(n * n);
  const Var<T> va = tape.variable(tensor_of<T>({n, n}, a), true);

  const Var<T> y = add(transpose(va), va);
  tape.backward(y, tensor_of<T>({n, n}, g));

  std::vector<double> y_want(n * n), da_want(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      y_want[i * n + j] = a[j * n + i] + a[i * n + j];
      da_want[i * n + j] = g[j * n + i] + g[i * n + j];  // dA_ij = G_ji + G_ij
    }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), da_want);
}

}  // namespace file_ops_analytic_transpose_test
