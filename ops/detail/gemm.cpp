#include "gemm.hpp"

#include <algorithm>
#include <cstring>

#include "../../graph/hot.hpp"
#include "../math.hpp"
#include "gemm_backend.hpp"

namespace tapegrad::detail {

namespace {

// The direct loop works on GCC's vector extension: 64 bytes of T, which each instruction set's
// clone (TAPEGRAD_SIMD_CLONES) maps onto its own registers (one AVX-512 register, two AVX2
// ones, four SSE ones). NOTE: the order of every addition is fixed by the code below, not left
// to the vectoriser, so every clone gives the same bits; and each element of C is summed over p
// in the same order whichever block or path of the loop computes it, so in the loop its bits do
// not depend on m (the batch), and with C holding no values (beta = 0) they are those of adding
// into zeros.
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(64)));
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
inline constexpr std::size_t kWidth = sizeof(Vec<T>) / sizeof(T);
static_assert(kWidth<float> == kLoopVectorWidth<float> &&
              kWidth<double> == kLoopVectorWidth<double>);

// NOTE: vectors move through memcpy (unaligned loads and stores) and references, never by
// value: a 64-byte vector argument or result has a different ABI with and without AVX-512.
template <class T>
[[gnu::always_inline]] inline void load(Vec<T>& v, const T* p) {
  std::memcpy(&v, p, sizeof v);
}
template <class T>
[[gnu::always_inline]] inline void store(T* p, const Vec<T>& v) {
  std::memcpy(p, &v, sizeof v);
}
// The sum of v's elements, folded in halves.
template <class T>
[[gnu::always_inline]] inline T fold(const Vec<T>& v) {
  if constexpr (sizeof(T) == 4) {
    const auto v8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                    __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    const auto v4 =
        __builtin_shufflevector(v8, v8, 0, 1, 2, 3) + __builtin_shufflevector(v8, v8, 4, 5, 6, 7);
    const auto v2 = __builtin_shufflevector(v4, v4, 0, 1) + __builtin_shufflevector(v4, v4, 2, 3);
    return v2[0] + v2[1];
  } else {
    const auto v4 =
        __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    const auto v2 = __builtin_shufflevector(v4, v4, 0, 1) + __builtin_shufflevector(v4, v4, 2, 3);
    return v2[0] + v2[1];
  }
}

// C + Σ, or 0 + Σ when C holds no values (accumulate false, C not read): the bits of adding Σ
// into zeros, so a sum of −0 is stored as +0, as BLAS stores it. Every path of the loop stores
// through this (row_block in vectors).
template <class T>
[[gnu::always_inline]] inline void put(T& c, T sum, bool accumulate) {
  c = (accumulate ? c : T(0)) + sum;
}

// With B as stored (op(B) = B): kVectors·kWidth consecutive elements of one row of C,
// Σ_p (alpha·A(i, p))·B(p, j), kept in registers over all of p and then written, or added to
// C. A(i, p) is a_i[p·a_step]; b points at B(0, j).
template <std::size_t kVectors, class T>
[[gnu::always_inline]] inline void row_block(const T* a_i, std::size_t a_step, const T* b,
                                             std::size_t ldb, std::size_t k, T alpha,
                                             bool accumulate, T* c) {
  constexpr std::size_t kW = kWidth<T>;
  Vec<T> sum[kVectors], row;
  const T a_0 = alpha * a_i[0];
  for (std::size_t v = 0; v < kVectors; ++v) {
    load(row, b + v * kW);
    sum[v] = a_0 * row;
  }
  for (std::size_t p = 1; p < k; ++p) {
    const T a_p = alpha * a_i[p * a_step];
    for (std::size_t v = 0; v < kVectors; ++v) {
      load(row, b + p * ldb + v * kW);
      sum[v] += a_p * row;
    }
  }
  for (std::size_t v = 0; v < kVectors; ++v) {
    Vec<T> base = {};  // as put()
    if (accumulate) load(base, c + v * kW);
    base += sum[v];
    store(c + v * kW, base);
  }
}

// The same one scalar per element, for w ≤ kRowTail elements: the last ones of a row of C
// after the blocks, or a tiny product's whole row (tiny_gemm).
inline constexpr std::size_t kRowTail = kSmallGemmVolume;
static_assert(kRowTail >= kWidth<float> && kRowTail >= kWidth<double>);

