// mul against its closed form: y = a ⊙ b with NumPy broadcasting, ∂y/∂a = b and ∂y/∂b = a, so
// da = G ⊙ b and db = G ⊙ a, each summed over the axes its input was broadcast along.
// Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_mul_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE(
    "mul is y = a ⊙ b with da = G ⊙ b and db = G ⊙ a, each summed over its broadcast axes",
    "[ops][mul][broadcast]", double, float) {
  using T = TestType;
  for (const BroadcastCase& c : kBroadcastCases) {
    INFO(c.a.str() << " ⊙ " << c.b.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> a = values(c.a.size(), 0.2), b = values(c.b.size(), 2.3);
    const std::vector<double> g = seed_values(c.out.size());
    const Var<T> va = tape.variable(tensor_of<T>(c.a, a), true);
    const Var<T> vb = tape.variable(tensor_of<T>(c.b, b), true);

    const Var<T> y = mul(va, vb);
    REQUIRE(y.shape().str() == c.out.str());
    tape.backward(y, tensor_of<T>(c.out, g));

    const BinaryExpectation want = broadcast_reference(
        c.a, a, c.b, b, c.out, g, [](double x, double z) { return x * z; },
        [](double, double z) { return z; },   // ∂(ab)/∂a = b
        [](double x, double) { return x; });  // ∂(ab)/∂b = a
    expect_close(y.data(), want.y);
    expect_close(va.grad(), want.da);
    expect_close(vb.grad(), want.db);
  }
}

TEMPLATE_TEST_CASE(
    "mul of [3,1] ⊙ [1,4] is y_ij = a_i b_j with da_i = Σ_j G_ij b_j and db_j = Σ_i G_ij a_i",
    "[ops][mul][broadcast]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(3, 0.2), b = values(4, 2.3), g = seed_values(12);
  const Var<T> va = tape.variable(tensor_of<T>({3, 1}, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>({1, 4}, b), true);

  const Var<T> y = mul(va, vb);
  tape.backward(y, tensor_of<T>({3, 4}, g));

  std::vector<double> y_want(12), da_want(3, 0.0), db_want(4, 0.0);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 4; ++j) {
      y_want[i * 4 + j] = a[i] * b[j];
      da_want[i] += g[i * 4 + j] * b[j];
      db_want[j] += g[i * 4 + j] * a[i];
    }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), da_want);
  expect_close(vb.grad(), db_want);
}

TEMPLATE_TEST_CASE("mul(x, x) sums both paths: d(x·x)/dx = 2x", "[ops][mul]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> x = values(6, 0.9), g = seed_values(6);
  const Var<T> vx = tape.variable(tensor_of<T>({2, 3}, x), true);

  const Var<T> y = mul(vx, vx);
  tape.backward(y, tensor_of<T>({2, 3}, g));

  std::vector<double> y_want(6), dx_want(6);
  for (std::size_t i = 0; i < 6; ++i) {
    y_want[i] = x[i] * x[i];
    dx_want[i] = 2 * x[i] * g[i];  // d(x·x)/dx = 2x
  }
  expect_close(y.data(), y_want);
  expect_close(vx.grad(), dx_want);
}

TEMPLATE_TEST_CASE("mul with a constant b gives da = G ⊙ b and leaves b without a gradient",
                   "[ops][mul]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.2), b = values(3, 2.3), g = seed_values(6);
  Parameter<T> pa(tensor_of<T>({2, 3}, a), "a");
  const Var<T> vb = tape.constant(tensor_of<T>({3}, b));

  tape.backward(mul(pa, vb), tensor_of<T>({2, 3}, g));

  std::vector<double> da_want(6);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) da_want[i * 3 + j] = g[i * 3 + j] * b[j];
  expect_close(pa.grad().values(), da_want);
  CHECK(vb.grad().empty());
}

}  // namespace file_ops_analytic_mul_test
