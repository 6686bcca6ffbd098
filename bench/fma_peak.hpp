// The machine's fused multiply-add peak on one thread, measured rather than looked up: a loop
// of independent FMAs on 12 vector accumulators (enough to cover the FMA latency of every
// x86-64 core in use), in the widest vectors the CPU has (AVX-512, else AVX2 with FMA). The
// benchmarks report a step's arithmetic as a percentage of it. Best of 5 runs of ~20 ms.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace tapegrad::bench {

namespace detail {

// Each returns the flops done; `seed` keeps the compiler from folding the loop.
__attribute__((target("avx512f"))) inline double fma_avx512(long iterations, float seed,
                                                            float* sink) {
  __m512 acc[12];
  const __m512 mul = _mm512_set1_ps(1.0f + seed * 1e-7f), add = _mm512_set1_ps(seed * 1e-9f);
  for (auto& a : acc) a = add;
  for (long i = 0; i < iterations; ++i)
    for (auto& a : acc) a = _mm512_fmadd_ps(a, mul, add);
  alignas(64) float lanes[16];
  float total = 0;
  for (const auto& a : acc) {
    _mm512_store_ps(lanes, a);
    for (float lane : lanes) total += lane;
  }
  *sink = total;
  return 2.0 * 12 * 16 * static_cast<double>(iterations);
}

__attribute__((target("avx2,fma"))) inline double fma_avx2(long iterations, float seed,
                                                           float* sink) {
  __m256 acc[12];
  const __m256 mul = _mm256_set1_ps(1.0f + seed * 1e-7f), add = _mm256_set1_ps(seed * 1e-9f);
  for (auto& a : acc) a = add;
  for (long i = 0; i < iterations; ++i)
    for (auto& a : acc) a = _mm256_fmadd_ps(a, mul, add);
  alignas(32) float lanes[8];
  float total = 0;
  for (const auto& a : acc) {
    _mm256_store_ps(lanes, a);
    for (float lane : lanes) total += lane;
  }
  *sink = total;
  return 2.0 * 12 * 8 * static_cast<double>(iterations);
}

}  // namespace detail

// Single-precision GFLOPS of one thread at its FMA peak, and the vector width used.
struct FmaPeak {
  double gflops;
  const char* isa;
};

inline FmaPeak fma_peak() {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  auto kernel = avx512 ? detail::fma_avx512 : detail::fma_avx2;
  float sink = 0;
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const double flops = kernel(2'000'000, static_cast<float>(run + 1), &sink);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (sink != sink) return {0, "failed"};  // keeps `sink` alive; a NaN means a broken loop
    best = std::max(best, flops / seconds / 1e9);
  }
  return {best, avx512 ? "AVX-512" : "AVX2"};
}

// Multiply-adds of one training step of a one-hidden-layer MLP: forward x·W1ᵀ and z·W2ᵀ, backward
// dW2, dZ and dW1 (no gradient for the input x).
inline double step_flops(std::size_t batch, std::size_t inputs, std::size_t hidden,
                         std::size_t outputs) {
  const double b = double(batch);
  return 2.0 * (2 * b * inputs * hidden + 3 * b * hidden * outputs);
}

}  // namespace tapegrad::bench
