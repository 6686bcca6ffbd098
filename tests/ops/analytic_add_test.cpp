// add against its closed form: y = a + b with NumPy broadcasting, ∂y/∂a = ∂y/∂b = 1, so each
// input's gradient is the incoming G summed over the axes that input was broadcast along.
// The sums are written out by hand for each broadcast pattern. Every case runs in double and float.
#include <tuple>

#include "analytic_support.hpp"

namespace file_ops_analytic_add_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;

TEMPLATE_TEST_CASE("add of equal shapes is y = a + b with da = G and db = G", "[ops][add]", double,
                   float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.1), b = values(6, 1.7), g = seed_values(6);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>({2, 3}, b), true);

  const Var<T> y = add(va, vb);
  REQUIRE(y.shape().str() == "[2,3]");
  tape.backward(y, tensor_of<T>({2, 3}, g));

  std::vector<double> sum_ab(6);
  for (std::size_t i = 0; i < 6; ++i) sum_ab[i] = a[i] + b[i];
  expect_close(y.data(), sum_ab);
  expect_close(va.grad(), g);
  expect_close(vb.grad(), g);
}

TEMPLATE_TEST_CASE("add of a bias row [n,m] + [m] is y_ij = a_ij + b_j with db_j = Σ_i G_ij",
                   "[ops][add][broadcast]", double, float) {
  using T = TestType;
  constexpr std::size_t n = 4, m = 3;
  const std::vector<double> a = values(n * m, 0.1), b = values(m, 1.7), g = seed_values(n * m);
  std::vector<double> y_want(n * m), db_want(m, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      y_want[i * m + j] = a[i * m + j] + b[j];
      db_want[j] += g[i * m + j];  // db_j = Σ_i G_ij
    }

  SECTION("batch on the left: [n,m] + [m]") {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> va = tape.variable(tensor_of<T>({n, m}, a), true);
    const Var<T> vb = tape.variable(tensor_of<T>({m}, b), true);
    const Var<T> y = add(va, vb);
    REQUIRE(y.shape().str() == "[4,3]");
    tape.backward(y, tensor_of<T>({n, m}, g));
    expect_close(y.data(), y_want);
    expect_close(va.grad(), g);
    expect_close(vb.grad(), db_want);
  }
  SECTION("batch on the right: [m] + [n,m]") {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> vb = tape.variable(tensor_of<T>({m}, b), true);
    const Var<T> va = tape.variable(tensor_of<T>({n, m}, a), true);
    const Var<T> y = add(vb, va);
    REQUIRE(y.shape().str() == "[4,3]");
    tape.backward(y, tensor_of<T>({n, m}, g));
    expect_close(y.data(), y_want);
    expect_close(va.grad(), g);
    expect_close(vb.grad(), db_want);
  }
  SECTION("a row with a leading 1: [n,m] + [1,m]") {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> va = tape.variable(tensor_of<T>({n, m}, a), true);
    const Var<T> vb = tape.variable(tensor_of<T>({1, m}, b), true);
    const Var<T> y = add(va, vb);
    REQUIRE(y.shape().str() == "[4,3]");
    tape.backward(y, tensor_of<T>({n, m}, g));
    expect_close(y.data(), y_want);
    expect_close(va.grad(), g);
    expect_close(vb.grad(), db_want);
  }
}

TEMPLATE_TEST_CASE(
    "add of [3,1] + [1,4] broadcasts both: y_ij = a_i + b_j, da_i = Σ_j G_ij, db_j = Σ_i G_ij",
    "[ops][add][broadcast]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(3, 0.1), b = values(4, 1.7), g = seed_values(12);
  const Var<T> va = tape.variable(tensor_of<T>({3, 1}, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>({1, 4}, b), true);

  const Var<T> y = add(va, vb);
  REQUIRE(y.shape().str() == "[3,4]");
  tape.backward(y, tensor_of<T>({3, 4}, g));

  std::vector<double> y_want(12), da_want(3, 0.0), db_want(4, 0.0);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 4; ++j) {
      y_want[i * 4 + j] = a[i] + b[j];
      da_want[i] += g[i * 4 + j];  // da_i = Σ_j G_ij
      db_want[j] += g[i * 4 + j];  // db_j = Σ_i G_ij
    }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), da_want);
  expect_close(vb.grad(), db_want);
}

