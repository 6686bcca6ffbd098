// The library that runs the matrix products gemm (ops/detail/gemm.hpp) does not run itself:
// oneDNN's dnnl_sgemm for float, OpenBLAS's cblas_dgemm for double (oneDNN 2.6 has no double
// product). Configuring with -DTAPEGRAD_GEMM=blas sends float to OpenBLAS too, for comparison
// (bench/RESULTS.md). Products of at least kParallelGemmVolume multiply-adds run on the thread
// count of graph/threads.hpp, smaller ones on the calling thread: oneDNN's float products split by
// tapegrad into one single-threaded call per thread (gemm_backend.cpp), OpenBLAS's by OpenBLAS.
#pragma once

#include <cstddef>
#include <string_view>

namespace tapegrad::detail {

// The float backend's name: "onednn" or "openblas".
std::string_view float_gemm_backend();

// Whether a matrix-vector product that gemm_uses_backend leaves to the direct loop runs faster on
// the backend: with oneDNN, float products of a row or column of dot products (k > 1) from
// kBackendMatVecVolume multiply-adds on (bench/RESULTS.md: 1×2048·2048×1024 in 108 against
// 282 µs; 128×512·512×1 in 2.5 against 3.5 µs); outer products (k = 1) stay with the loop.
inline constexpr std::size_t kBackendMatVecVolume = std::size_t{1} << 16;
template <class T>
bool backend_takes_matvec(std::size_t m, std::size_t n, std::size_t k);

// C = alpha·op(A)·op(B) + beta·C through the backend, with gemm's contract (row-major; lda, ldb,
// ldc the row strides as stored; with beta == 0, C is not read).
template <class T>
void backend_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                  T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
                  std::size_t ldc);

// OpenBLAS whatever the build's backend, for the benchmarks that compare the two.
template <class T>
void blas_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc);

}  // namespace tapegrad::detail
