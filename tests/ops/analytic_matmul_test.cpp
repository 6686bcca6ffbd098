// matmul against its closed form: C_ij = Σ_p A_ip B_pj, and for an incoming gradient G,
// dA = G·Bᵀ (dA_ip = Σ_j G_ij B_pj) and dB = Aᵀ·G (dB_pj = Σ_i A_ip G_ij). A 1-D left operand is
// a row (m = 1), a 1-D right operand a column (n = 1). Every case runs in double and in float.
#include <string>

#include "analytic_support.hpp"
#include "ops/detail/gemm.hpp"

namespace file_ops_analytic_matmul_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

namespace {

struct Dims {
  std::size_t m, k, n;
};

// C = A·B with A m×k and B k×n, row-major.
std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b, Dims d) {
  std::vector<double> c(d.m * d.n, 0.0);
  for (std::size_t i = 0; i < d.m; ++i)
    for (std::size_t j = 0; j < d.n; ++j)
      for (std::size_t p = 0; p < d.k; ++p) c[i * d.n + j] += a[i * d.k + p] * b[p * d.n + j];
  return c;
}

// dA = G·Bᵀ: dA_ip = Σ_j G_ij B_pj.
std::vector<double> grad_a(const std::vector<double>& g, const std::vector<double>& b, Dims d) {
  std::vector<double> da(d.m * d.k, 0.0);
  for (std::size_t i = 0; i < d.m; ++i)
    for (std::size_t p = 0; p < d.k; ++p)
      for (std::size_t j = 0; j < d.n; ++j) da[i * d.k + p] += g[i * d.n + j] * b[p * d.n + j];
  return da;
}

// dB = Aᵀ·G: dB_pj = Σ_i A_ip G_ij.
std::vector<double> grad_b(const std::vector<double>& a, const std::vector<double>& g, Dims d) {
  std::vector<double> db(d.k * d.n, 0.0);
  for (std::size_t p = 0; p < d.k; ++p)
    for (std::size_t j = 0; j < d.n; ++j)
      for (std::size_t i = 0; i < d.m; ++i) db[p * d.n + j] += a[i * d.k + p] * g[i * d.n + j];
  return db;
}

// Runs matmul on A of shape sa and B of shape sb (m, k, n as in the formulas), seeds backward
// with a non-uniform G and checks C, dA and dB against the closed forms.
template <class T>
void check_matmul(const Shape& sa, const Shape& sb, Dims d, const std::string& out_shape) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> a = values(d.m * d.k, 0.3), b = values(d.k * d.n, 1.1);
  const std::vector<double> g = seed_values(d.m * d.n);
  const Var<T> va = tape.variable(tensor_of<T>(sa, a), true);
  const Var<T> vb = tape.variable(tensor_of<T>(sb, b), true);

  const Var<T> c = matmul(va, vb);
  REQUIRE(c.shape().str() == out_shape);
  tape.backward(c, tensor_of<T>(c.shape(), g));

  expect_close(c.data(), product(a, b, d));
  expect_close(va.grad(), grad_a(g, b, d));
  expect_close(vb.grad(), grad_b(a, g, d));
}

}  // namespace

TEMPLATE_TEST_CASE("matmul [m,k]·[k,n] is C = A·B with dA = G·Bᵀ and dB = Aᵀ·G", "[ops][matmul]",
                   double, float) {
  check_matmul<TestType>({3, 4}, {4, 2}, {3, 4, 2}, "[3,2]");
  check_matmul<TestType>({1, 5}, {5, 1}, {1, 5, 1}, "[1,1]");
}

TEMPLATE_TEST_CASE(
    "matmul matrix-vector [m,k]·[k] is c_i = Σ_p A_ip b_p with dA_ip = g_i b_p and db = Aᵀ·g",
    "[ops][matmul]", double, float) {
  check_matmul<TestType>({3, 4}, {4}, {3, 4, 1}, "[3]");
}

TEMPLATE_TEST_CASE(
    "matmul vector-matrix [k]·[k,n] is c_j = Σ_p a_p B_pj with da = B·g and dB_pj = a_p g_j",
    "[ops][matmul]", double, float) {
  check_matmul<TestType>({4}, {4, 2}, {1, 4, 2}, "[2]");
}

TEMPLATE_TEST_CASE(
    "matmul of two vectors [k]·[k] is the dot product a·b with da = g·b and db = g·a",
    "[ops][matmul]", double, float) {
  check_matmul<TestType>({5}, {5}, {1, 5, 1}, "[]");
}