TEMPLATE_TEST_CASE("add of a scalar s + x is y_i = s + x_i with ds = Σ_i G_i and dx = G",
                   "[ops][add][broadcast]", double, float) {
  using T = TestType;
  const std::vector<double> s = {0.75}, x = values(6, 0.1), g = seed_values(6);
  std::vector<double> y_want(6);
  double ds_want = 0.0;
  for (std::size_t i = 0; i < 6; ++i) {
    y_want[i] = s[0] + x[i];
    ds_want += g[i];  // ds = Σ_i G_i
  }

  for (const bool scalar_first : {true, false}) {
    INFO((scalar_first ? "s + x" : "x + s"));
    for (const Shape& scalar_shape : {Shape{}, Shape{1}}) {
      INFO("s of shape " << scalar_shape.str());
      Tape<T> tape;
      TapeGuard<T> guard(tape);
      const Var<T> vs = tape.variable(tensor_of<T>(scalar_shape, s), true);
      const Var<T> vx = tape.variable(tensor_of<T>({2, 3}, x), true);
      const Var<T> y = scalar_first ? add(vs, vx) : add(vx, vs);
      REQUIRE(y.shape().str() == "[2,3]");
      tape.backward(y, tensor_of<T>({2, 3}, g));
      expect_close(y.data(), y_want);
      expect_close(vs.grad(), {ds_want});
      expect_close(vx.grad(), g);
    }
  }
}

TEMPLATE_TEST_CASE(
    "add of [2,1,3] + [4,1] broadcasts over three axes: da_i0k = Σ_j G_ijk, db_j0 = Σ_ik G_ijk",
    "[ops][add][broadcast]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.1), b = values(4, 1.7), g = seed_values(24);
  const Var<T> va = tape.variable(tensor_of<T>({2, 1, 3}, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>({4, 1}, b), true);

  const Var<T> y = add(va, vb);
  REQUIRE(y.shape().str() == "[2,4,3]");
  tape.backward(y, tensor_of<T>({2, 4, 3}, g));

  std::vector<double> y_want(24), da_want(6, 0.0), db_want(4, 0.0);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t k = 0; k < 3; ++k) {
        const std::size_t out = (i * 4 + j) * 3 + k;
        y_want[out] = a[i * 3 + k] + b[j];  // y_ijk = a_i0k + b_j0
        da_want[i * 3 + k] += g[out];
        db_want[j] += g[out];
      }
  expect_close(y.data(), y_want);
  expect_close(va.grad(), da_want);
  expect_close(vb.grad(), db_want);
}

TEMPLATE_TEST_CASE("add of one-element values of any ranks is y = a + b with da = db = G",
                   "[ops][add][broadcast]", double, float) {
  // The backward's scalar path: an output of one element, whatever the inputs' ranks.
  using T = TestType;
  for (const auto& [sa, sb, out] :
       {std::tuple{Shape{1}, Shape{1}, "[1]"}, std::tuple{Shape{}, Shape{1, 1}, "[1,1]"},
        std::tuple{Shape{1, 1}, Shape{1}, "[1,1]"}}) {
    INFO(sa.str() << " + " << sb.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> va = tape.variable(tensor_of<T>(sa, {0.25}), true);
    const Var<T> vb = tape.variable(tensor_of<T>(sb, {-1.5}), true);
    const Var<T> y = add(va, vb);
    REQUIRE(y.shape().str() == out);
    tape.backward(y, tensor_of<T>(y.shape(), {0.7}));
    expect_close(y.data(), {0.25 - 1.5});
    expect_close(va.grad(), {0.7});
    expect_close(vb.grad(), {0.7});
  }
}

TEMPLATE_TEST_CASE("add(x, x) sums both paths: d(x + x)/dx = 2", "[ops][add]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> x = values(6, 0.9), g = seed_values(6);
  const Var<T> vx = tape.variable(tensor_of<T>({2, 3}, x), true);

  const Var<T> y = add(vx, vx);
  tape.backward(y, tensor_of<T>({2, 3}, g));

  std::vector<double> y_want(6), dx_want(6);
  for (std::size_t i = 0; i < 6; ++i) {
    y_want[i] = 2 * x[i];
    dx_want[i] = 2 * g[i];
  }
  expect_close(y.data(), y_want);
  expect_close(vx.grad(), dx_want);
}

TEMPLATE_TEST_CASE("add with a constant b gives da = G and leaves b without a gradient",
                   "[ops][add]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(6, 0.1), b = values(3, 1.7), g = seed_values(6);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), true);
  const Var<T> vb = tape.constant(tensor_of<T>({3}, b));

  tape.backward(add(va, vb), tensor_of<T>({2, 3}, g));

  expect_close(va.grad(), g);
  CHECK(vb.grad().empty());
}

}  // namespace file_ops_analytic_add_test
