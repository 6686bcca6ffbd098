// ops/detail/gemm's paths, the direct loop, OpenBLAS (cblas_?gemm) and the backend (oneDNN's
// dnnl_sgemm for float), against a naive triple loop in double, for every transpose layout, alpha
// and beta, and padded leading dimensions; and the loop's bits, which must not depend on m and n.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ops/detail/gemm.hpp"
#include "ops/detail/gemm_backend.hpp"

namespace file_ops_gemm_paths_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

struct Case {
  std::size_t m, n, k;
  bool transpose_a, transpose_b;
  double alpha, beta;
};

// C = alpha·op(A)·op(B) + beta·C computed the obvious way; rows padded by 3 to catch stride bugs.
template <class T, class Gemm>
void check_against_reference(const Case& c, Gemm gemm) {
  const std::size_t lda = (c.transpose_a ? c.m : c.k) + 3, ldb = (c.transpose_b ? c.k : c.n) + 3;
  const std::size_t ldc = c.n + 3;
  const std::size_t rows_a = c.transpose_a ? c.k : c.m, rows_b = c.transpose_b ? c.n : c.k;
  std::vector<T> a(rows_a * lda), b(rows_b * ldb), out(c.m * ldc);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = T(std::sin(0.7 * double(i) + 0.1));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = T(std::cos(0.3 * double(i) + 0.2));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = T(0.01 * double(i % 17) - 0.05);
  // With beta = 0, C is not read (BLAS's contract, which the ops rely on to write gradients
  // into buffers holding no values): NaN there must not reach the result.
  if (c.beta == 0)
    for (std::size_t i = 0; i < c.m; ++i)
      std::fill_n(out.begin() + std::ptrdiff_t(i * ldc), c.n, std::numeric_limits<T>::quiet_NaN());
  std::vector<double> expected(out.begin(), out.end());
  for (std::size_t i = 0; i < c.m; ++i)
    for (std::size_t j = 0; j < c.n; ++j) {
      double sum = 0;
      for (std::size_t p = 0; p < c.k; ++p) {
        const double a_ip = c.transpose_a ? a[p * lda + i] : a[i * lda + p];
        const double b_pj = c.transpose_b ? b[j * ldb + p] : b[p * ldb + j];
        sum += a_ip * b_pj;
      }
      expected[i * ldc + j] = c.alpha * sum + (c.beta == 0 ? 0.0 : c.beta * expected[i * ldc + j]);
    }
  gemm(c.transpose_a, c.transpose_b, c.m, c.n, c.k, T(c.alpha), a.data(), lda, b.data(), ldb,
       T(c.beta), out.data(), ldc);
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  for (std::size_t i = 0; i < c.m; ++i)
    for (std::size_t j = 0; j < ldc; ++j) {
      INFO("m " << c.m << " n " << c.n << " k " << c.k << " transposes " << c.transpose_a
                << c.transpose_b << " alpha " << c.alpha << " beta " << c.beta << " at " << i << ","
                << j);
      // Padding columns (j ≥ n) must be left as they were.
      CHECK(double(out[i * ldc + j]) ==
            Approx(expected[i * ldc + j]).epsilon(tolerance).margin(tolerance));
    }
}

