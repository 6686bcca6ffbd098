#include "tapegrad/ops/detail/gemm.hpp"

#include <cblas.h>

#include <algorithm>

namespace tapegrad::detail {

namespace {

// C += alpha·op(A)·op(B), or C = alpha·op(A)·op(B) without reading C when `accumulate` is false.
template <class T>
void small_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, bool accumulate,
                T* c, std::size_t ldc) {
  // Loop order i, p, j keeps the innermost access to B and C contiguous when B is not transposed.
  for (std::size_t i = 0; i < m; ++i) {
    T* c_row = c + i * ldc;
    if (!transpose_b) {
      std::size_t p = 0;
      if (!accumulate) {  // NOTE: the first term is written, not added to zeros: the same bits
        if (k == 0) {
          std::fill_n(c_row, n, T(0));
          continue;
        }
        const T a_i0 = alpha * (transpose_a ? a[i] : a[i * lda]);
        for (std::size_t j = 0; j < n; ++j) c_row[j] = a_i0 * b[j];
        p = 1;
      }
      for (; p < k; ++p) {
        const T a_ip = alpha * (transpose_a ? a[p * lda + i] : a[i * lda + p]);
        const T* b_row = b + p * ldb;
        for (std::size_t j = 0; j < n; ++j) c_row[j] += a_ip * b_row[j];
      }
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        const T* b_row = b + j * ldb;  // row j of the stored B is column j of Bᵀ
        T dot = 0;
        for (std::size_t p = 0; p < k; ++p)
          dot += (transpose_a ? a[p * lda + i] : a[i * lda + p]) * b_row[p];
        c_row[j] = accumulate ? c_row[j] + alpha * dot : alpha * dot;
      }
    }
  }
}

void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
                const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha,
                const double* a, int lda, const double* b, int ldb, double beta, double* c,
                int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

template <class T>
void blas_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc) {
  if (m == 0 || n == 0) return;
  // BLAS wants leading dimensions of at least 1 even for empty operands.
  cblas_gemm(transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
             static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
             static_cast<int>(std::max<std::size_t>(lda, 1)), b,
             static_cast<int>(std::max<std::size_t>(ldb, 1)), beta, c, static_cast<int>(ldc));
}

template <class T>
void loop_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc) {
  if (beta != T(0) && beta != T(1))
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] *= beta;
  small_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta != T(0), c, ldc);
}

template <class T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (m * n * k > kSmallGemmVolume)
    blas_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    loop_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template void gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float, const float*,
                          std::size_t, const float*, std::size_t, float, float*, std::size_t);
template void gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double, const double*,
                           std::size_t, const double*, std::size_t, double, double*, std::size_t);

template void loop_gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float,
                               const float*, std::size_t, const float*, std::size_t, float, float*,
                               std::size_t);
template void loop_gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double,
                                const double*, std::size_t, const double*, std::size_t, double,
                                double*, std::size_t);
template void blas_gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float,
                               const float*, std::size_t, const float*, std::size_t, float, float*,
                               std::size_t);
template void blas_gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double,
                                const double*, std::size_t, const double*, std::size_t, double,
                                double*, std::size_t);

}  // namespace tapegrad::detail