TEMPLATE_TEST_CASE("matmul through BLAS gives the same C = A·B, dA = G·Bᵀ and dB = Aᵀ·G",
                   "[ops][matmul][blas]", double, float) {
  // Each product of forward and backward goes to cblas_?gemm, not the direct loop: C = A·B,
  // dA = G·Bᵀ, dB = Aᵀ·G (detail::gemm_uses_backend).
  using T = TestType;
  SECTION("square [20,20]·[20,20]") {
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, false, 20, 20, 20));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, true, 20, 20, 20));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(true, false, 20, 20, 20));
    check_matmul<T>({20, 20}, {20, 20}, {20, 20, 20}, "[20,20]");
  }
  SECTION("rectangular [24,20]·[20,18], so a wrong leading dimension shows") {
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, false, 24, 18, 20));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, true, 24, 20, 18));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(true, false, 20, 18, 24));
    check_matmul<T>({24, 20}, {20, 18}, {24, 20, 18}, "[24,18]");
  }
  SECTION("matrix-vector [80,64]·[64]") {
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, false, 80, 1, 64));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(false, true, 80, 64, 1));
    STATIC_REQUIRE(detail::gemm_uses_backend<T>(true, false, 64, 1, 80));
    check_matmul<T>({80, 64}, {64}, {80, 64, 1}, "[80]");
  }
}

TEMPLATE_TEST_CASE(
    "matmul of a vector and a matrix runs the direct loop's vector code and gives the same results",
    "[ops][matmul]", double, float) {
  // C = a·B is one row (m = 1), dA = G·Bᵀ one row of dot products, dB = Aᵀ·G an outer product
  // (k = 1): the loop's row blocks and dot products, long enough for whole vectors.
  using T = TestType;
  SECTION("vector-matrix [64]·[64,80]") {
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(false, false, 1, 80, 64));
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(false, true, 1, 64, 80));
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(true, false, 64, 80, 1));
    check_matmul<T>({64}, {64, 80}, {1, 64, 80}, "[80]");
  }
  SECTION("odd sizes [133]·[133,71], for the blocks' remainders") {
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(false, false, 1, 71, 133));
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(false, true, 1, 133, 71));
    STATIC_REQUIRE(!detail::gemm_uses_backend<T>(true, false, 133, 71, 1));
    check_matmul<T>({133}, {133, 71}, {1, 133, 71}, "[71]");
  }
}

TEMPLATE_TEST_CASE("matmul(A, A) sums both paths: d(A·A)/dA = G·Aᵀ + Aᵀ·G", "[ops][matmul]", double,
                   float) {
  using T = TestType;
  for (const std::size_t n : {std::size_t{3}, std::size_t{20}}) {  // the loop, then BLAS
    INFO("A is " << n << "×" << n);
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Dims d{n, n, n};
    const std::vector<double> a = values(n * n, 0.7), g = seed_values(n * n);
    const Var<T> va = tape.variable(tensor_of<T>({n, n}, a), true);

    const Var<T> c = matmul(va, va);
    tape.backward(c, tensor_of<T>({n, n}, g));

    expect_close(c.data(), product(a, a, d));
    std::vector<double> want = grad_a(g, a, d);
    const std::vector<double> second = grad_b(a, g, d);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] += second[i];
    expect_close(va.grad(), want);
  }
}

TEMPLATE_TEST_CASE("matmul with a constant B gives dA = G·Bᵀ and leaves B without a gradient",
                   "[ops][matmul]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Dims d{2, 3, 4};
  const std::vector<double> a = values(6, 0.2), b = values(12, 2.2), g = seed_values(8);
  Parameter<T> pa(tensor_of<T>({2, 3}, a), "A");
  const Var<T> vb = tape.constant(tensor_of<T>({3, 4}, b));

  tape.backward(matmul(pa, vb), tensor_of<T>({2, 4}, g));

  expect_close(pa.grad().values(), grad_a(g, b, d));
  CHECK(vb.grad().empty());
}

TEMPLATE_TEST_CASE("matmul with a constant A gives dB = Aᵀ·G and leaves A without a gradient",
                   "[ops][matmul]", double, float) {
  using T = TestType;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Dims d{2, 3, 4};
  const std::vector<double> a = values(6, 0.2), b = values(12, 2.2), g = seed_values(8);
  const Var<T> va = tape.variable(tensor_of<T>({2, 3}, a), false);
  const Var<T> vb = tape.variable(tensor_of<T>({3, 4}, b), true);

  tape.backward(matmul(va, vb), tensor_of<T>({2, 4}, g));

  CHECK(va.grad().empty());
  expect_close(vb.grad(), grad_b(a, g, d));
}

}  // namespace file_ops_analytic_matmul_test