template <class T>
[[gnu::always_inline]] inline void row_tail(const T* a_i, std::size_t a_step, const T* b,
                                            std::size_t ldb, std::size_t k, T alpha,
                                            bool accumulate, T* c, std::size_t w) {
  T sum[kRowTail];
  const T a_0 = alpha * a_i[0];
  for (std::size_t j = 0; j < w; ++j) sum[j] = a_0 * b[j];
  for (std::size_t p = 1; p < k; ++p) {
    const T a_p = alpha * a_i[p * a_step];
    for (std::size_t j = 0; j < w; ++j) sum[j] += a_p * b[p * ldb + j];
  }
  for (std::size_t j = 0; j < w; ++j) put(c[j], sum[j], accumulate);
}

// Σ_p a_i[p·a_step]·y[p] in one chain: the dot products with Aᵀ·Bᵀ (a_step = lda) and tiny
// ones (as dots computes those shorter than two vectors).
template <class T>
[[gnu::always_inline]] inline T strided_dot(const T* a_i, std::size_t a_step, const T* y,
                                            std::size_t k) {
  T sum = 0;
  for (std::size_t p = 0; p < k; ++p) sum += a_i[p * a_step] * y[p];
  return sum;
}

// With Bᵀ: the dot products of kRows consecutive rows of the stored A (row r at a + r·lda) with
// one contiguous vector y of length k, each in two vectors of partial sums (independent chains
// where a plain loop would be one chain of k additions), folded at the end.
template <std::size_t kRows, class T>
[[gnu::always_inline]] inline void dots(const T* a, std::size_t lda, const T* y, std::size_t k,
                                        T* out) {
  constexpr std::size_t kW = kWidth<T>;
  std::size_t p = 0;
  T sum[kRows];
  for (std::size_t r = 0; r < kRows; ++r) sum[r] = 0;
  if (k >= 2 * kW) {
    Vec<T> s0[kRows], s1[kRows], y0, y1, x;
    load(y0, y);
    load(y1, y + kW);
    for (std::size_t r = 0; r < kRows; ++r) {
      load(x, a + r * lda);
      s0[r] = x * y0;
      load(x, a + r * lda + kW);
      s1[r] = x * y1;
    }
    for (p = 2 * kW; p + 2 * kW <= k; p += 2 * kW) {
      load(y0, y + p);
      load(y1, y + p + kW);
      for (std::size_t r = 0; r < kRows; ++r) {
        load(x, a + r * lda + p);
        s0[r] += x * y0;
        load(x, a + r * lda + p + kW);
        s1[r] += x * y1;
      }
    }
    for (std::size_t r = 0; r < kRows; ++r) {
      s0[r] += s1[r];
      sum[r] = fold<T>(s0[r]);
    }
  }
  for (; p < k; ++p)
    for (std::size_t r = 0; r < kRows; ++r) sum[r] += a[r * lda + p] * y[p];
  for (std::size_t r = 0; r < kRows; ++r) out[r] = sum[r];
}