template <class T>
void check_all(const char* path) {
  for (const auto& [m, n, k] : {std::array<std::size_t, 3>{1, 1, 1},
                                {1, 8, 4},
                                {8, 4, 1},
                                {3, 5, 2},
                                {7, 6, 9},
                                {4, 3, 0},
                                {20, 17, 33},
                                {64, 96, 80},  // the backend's own library in float
                                // The loop's blocks of whole vectors (4 and 1 of them per row
                                // of C, 4 rows per block of dot products) and their remainders,
                                // in float and double.
                                {6, 83, 37},
                                {9, 2, 100},
                                // Matrix-vector and outer products, which gemm gives the loop
                                // or BLAS by layout (gemm_uses_backend).
                                {32, 1, 256},
                                {32, 256, 1},
                                {1, 256, 32},
                                {67, 1, 131},
                                // Matrix-vector products large enough that the dispatch gives
                                // them to the backend in float (backend_takes_matvec).
                                {1, 300, 256},
                                {300, 1, 256}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (const auto& [alpha, beta] : {std::pair{1.0, 0.0}, {-0.5, 1.0}, {2.0, 0.25}}) {
          const Case c{m, n, k, ta, tb, alpha, beta};
          if (std::string_view(path) == "loop")
            check_against_reference<T>(c, detail::loop_gemm<T>);
          else if (std::string_view(path) == "blas")
            check_against_reference<T>(c, detail::blas_gemm<T>);
          else if (std::string_view(path) == "backend")
            check_against_reference<T>(c, detail::backend_gemm<T>);
          else
            check_against_reference<T>(c, detail::gemm<T>);
        }
}

}  // namespace

TEMPLATE_TEST_CASE("gemm paths compute alpha·op(A)·op(B) + beta·C for every layout", "[ops][gemm]",
                   float, double) {
  for (const char* path : {"loop", "blas", "backend", "dispatch"}) {
    INFO("path " << path);
    check_all<TestType>(path);
  }
}

TEST_CASE(
    "large float matrix-vector products go to oneDNN; outer products, small ones and double "
    "stay with the loop",
    "[ops][gemm]") {
  const bool onednn = detail::float_gemm_backend() == "onednn";
  CHECK(detail::backend_takes_matvec<float>(1, 300, 256) == onednn);  // 76800 ≥ 2^16
  CHECK(detail::backend_takes_matvec<float>(300, 1, 256) == onednn);
  CHECK_FALSE(detail::backend_takes_matvec<float>(300, 256, 1));  // an outer product
  CHECK_FALSE(detail::backend_takes_matvec<float>(32, 1, 256));   // 8192 multiply-adds
  CHECK_FALSE(detail::backend_takes_matvec<double>(1, 300, 256));
}

TEMPLATE_TEST_CASE("the direct loop gives each element of C the same bits whatever block it is in",
                   "[ops][gemm]", float, double) {
  // The loop sums C(i, j) over p in one fixed order, whether the element falls in a block of
  // four vectors, of one, in the scalar remainder, in a block of four rows of dot products, or
  // in the scalar loops of tiny products: a batch's row must not change in its last bits with
  // the batch size. Each element of a 9×83 product is compared with the same element computed
  // alone (m = n = 1): for k = 8 a tiny product, and at k = 16 and 32, where a tiny product's
  // dot products are long enough in double or float for the vector kernel's partial sums, which
  // must then compute them.
  using T = TestType;
  const std::size_t m = 9, n = 83;
  for (std::size_t k : {std::size_t{8}, std::size_t{16}, std::size_t{32}, std::size_t{37}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (T beta : {T(0), T(1)}) {
          const std::size_t lda = ta ? m : k, ldb = tb ? k : n;
          std::vector<T> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c(m * n);
          for (std::size_t i = 0; i < a.size(); ++i) a[i] = T(std::sin(1.3 * double(i) + 0.4));
          for (std::size_t i = 0; i < b.size(); ++i) b[i] = T(std::cos(0.9 * double(i) + 0.7));
          for (std::size_t i = 0; i < c.size(); ++i) c[i] = T(0.125 * double(i % 5));
          const std::vector<T> c0 = c;
          detail::loop_gemm<T>(ta, tb, m, n, k, T(-0.75), a.data(), lda, b.data(), ldb, beta,
                               c.data(), n);
          for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
              T alone = c0[i * n + j];
              detail::loop_gemm<T>(ta, tb, 1, 1, k, T(-0.75),
                                   ta ? a.data() + i : a.data() + i * lda, lda,
                                   tb ? b.data() + j * ldb : b.data() + j, ldb, beta, &alone, 1);
              INFO("k " << k << " transposes " << ta << tb << " beta " << beta << " at " << i << ","
                        << j);
              CHECK(c[i * n + j] == alone);
            }
        }
}

TEMPLATE_TEST_CASE("the direct loop writes with beta = 0 the bits it adds into zeros, −0 included",
                   "[ops][gemm]", float, double) {
  // The fast backward engine writes gradients (beta = 0) where the checked engine adds them into
  // zeroed buffers (beta = 1): both must give the same bits, also for a sum of −0, which adding
  // into +0 makes +0. A = −1 and B = 0 make every product −0; the sin/cos data, ordinary sums.
  using T = TestType;
  for (const auto& [m, n, k] : {std::array<std::size_t, 3>{1, 1, 3},
                                {3, 5, 2},
                                {6, 83, 1},
                                {1, 83, 37},
                                {9, 1, 100},
                                {1, 5, 100}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool zeros : {true, false}) {
          const std::size_t lda = ta ? m : k, ldb = tb ? k : n;
          std::vector<T> a((ta ? k : m) * lda), b((tb ? n : k) * ldb);
          for (std::size_t i = 0; i < a.size(); ++i)
            a[i] = zeros ? T(-1) : T(std::sin(0.7 * double(i) + 0.2));
          for (std::size_t i = 0; i < b.size(); ++i)
            b[i] = zeros ? T(0) : T(std::cos(0.4 * double(i) + 0.9));
          std::vector<T> written(m * n, std::numeric_limits<T>::quiet_NaN()), added(m * n, T(0));
          detail::loop_gemm<T>(ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0),
                               written.data(), n);
          detail::loop_gemm<T>(ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(1),
                               added.data(), n);
          for (std::size_t i = 0; i < m * n; ++i) {
            INFO("m " << m << " n " << n << " k " << k << " transposes " << ta << tb << " zeros "
                      << zeros << " element " << i);
            CHECK(std::memcmp(&written[i], &added[i], sizeof(T)) == 0);
          }
        }
}

}  // namespace file_ops_gemm_paths_test
