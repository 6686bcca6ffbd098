// Elementwise math written so that the compiler vectorizes the loops it appears in: no calls into
// libm (whose exp GCC will not vectorize without -ffast-math), no branches, integer tricks the
// SIMD units have. TAPEGRAD_SIMD_CLONES compiles a hot loop for AVX-512, AVX2 and baseline x86-64
// and picks one at load time, so the library stays portable.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

// NOTE: not under ThreadSanitizer: the clones' ifunc resolver runs while the dynamic loader
// relocates the program, before TSan's runtime is set up, and TSan's instrumentation of it
// crashes there. The baseline loop gives the same bits (-ffp-contract=off).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define TAPEGRAD_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TAPEGRAD_SIMD_CLONES
#endif

namespace tapegrad::detail {

// e^x for x ≤ 0, within 2 ulp of the exact value down to the smallest normal number (below
// that, a subnormal near it, and exactly 0 once e^x rounds to 0). Range reduction x = k·ln2 + r
// with |r| ≤ ln2/2, then e^r by its Taylor series (degree 7 in float, 13 in double: truncation
// error below 2^-24 and 2^-53 there) and 2^k built from its bits. NOTE: k is split in two halves so
// that 2^k stays representable for k down to −1074.
template <class T>
inline T exp_nonpositive(T x) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  using Bits = std::conditional_t<std::is_same_v<T, float>, std::int32_t, std::int64_t>;
  constexpr int kMantissa = std::is_same_v<T, float> ? 23 : 52;
  constexpr Bits kBias = std::is_same_v<T, float> ? 127 : 1023;
  constexpr T kLowest = std::is_same_v<T, float> ? T(-103.0) : T(-745.0);  // e^x rounds to 0 below
  constexpr T kLog2e = T(1.4426950408889634);
  // ln 2 split so that k·kLn2High is exact for the k that occur.
  constexpr T kLn2High = std::is_same_v<T, float> ? T(0.693145751953125) : T(0.6931471803691238);
  constexpr T kLn2Low =
      std::is_same_v<T, float> ? T(1.428606765330187e-06) : T(1.9082149292705877e-10);
  // Adding 1.5·2^mantissa rounds to an integer held in the low bits of the sum.
  constexpr T kRound = T(1.5) * T(Bits(1) << kMantissa);

  const bool underflows = x < kLowest;
  x = std::max(x, kLowest);  // keeps k in range; the result is replaced by 0 below
  const T shifted = x * kLog2e + kRound;
  const Bits k = std::bit_cast<Bits>(shifted) - std::bit_cast<Bits>(kRound);
  const T kf = shifted - kRound;
  const T r = (x - kf * kLn2High) - kf * kLn2Low;

  T p;
  if constexpr (std::is_same_v<T, float>) {
    p = T(1.0 / 5040);
    p = p * r + T(1.0 / 720);
    p = p * r + T(1.0 / 120);
    p = p * r + T(1.0 / 24);
    p = p * r + T(1.0 / 6);
    p = p * r + T(0.5);
    p = p * r + T(1);
    p = p * r + T(1);
  } else {
    p = T(1.0 / 6227020800.0);
    p = p * r + T(1.0 / 479001600.0);
    p = p * r + T(1.0 / 39916800.0);
    p = p * r + T(1.0 / 3628800.0);
    p = p * r + T(1.0 / 362880.0);
    p = p * r + T(1.0 / 40320.0);
    p = p * r + T(1.0 / 5040.0);
    p = p * r + T(1.0 / 720.0);
    p = p * r + T(1.0 / 120.0);
    p = p * r + T(1.0 / 24.0);
    p = p * r + T(1.0 / 6.0);
    p = p * r + T(0.5);
    p = p * r + T(1);
    p = p * r + T(1);
  }
  // 2^k = 2^(k/2) · 2^(k − k/2), each half a normal number for k ≥ −1074.
  const Bits half = k / 2;
  const T scale_a = std::bit_cast<T>(static_cast<Bits>((half + kBias) << kMantissa));
  const T scale_b = std::bit_cast<T>(static_cast<Bits>((k - half + kBias) << kMantissa));
  const T result = p * scale_a * scale_b;
  return underflows ? T(0) : result;
}

// sigmoid(a) = 1/(1 + e^(−a)) without overflow: with e = e^(−|a|) ≤ 1, it is 1/(1 + e) for
// a ≥ 0 and e/(1 + e) for a < 0.
template <class T>
inline T sigmoid_of(T a) {
  const T e = exp_nonpositive(-std::fabs(a));
  const T inv = T(1) / (T(1) + e);
  const T negative = e * inv;
  return a < T(0) ? negative : inv;
}

}  // namespace tapegrad::detail
