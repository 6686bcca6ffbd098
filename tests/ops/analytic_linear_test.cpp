// linear against its closed form: y_rj = Σ_p x_rp W_jp + b_j (y = x·Wᵀ + b), and for an incoming
// gradient G: dx = G·W (dx_rp = Σ_j G_rj W_jp), dW = Gᵀ·x (dW_jp = Σ_r G_rj x_rp) and
// db_j = Σ_r G_rj. A 1-D x is one row. Every case runs in double and in float.
#include <string>

#include "analytic_support.hpp"
#include "ops/detail/gemm.hpp"

namespace file_ops_analytic_linear_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

namespace {

struct Dims {
  std::size_t rows, in, out;
};

// y = x·Wᵀ + b (b empty: no bias).
std::vector<double> affine(const std::vector<double>& x, const std::vector<double>& w,
                           const std::vector<double>& b, Dims d) {
  std::vector<double> y(d.rows * d.out, 0.0);
  for (std::size_t r = 0; r < d.rows; ++r)
    for (std::size_t j = 0; j < d.out; ++j) {
      double s = b.empty() ? 0.0 : b[j];
      for (std::size_t p = 0; p < d.in; ++p) s += x[r * d.in + p] * w[j * d.in + p];
      y[r * d.out + j] = s;
    }
  return y;
}

// dx = G·W: dx_rp = Σ_j G_rj W_jp.
std::vector<double> grad_x(const std::vector<double>& g, const std::vector<double>& w, Dims d) {
  std::vector<double> dx(d.rows * d.in, 0.0);
  for (std::size_t r = 0; r < d.rows; ++r)
    for (std::size_t p = 0; p < d.in; ++p)
      for (std::size_t j = 0; j < d.out; ++j)
        dx[r * d.in + p] += g[r * d.out + j] * w[j * d.in + p];
  return dx;
}

// dW = Gᵀ·x: dW_jp = Σ_r G_rj x_rp.
std::vector<double> grad_w(const std::vector<double>& g, const std::vector<double>& x, Dims d) {
  std::vector<double> dw(d.out * d.in, 0.0);
  for (std::size_t j = 0; j < d.out; ++j)
    for (std::size_t p = 0; p < d.in; ++p)
      for (std::size_t r = 0; r < d.rows; ++r)
        dw[j * d.in + p] += g[r * d.out + j] * x[r * d.in + p];
  return dw;
}

// db_j = Σ_r G_rj.
std::vector<double> grad_bias(const std::vector<double>& g, Dims d) {
  std::vector<double> db(d.out, 0.0);
  for (std::size_t r = 0; r < d.rows; ++r)
    for (std::size_t j = 0; j < d.out; ++j) db[j] += g[r * d.out + j];
  return db;
}

// Runs linear(x, W[, b]) with W and b as Parameters (as in a layer) and x a tape variable,
// seeds backward with a non-uniform G and checks y, dx, dW and db against the closed forms.
template <class T>
void check_linear(Dims d, bool x_is_batch, bool with_bias) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> x = values(d.rows * d.in, 0.4), w = values(d.out * d.in, 1.9);
  const std::vector<double> b = with_bias ? values(d.out, 3.1) : std::vector<double>{};
  const std::vector<double> g = seed_values(d.rows * d.out);
  const Shape sx = x_is_batch ? Shape{d.rows, d.in} : Shape{d.in};
  const Shape sy = x_is_batch ? Shape{d.rows, d.out} : Shape{d.out};
  const Var<T> vx = tape.variable(tensor_of<T>(sx, x), true);
  Parameter<T> weight(tensor_of<T>({d.out, d.in}, w), "weight");
  Parameter<T> bias(tensor_of<T>({d.out}, with_bias ? b : std::vector<double>(d.out, 0.0)), "bias");

  const Var<T> y = with_bias ? linear(vx, weight, bias) : linear(vx, weight);
  REQUIRE(y.shape().str() == sy.str());
  tape.backward(y, tensor_of<T>(sy, g));

  expect_close(y.data(), affine(x, w, b, d));
  expect_close(vx.grad(), grad_x(g, w, d));
  expect_close(weight.grad().values(), grad_w(g, x, d));
  if (with_bias) expect_close(bias.grad().values(), grad_bias(g, d));
}

}  // namespace

TEMPLATE_TEST_CASE(
    "linear [n,in] with bias is y = x·Wᵀ + b with dx = G·W, dW = Gᵀ·x, db = Σ_rows G",
    "[ops][linear]", double, float) {
  check_linear<TestType>({2, 3, 4}, true, true);
}

TEMPLATE_TEST_CASE("linear [n,in] without bias is y = x·Wᵀ with dx = G·W and dW = Gᵀ·x",
                   "[ops][linear]", double, float) {
  check_linear<TestType>({2, 3, 4}, true, false);
}

TEMPLATE_TEST_CASE("linear of a 1-D x [in] with bias is y_j = Σ_p W_jp x_p + b_j with db = g",
                   "[ops][linear]", double, float) {
  check_linear<TestType>({1, 3, 4}, false, true);
}

TEMPLATE_TEST_CASE("linear of a 1-D x [in] without bias is y = W·x with dx = Wᵀ·g and dW = g·xᵀ",
                   "[ops][linear]", double, float) {
  check_linear<TestType>({1, 5, 2}, false, false);
}

