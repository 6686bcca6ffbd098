// sub against its closed form: y = a − b with NumPy broadcasting, ∂y/∂a = 1 and ∂y/∂b = −1, so
// da is +G and db is −G, each summed over the axes its input was broadcast along.
// Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_sub_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("sub is y = a − b with da = +G and db = −G, each summed over its broadcast axes",
                   "[ops][sub][broadcast]", double, float) {
  using T = TestType;
  for (const BroadcastCase& c : kBroadcastCases) {
    INFO(c.a.str() << " − " << c.b.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> a = values(c.a.size(), 0.2), b = values(c.b.size(), 2.3);
    const std::vector<double> g = seed_values(c.out.size());
    const Var<T> va = tape.variable(tensor_of<T>(c.a, a), true);
    const Var<T> vb = tape.variable(tensor_of<T>(c.b, b), true);

    const Var<T> y = sub(va, vb);
    REQUIRE(y.shape().str() == c.out.str());
    tape.backward(y, tensor_of<T>(c.out, g));

    const BinaryExpectation want = broadcast_reference(
        c.a, a, c.b, b, c.out, g, [](double x, double z) { return x - z; },
        [](double, double) { return 1.0; },    // ∂(a − b)/∂a = 1
        [](double, double) { return -1.0; });  // ∂(a − b)/∂b = −1
    expect_close(y.data(), want.y);
    expect_close(va.grad(), want.da);
    expect_close(vb.grad(), want.db);
  }
}

TEMPLATE_TEST_CASE("sub of a bias row [n,m] − [m] gives db_j = −Σ_i G_ij", "[ops][sub][broadcast]",
                   double, float) {
  using T = TestType;
  constexpr std::size_t n = 3, m = 2;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(n * m, 0.2), b = values(m, 2.3), g = seed_values(n * m);
  const Var<T> va = tape.variable(tensor_of<T>({n, m}, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>({m}, b), true);

  const Var<T> y = sub(va, vb);
  tape.backward(y, tensor_of<T>({n, m}, g));

  std::vector<double> y_want(n * m), db_want(m, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      y_want[i * m + j] = a[i * m + j] - b[j];
      db_want[j] -= g[i * m + j];  // db_j = −Σ_i G_ij
    }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), g);
  expect_close(vb.grad(), db_want);
}

TEMPLATE_TEST_CASE("sub(x, x) is 0 with the paths cancelling: d(x − x)/dx = 0", "[ops][sub]",
                   double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> vx = tape.variable(tensor_of<T>({2, 3}, values(6, 0.9)), true);

  const Var<T> y = sub(vx, vx);
  tape.backward(y, tensor_of<T>({2, 3}, seed_values(6)));

  expect_close(y.data(), std::vector<double>(6, 0.0));
  expect_close(vx.grad(), std::vector<double>(6, 0.0));
}

TEMPLATE_TEST_CASE("sub with a constant a gives db = −G and leaves a without a gradient",
                   "[ops][sub]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> g = seed_values(6);
  const Var<T> va = tape.constant(tensor_of<T>({2, 3}, values(6, 0.2)));
  const Var<T> vb = tape.variable(tensor_of<T>({2, 3}, values(6, 2.3)), true);

  tape.backward(sub(va, vb), tensor_of<T>({2, 3}, g));

  std::vector<double> db_want(6);
  for (std::size_t i = 0; i < 6; ++i) db_want[i] = -g[i];
  CHECK(va.grad().empty());
  expect_close(vb.grad(), db_want);
}

}  // namespace file_ops_analytic_sub_test
