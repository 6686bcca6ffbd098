// sum_to, broadcast_to, reshape and log_softmax (the ops gradients of gradients are built from)
// against their closed forms, values and gradients, in double and float.
#include "analytic_support.hpp"

namespace file_ops_analytic_shape_ops_test {  // the file's own scope: the test programs are unity
                                              // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE(
    "sum_to sums over the broadcast axes: [2,3] → [3] and → [2,1]; its gradient "
    "is G broadcast back",
    "[ops][sum_to]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.3);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), true);

  const Var<T> columns = sum_to(va, Shape{3});  // y_j = a_0j + a_1j
  REQUIRE(columns.shape().str() == "[3]");
  expect_close(columns.data(), std::vector<double>{a[0] + a[3], a[1] + a[4], a[2] + a[5]});
  const std::vector<double> g = seed_values(3);
  tape.backward(columns, tensor_of<T>({3}, g));
  expect_close(va.grad(), std::vector<double>{g[0], g[1], g[2], g[0], g[1], g[2]});  // da_ij = G_j

  Tape<T> tape2;
  TapeGuard<T> guard2(tape2);
  const Var<T> vb = tape2.variable(tensor_of<T>({2, 3}, a), true);
  const Var<T> rows = sum_to(vb, Shape{2, 1});  // y_i0 = Σ_j a_ij
  REQUIRE(rows.shape().str() == "[2,1]");
  expect_close(rows.data(), std::vector<double>{a[0] + a[1] + a[2], a[3] + a[4] + a[5]});
  const std::vector<double> h = seed_values(2);
  tape2.backward(rows, tensor_of<T>({2, 1}, h));
  expect_close(vb.grad(), std::vector<double>{h[0], h[0], h[0], h[1], h[1], h[1]});  // = G_i0

  CHECK_THROWS_AS(sum_to(vb, Shape{2}), ShapeError);  // [2] does not broadcast to [2,3]
}

TEMPLATE_TEST_CASE("broadcast_to repeats along new and size-1 axes; its gradient sums G back",
                   "[ops][broadcast_to]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(2, 0.7);
  const Var<T> va = tape.variable(tensor_of<T>({2, 1}, a), true);
  const Var<T> y = broadcast_to(va, Shape{2, 3});  // y_ij = a_i0
  expect_close(y.data(), std::vector<double>{a[0], a[0], a[0], a[1], a[1], a[1]});
  const std::vector<double> g = seed_values(6);
  tape.backward(y, tensor_of<T>({2, 3}, g));
  expect_close(va.grad(), std::vector<double>{g[0] + g[1] + g[2], g[3] + g[4] + g[5]});

  CHECK_THROWS_AS(broadcast_to(va, Shape{3, 3}), ShapeError);
}

TEMPLATE_TEST_CASE("reshape keeps the elements in order; its gradient is G in a's shape",
                   "[ops][reshape]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 1.1), g = seed_values(6);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), true);
  const Var<T> y = reshape(va, Shape{3, 2});
  REQUIRE(y.shape().str() == "[3,2]");
  expect_close(y.data(), a);
  tape.backward(y, tensor_of<T>({3, 2}, g));
  expect_close(va.grad(), g);
  CHECK_THROWS_AS(reshape(va, Shape{4}), ShapeError);
}

TEMPLATE_TEST_CASE("log_softmax is a_j − log Σ_k e^(a_k) per row; its gradient is G − p Σ G",
                   "[ops][log_softmax]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(8, 0.2), g = seed_values(8);
  const Var<T> va = tape.variable(tensor_of<T>({2, 4}, a), true);
  const Var<T> y = log_softmax(va);
  tape.backward(y, tensor_of<T>({2, 4}, g));
  std::vector<double> y_want(8), da_want(8);
  for (std::size_t r = 0; r < 2; ++r) {
    double total = 0, g_total = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      total += std::exp(a[r * 4 + j]);
      g_total += g[r * 4 + j];
    }
    for (std::size_t j = 0; j < 4; ++j) {
      y_want[r * 4 + j] = a[r * 4 + j] - std::log(total);
      da_want[r * 4 + j] = g[r * 4 + j] - std::exp(a[r * 4 + j]) / total * g_total;
    }
  }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), da_want);

  // No overflow: e^1000 would be infinite, log_softmax stays finite.
  const Var<T> big = log_softmax(Var<T>(tensor_of<T>({2}, {1000.0, 999.0})));
  CHECK(big.data()[0] == Approx(-std::log(1 + std::exp(-1.0))));
  CHECK(big.data()[1] == Approx(-1 - std::log(1 + std::exp(-1.0))));
}

}  // namespace file_ops_analytic_shape_ops_test