TEMPLATE_TEST_CASE("linear through BLAS gives the same y = x·Wᵀ + b, dx = G·W, dW = Gᵀ·x, db",
                   "[ops][linear][blas]", double, float) {
  // y = x·Wᵀ is 24×18 (k = 20), dx = G·W is 24×20 (k = 18), dW = Gᵀ·x is 18×20 (k = 24):
  // cblas_?gemm with a transpose flag (detail::gemm_uses_backend).
  STATIC_REQUIRE(detail::gemm_uses_backend<TestType>(false, true, 24, 18, 20));
  STATIC_REQUIRE(detail::gemm_uses_backend<TestType>(false, false, 24, 20, 18));
  STATIC_REQUIRE(detail::gemm_uses_backend<TestType>(true, false, 18, 20, 24));
  SECTION("batch x[24,20], W[18,20], with bias") {
    check_linear<TestType>({24, 20, 18}, true, true);
  }
  SECTION("batch x[24,20], W[18,20], no bias") {
    check_linear<TestType>({24, 20, 18}, true, false);
  }
}

TEMPLATE_TEST_CASE("linear of one example runs the direct loop's vector code: same y, dx, dW, db",
                   "[ops][linear]", double, float) {
  // One row: y = x·Wᵀ is one row of dot products, dx = G·W one row, dW = Gᵀ·x an outer product
  // (k = 1), long enough for the loop's whole vectors and their remainders
  // (detail::gemm_uses_backend).
  STATIC_REQUIRE(!detail::gemm_uses_backend<TestType>(false, true, 1, 80, 70));
  STATIC_REQUIRE(!detail::gemm_uses_backend<TestType>(false, false, 1, 70, 80));
  STATIC_REQUIRE(!detail::gemm_uses_backend<TestType>(true, false, 80, 70, 1));
  SECTION("1-D x[70], W[80,70], with bias") {
    check_linear<TestType>({1, 70, 80}, false, true);
  }
  SECTION("batch of one x[1,133], W[71,133], with bias") {
    check_linear<TestType>({1, 133, 71}, true, true);
  }
}

TEMPLATE_TEST_CASE("linear of constant data x gives dW = Gᵀ·x and db = Σ_rows G and no dx",
                   "[ops][linear]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Dims d{3, 2, 2};
  const std::vector<double> x = values(6, 0.1), w = values(4, 1.3), b = values(2, 2.9);
  const std::vector<double> g = seed_values(6);
  const Var<T> vx = tape.constant(tensor_of<T>({3, 2}, x));
  Parameter<T> weight(tensor_of<T>({2, 2}, w), "weight");
  Parameter<T> bias(tensor_of<T>({2}, b), "bias");

  tape.backward(linear(vx, weight, bias), tensor_of<T>({3, 2}, g));

  CHECK(vx.grad().empty());
  expect_close(weight.grad().values(), grad_w(g, x, d));
  expect_close(bias.grad().values(), grad_bias(g, d));
}

TEMPLATE_TEST_CASE("linear with a constant weight and bias gives dx = G·W only", "[ops][linear]",
                   double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Dims d{2, 3, 2};
  const std::vector<double> x = values(6, 0.1), w = values(6, 1.3), b = values(2, 2.9);
  const std::vector<double> g = seed_values(4);
  const Var<T> vx = tape.variable(tensor_of<T>({2, 3}, x), true);
  const Var<T> vw = tape.constant(tensor_of<T>({2, 3}, w));
  const Var<T> vb = tape.constant(tensor_of<T>({2}, b));

  tape.backward(linear(vx, vw, vb), tensor_of<T>({2, 2}, g));

  expect_close(vx.grad(), grad_x(g, w, d));
  CHECK(vw.grad().empty());
  CHECK(vb.grad().empty());
}

TEMPLATE_TEST_CASE(
    "linear(x, W, b) + linear(x, W, b) sums both paths: dx = 2G·W, dW = 2Gᵀ·x, db = 2Σ_rows G",
    "[ops][linear]", double, float) {
  using T = TestType;
  for (const Dims d : {Dims{2, 3, 4}, Dims{24, 20, 18}}) {  // the loop, then BLAS
    INFO("x[" << d.rows << "," << d.in << "], W[" << d.out << "," << d.in << "]");
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> x = values(d.rows * d.in, 0.4), w = values(d.out * d.in, 1.9);
    const std::vector<double> b = values(d.out, 3.1), g = seed_values(d.rows * d.out);
    const Var<T> vx = tape.variable(tensor_of<T>({d.rows, d.in}, x), true);
    Parameter<T> weight(tensor_of<T>({d.out, d.in}, w), "weight");
    Parameter<T> bias(tensor_of<T>({d.out}, b), "bias");

    const Var<T> y = add(linear(vx, weight, bias), linear(vx, weight, bias));
    tape.backward(y, tensor_of<T>({d.rows, d.out}, g));

    const auto twice = [](std::vector<double> v) {
      for (double& e : v) e *= 2.0;
      return v;
    };
    expect_close(vx.grad(), twice(grad_x(g, w, d)));
    expect_close(weight.grad().values(), twice(grad_w(g, x, d)));
    expect_close(bias.grad().values(), twice(grad_bias(g, d)));
  }
}

}  // namespace file_ops_analytic_linear_test
