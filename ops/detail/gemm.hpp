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

// The two paths gemm chooses between, exposed for bench/gemm_threshold_bench.cpp, which measures
// where BLAS starts to pay. Same contract as gemm.
template <class T>
void loop_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc);
template <class T>
void blas_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc);

// Products with m·n·k at most this go to the direct loop. Measured with
// bench/gemm_threshold_bench.cpp (OpenBLAS 0.3.21, 1 thread, AMD EPYC with AVX-512, medians of
// 5): the loop is 2–5× faster for the batch-1 shapes of a 4-8-1 MLP (m·n·k ≤ 32, e.g. 11 ns
// against 56 ns for 1×8 · 8×1), even at 8×4·(k = 1), and loses from 4×4×4 on (in float, 46 ns
// against 29 ns for A·B; 187 against 45 ns at 8³).
inline constexpr std::size_t kSmallGemmVolume = 32;

}  // namespace tapegrad::detail
