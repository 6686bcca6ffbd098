// General matrix product for the ops: C = alpha·op(A)·op(B) + beta·C, row-major, op(X) = X or
// Xᵀ. Large products go to OpenBLAS (cblas_sgemm/dgemm) with the transpose flags, never through
// a transposed copy; small ones run a direct loop, which avoids BLAS's call overhead.
#pragma once

#include <cstddef>

namespace tapegrad::detail {

// A is m×k after op, B is k×n after op, C is m×n; lda, ldb, ldc are the row strides as stored.
// With beta == 0, C is written without being read (it may hold garbage).
template <class T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

// Products with m·n·k at most this go to the direct loop.
inline constexpr std::size_t kSmallGemmVolume = 16 * 16 * 16;

}  // namespace tapegrad::detail
