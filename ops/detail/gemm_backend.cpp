#include "gemm_backend.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../../graph/threads.hpp"

#ifdef TAPEGRAD_GEMM_ONEDNN
#include <oneapi/dnnl/dnnl.h>

// oneDNN's CPU runtime is the OpenMP of GCC (libgomp), which reads the thread count of the
// calling thread; declared here rather than through <omp.h>, which not every compiler ships.
extern "C" {
void omp_set_num_threads(int count) noexcept;
int omp_get_max_threads() noexcept;
}
#endif

namespace tapegrad::detail {
namespace {

// OpenBLAS's count is one for the process and it splits only products large enough to pay
// (GEMM_MULTITHREAD_THRESHOLD); it is set again only when set_num_threads changed it, so that
// no call changes it under another thread's product.
void use_blas_threads() {
  static std::atomic<int> applied{0};
  const int wanted = get_num_threads();
  if (applied.load(std::memory_order_relaxed) != wanted) {
    openblas_set_num_threads(wanted);
    applied.store(wanted, std::memory_order_relaxed);
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

#ifdef TAPEGRAD_GEMM_ONEDNN
// Float products of fewer multiply-adds than this go to OpenBLAS: oneDNN's call costs about
// 0.15–0.25 µs more (bench/gemm_threshold_bench.cpp, bench/RESULTS.md: 8³ 104 against 254 ns,
// 12³ 146 against 442; even at 16³, 294 against 306).
constexpr std::size_t kOneDnnMinVolume = 16 * 16 * 16;

int threads_for(std::size_t m, std::size_t n, std::size_t k) {
  return m * n * k >= kParallelGemmVolume ? get_num_threads() : 1;
}

void call_dnnl_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n,
                     std::size_t k, float alpha, const float* a, std::size_t lda, const float* b,
                     std::size_t ldb, float beta, float* c, std::size_t ldc,
                     std::atomic<int>& failure) {
  using dim = dnnl_dim_t;
  const dnnl_status_t status = dnnl_sgemm(
      transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', static_cast<dim>(m), static_cast<dim>(n),
      static_cast<dim>(k), alpha, a, static_cast<dim>(std::max<std::size_t>(lda, 1)), b,
      static_cast<dim>(std::max<std::size_t>(ldb, 1)), beta, c, static_cast<dim>(ldc));
  if (status != dnnl_success) failure.store(status, std::memory_order_relaxed);
}

// Parts start at multiples of this many rows or columns (16 floats: a cache line of C).
constexpr std::size_t kPartAlign = 16;

// A product of T threads is split by tapegrad into T parts along the longer of C's two sides,
// each a single-threaded dnnl_sgemm, run side by side in one OpenMP region. oneDNN's own
// threading of one call scales worse on this kind of machine (bench/RESULTS.md, "Splitting the
// products": 1024-2048-1024's five products 1.60× on 2 threads against 1.97× split). Each part
// is a whole product of its own rows or columns, so the bits depend on the thread count only,
// not on whether the parts ran at once: builds without the region (ThreadSanitizer's, whose
// libgomp is not instrumented; compilers other than GCC, whose OpenMP is not libgomp's) run the
// same parts one after another and give the same numbers.
void onednn_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                  float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                  float beta, float* c, std::size_t ldc) {
  // oneDNN itself always runs on the calling thread. omp_set_num_threads holds for the calling
  // thread only: each thread that runs products sets its own, once.
  if (omp_get_max_threads() != 1) omp_set_num_threads(1);
  const bool along_columns = n >= m;
  const std::size_t side = along_columns ? n : m;
  const std::size_t threads = static_cast<std::size_t>(threads_for(m, n, k));
  const std::size_t chunk = (side + threads - 1) / threads;
  const std::size_t width = (chunk + kPartAlign - 1) / kPartAlign * kPartAlign;
  const std::size_t parts = (side + width - 1) / width;  // ≤ threads; 1 below the split volume
  std::atomic<int> failure{dnnl_success};
  const long part_count = static_cast<long>(parts);
#if defined(TAPEGRAD_GEMM_PARALLEL_REGION)  // only ever defined with -fopenmp
#pragma omp parallel for if (part_count > 1) num_threads(part_count) schedule(static, 1)
#endif
  for (long part = 0; part < part_count; ++part) {
    const std::size_t begin = static_cast<std::size_t>(part) * width;
    const std::size_t size = std::min(width, side - begin);
    if (along_columns) {  // C[:, begin:] = op(A) · op(B)[:, begin:]
      const float* b_part = transpose_b ? b + begin * ldb : b + begin;
      call_dnnl_sgemm(transpose_a, transpose_b, m, size, k, alpha, a, lda, b_part, ldb, beta,
                      c + begin, ldc, failure);
    } else {  // C[begin:, :] = op(A)[begin:, :] · op(B)
      const float* a_part = transpose_a ? a + begin : a + begin * lda;
      call_dnnl_sgemm(transpose_a, transpose_b, size, n, k, alpha, a_part, lda, b, ldb, beta,
                      c + begin * ldc, ldc, failure);
    }
  }
  if (const int status = failure.load(); status != dnnl_success)
    throw std::runtime_error("dnnl_sgemm failed (status " + std::to_string(status) +
                             ") on a product of " + std::to_string(m) + "×" + std::to_string(k) +
                             " and " + std::to_string(k) + "×" + std::to_string(n));
}
#endif

}  // namespace

std::string_view float_gemm_backend() {
#ifdef TAPEGRAD_GEMM_ONEDNN
  return "onednn";
#else
  return "openblas";
#endif
}

template <class T>
bool backend_takes_matvec(std::size_t m, std::size_t n, std::size_t k) {
#ifdef TAPEGRAD_GEMM_ONEDNN
  return std::is_same_v<T, float> && k > 1 && m * n * k >= kBackendMatVecVolume;
#else
  (void)m, (void)n, (void)k;
  return false;
#endif
}
template bool backend_takes_matvec<float>(std::size_t, std::size_t, std::size_t);
template bool backend_takes_matvec<double>(std::size_t, std::size_t, std::size_t);

template <class T>
void blas_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
               T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
               std::size_t ldc) {
  if (m == 0 || n == 0) return;
  use_blas_threads();
  // BLAS wants leading dimensions of at least 1 even for empty operands.
  cblas_gemm(transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
             static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
             static_cast<int>(std::max<std::size_t>(lda, 1)), b,
             static_cast<int>(std::max<std::size_t>(ldb, 1)), beta, c, static_cast<int>(ldc));
}

template <class T>
void backend_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                  T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
                  std::size_t ldc) {
  if (m == 0 || n == 0) return;
#ifdef TAPEGRAD_GEMM_ONEDNN
  if constexpr (std::is_same_v<T, float>) {
    if (m * n * k >= kOneDnnMinVolume) {  // never k = 0, which oneDNN refuses
      onednn_sgemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  }
#endif
  blas_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#define TAPEGRAD_INSTANTIATE(name, T)                                                   \
  template void name<T>(bool, bool, std::size_t, std::size_t, std::size_t, T, const T*, \
                        std::size_t, const T*, std::size_t, T, T*, std::size_t);
TAPEGRAD_INSTANTIATE(blas_gemm, float)
TAPEGRAD_INSTANTIATE(blas_gemm, double)
TAPEGRAD_INSTANTIATE(backend_gemm, float)
TAPEGRAD_INSTANTIATE(backend_gemm, double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::detail
