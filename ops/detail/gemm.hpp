// General matrix product for the ops: C = alpha·op(A)·op(B) + beta·C, row-major, op(X) = X or
// Xᵀ. Large products go to OpenBLAS (cblas_sgemm/dgemm) with the transpose flags, never through
// a transposed copy; small ones and matrix-vector shapes run a direct vectorised loop, which
// avoids BLAS's call and packing overhead (gemm_uses_blas).
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

// Whether gemm hands a product to BLAS; otherwise the direct loop runs it: tiny products, and
// every product with a dimension of 1 (a matrix times a vector, or an outer product), where
// BLAS's packing and blocking have no reuse of data to exploit. Measured with
// bench/gemm_threshold_bench.cpp (bench/RESULTS.md has the table): for such products the loop
// is 1.7–7.5× faster than OpenBLAS 0.3.21 in float with its AVX2 Haswell kernels, from
// 32×1·(k = 256) to 1024×2048·(k = 1), and with its AVX-512 kernels from 0.86× (32×1·(k = 256),
// 249 against 214 ns) to 7.7×; in double it is never slower. Products with every dimension
// above 1 stay with BLAS, which wins there from 8×8×8 on.
constexpr bool gemm_uses_blas(std::size_t m, std::size_t n, std::size_t k) {
  return m * n * k > kSmallGemmVolume && m != 1 && n != 1 && k != 1;
}

}  // namespace tapegrad::detail
