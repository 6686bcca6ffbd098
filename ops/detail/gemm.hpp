// General matrix product for the ops: C = alpha·op(A)·op(B) + beta·C, row-major, op(X) = X or
// Xᵀ. Large products go to the backend (ops/detail/gemm_backend.hpp: oneDNN for float, OpenBLAS
// for double) with the transpose flags, never through a transposed copy; small ones and
// matrix-vector shapes run a direct vectorised loop, which avoids the library's call and packing
// overhead (gemm_uses_backend).
#pragma once

#include <cstddef>

namespace tapegrad::detail {

// A is m×k after op, B is k×n after op, C is m×n; lda, ldb, ldc are the row strides as stored.
// With beta == 0, C is written without being read (it may hold garbage).
template <class T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

// The direct loop, one of the two paths gemm chooses between (the other is backend_gemm),
// exposed for bench/gemm_threshold_bench.cpp, which measures where the backend starts to pay.
// Same contract as gemm.
template <class T>
void loop_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc);
// Products with m·n·k at most this go to the direct loop. Measured with
// bench/gemm_threshold_bench.cpp (OpenBLAS 0.3.21, 1 thread, AMD EPYC with AVX-512, medians of
// 5; bench/RESULTS.md): the loop is 2–10× faster for the batch-1 shapes of a 4-8-1 MLP
// (m·n·k ≤ 32, e.g. 19 against 75–82 ns for x·Wᵀ, 1×4 · 4×8), and with OpenBLAS's AVX-512
// kernels loses from 4×4×4 on (in float, 50 against 25 ns for A·B).
inline constexpr std::size_t kSmallGemmVolume = 32;

// The direct loop's vectors hold 64 bytes (ops/detail/gemm.cpp): 16 floats or 8 doubles.
template <class T>
inline constexpr std::size_t kLoopVectorWidth = 64 / sizeof(T);

// Whether gemm hands a product to the backend; otherwise the direct loop runs it. The loop takes
// tiny products, and the matrix-vector and outer products that its vector code covers, where BLAS's
// packing and blocking have no reuse of data to exploit:
// - with B as stored, C's rows are built along n: one row of A (m = 1) or an outer product
//   (k = 1), with n at least one vector;
// - with Bᵀ, dot products along k: one row of A or one row of the stored B (m or n = 1), with k
//   at least two vectors.
// Measured with bench/gemm_threshold_bench.cpp (bench/RESULTS.md has the table). Every other
// product goes to BLAS, including matrix-vector products the loop would run in scalar chains
// (A·b with b a column, or Aᵀ·Bᵀ).
template <class T>
constexpr bool gemm_uses_backend(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n,
                                 std::size_t k) {
  if (m * n * k <= kSmallGemmVolume) return false;
  if (transpose_b) return transpose_a || !((m == 1 || n == 1) && k >= 2 * kLoopVectorWidth<T>);
  return !((m == 1 || k == 1) && n >= kLoopVectorWidth<T>);
}

}  // namespace tapegrad::detail
