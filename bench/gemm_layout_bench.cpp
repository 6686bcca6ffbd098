// The hidden layer's two large products of a training step, forward Z = X·W₁ᵀ and backward
// dW₁ = dAᵀ·X, as tapegrad calls OpenBLAS for them and in the other layouts that compute the same
// numbers (Z, W₁ or dA stored transposed, which puts other operands in BLAS's roles): whether a
// different layout of the model's tensors would make the step's matrix products faster. Cited by
// bench/RESULTS.md ("Where the missed targets stand").
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_configs.hpp"
#include "ops/detail/gemm.hpp"
#include "ops/detail/gemm_backend.hpp"

namespace {

using tapegrad::bench::kConfigs;
using tapegrad::detail::blas_gemm;

struct Layout {
  const char* label;
  bool transpose_a, transpose_b;
};

// For batch b, inputs i, hidden h. Each row: {C rows, C columns, k} and which stored operands.
constexpr std::array<Layout, 6> kLayouts{{
    {"Z = X.W1^T (tapegrad: W1 [h,i])", false, true},
    {"Z^T = W1.X^T (Z stored [h,b])", false, true},
    {"Z = X.W1t (W1 stored [i,h])", false, false},
    {"dW1 = dA^T.X (tapegrad: dA [b,h])", true, false},
    {"dW1^T = X^T.dA (W1 stored [i,h])", true, false},
    {"dW1 = dAt.X (dA stored [h,b])", false, false},
}};

// C = op(A)·op(B) is m×n with inner dimension k; lda and ldb are the stored operands' strides.
struct Dims {
  std::size_t m, n, k, lda, ldb;
};
Dims dims(std::int64_t layout, std::size_t b, std::size_t i, std::size_t h) {
  switch (layout) {
    case 0:
      return {b, h, i, i, i};  // X [b,i], W1 [h,i]
    case 1:
      return {h, b, i, i, i};  // W1 [h,i], X [b,i]
    case 2:
      return {b, h, i, i, h};  // X [b,i], W1t [i,h]
    case 3:
      return {h, i, b, h, i};  // dA [b,h], X [b,i]
    case 4:
      return {i, h, b, i, h};  // X [b,i], dA [b,h]
    default:
      return {h, i, b, b, i};  // dAt [h,b], X [b,i]
  }
}

void product(benchmark::State& state) {
  const auto& config = kConfigs[static_cast<std::size_t>(state.range(0))];
  const auto& layout = kLayouts[static_cast<std::size_t>(state.range(1))];
  state.SetLabel(std::string(config.name) + ": " + layout.label);
  const auto [m, n, k, lda, ldb] = dims(state.range(1), config.batch, config.inputs, config.hidden);
  std::vector<float> a(m * k, 0.5f), bm(k * n, 0.25f), c(m * n);
  openblas_set_num_threads(1);  // as the step benchmarks compare, at 1 thread
  for (auto _ : state) {
    blas_gemm<float>(layout.transpose_a, layout.transpose_b, m, n, k, 1.0f, a.data(), lda,
                     bm.data(), ldb, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
}

}  // namespace

// 64-256-1 at batch 32 and 784-512-10 at batch 128, float, every layout.
BENCHMARK(product)
    ->Name("hidden_layer_product")
    ->ArgNames({"config", "layout"})
    ->ArgsProduct({{1, 2}, {0, 1, 2, 3, 4, 5}})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