// C += alpha·op(A)·op(B), or C = 0 + alpha·op(A)·op(B) without reading C when `accumulate` is
// false; k ≥ 1 (loop_gemm does k = 0).
// Compiled once per instruction set. With B as stored, each row of C is built in blocks of
// vectors held in registers over the whole sum (row_block); with Bᵀ, C(i, j) is the dot product
// of row i of A and row j of the stored B, four rows of A at a time, or of B for the last rows
// (dots).
template <class T>
TAPEGRAD_SIMD_CLONES void small_gemm(bool transpose_a, bool transpose_b, std::size_t m,
                                     std::size_t n, std::size_t k, T alpha, const T* __restrict a,
                                     std::size_t lda, const T* __restrict b, std::size_t ldb,
                                     bool accumulate, T* __restrict c, std::size_t ldc) {
  constexpr std::size_t kW = kWidth<T>;
  if (!transpose_b) {
    // A(i, p) = a_i[p·a_step]
    const std::size_t a_step = transpose_a ? lda : 1;
    for (std::size_t i = 0; i < m; ++i) {
      const T* a_i = transpose_a ? a + i : a + i * lda;
      T* c_i = c + i * ldc;
      std::size_t j = 0;
      for (; j + 4 * kW <= n; j += 4 * kW)
        row_block<4>(a_i, a_step, b + j, ldb, k, alpha, accumulate, c_i + j);
      for (; j + kW <= n; j += kW)
        row_block<1>(a_i, a_step, b + j, ldb, k, alpha, accumulate, c_i + j);
      if (j < n) row_tail(a_i, a_step, b + j, ldb, k, alpha, accumulate, c_i + j, n - j);
    }
    return;
  }
  if (transpose_a) {  // Aᵀ·Bᵀ: A is not contiguous along p; no op asks for it
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j)
        put(c[i * ldc + j], alpha * strided_dot(a + i, lda, b + j * ldb, k), accumulate);
    return;
  }
  std::size_t i = 0;
  T sums[4];
  for (; i + 4 <= m; i += 4)
    for (std::size_t j = 0; j < n; ++j) {
      dots<4>(a + i * lda, lda, b + j * ldb, k, sums);
      for (std::size_t r = 0; r < 4; ++r) put(c[(i + r) * ldc + j], alpha * sums[r], accumulate);
    }
  for (; i < m; ++i) {  // the last rows (all of them for one row of A): four rows of B at a time
    // NOTE: B's rows against A's row, the same products (x·y = y·x) in the same partial sums
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      dots<4>(b + j * ldb, ldb, a + i * lda, k, sums);
      for (std::size_t r = 0; r < 4; ++r) put(c[i * ldc + j + r], alpha * sums[r], accumulate);
    }
    for (; j < n; ++j) {
      dots<1>(a + i * lda, lda, b + j * ldb, k, sums);
      put(c[i * ldc + j], alpha * sums[0], accumulate);
    }
  }
}

// small_gemm for products of at most kSmallGemmVolume multiply-adds, in plain scalar loops that
// are its own remainder paths (row_tail, and dots below two vectors), so the bits are the same;
// k ≥ 1.
template <bool kTransposeA, bool kTransposeB, class T>
TAPEGRAD_HOT void tiny_gemm(std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                            std::size_t lda, const T* b, std::size_t ldb, bool accumulate, T* c,
                            std::size_t ldc) {
  const std::size_t a_step = kTransposeA ? lda : 1;  // A(i, p) = a_i[p·a_step]
  for (std::size_t i = 0; i < m; ++i) {
    const T* a_i = kTransposeA ? a + i : a + i * lda;
    T* c_i = c + i * ldc;
    if constexpr (!kTransposeB)
      row_tail(a_i, a_step, b, ldb, k, alpha, accumulate, c_i, n);  // n ≤ m·n·k ≤ kRowTail
    else
      for (std::size_t j = 0; j < n; ++j)
        put(c_i[j], alpha * strided_dot(a_i, a_step, b + j * ldb, k), accumulate);
  }
}

}  // namespace

template <class T>
TAPEGRAD_HOT void loop_gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n,
                            std::size_t k, T alpha, const T* a, std::size_t lda, const T* b,
                            std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (beta != T(0) && beta != T(1))
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] *= beta;
  if (k == 0) {  // C = beta·C; neither kernel reads A or B, which may be empty
    if (beta == T(0))
      for (std::size_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, T(0));
    return;
  }
  // NOTE: tiny products (the batch-1 shapes of small MLPs) skip the vector kernel, whose set-up
  // and call through the clones' resolver cost more than their few multiply-adds. Dot products
  // long enough for the kernel's vectors of partial sums stay with it, so that no element's
  // bits depend on the path.
  if (m * n * k <= kSmallGemmVolume && (!transpose_b || k < 2 * kWidth<T>))
    (transpose_a ? (transpose_b ? tiny_gemm<true, true, T> : tiny_gemm<true, false, T>)
                 : (transpose_b ? tiny_gemm<false, true, T> : tiny_gemm<false, false, T>))(
        m, n, k, alpha, a, lda, b, ldb, beta != T(0), c, ldc);
  else
    small_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta != T(0), c, ldc);
}

template <class T>
TAPEGRAD_HOT void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n,
                       std::size_t k, T alpha, const T* a, std::size_t lda, const T* b,
                       std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  // The volume test first keeps the small products of small networks from calling out.
  if (gemm_uses_backend<T>(transpose_a, transpose_b, m, n, k) ||
      (m * n * k >= kBackendMatVecVolume && backend_takes_matvec<T>(m, n, k)))
    backend_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
}  // namespace tapegrad::detail
