// Where the backend starts to pay: the direct loop against cblas_{s,d}gemm and, for float, the
// build's backend (oneDNN's dnnl_sgemm unless built with TAPEGRAD_GEMM=blas) for products C = A·B
// (m×k times k×n) and the two transposed products backward needs (Aᵀ·B, A·Bᵀ); square sizes,
// the skinny shapes of a batch-1 step of the 4-8-1 MLP, and the matrix-vector and outer products
// of larger layers (one output, or a batch of one). ops/detail/gemm.hpp's kSmallGemmVolume and
// gemm_uses_backend come from this.
#include <benchmark/benchmark.h>

#include <vector>

#include "graph/threads.hpp"
#include "ops/detail/gemm.hpp"
#include "ops/detail/gemm_backend.hpp"

namespace {

using tapegrad::detail::backend_gemm;
using tapegrad::detail::blas_gemm;
using tapegrad::detail::loop_gemm;

enum class Path { kLoop, kBlas, kBackend };

template <class T, Path kPath>
void product(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto k = static_cast<std::size_t>(state.range(2));
  const bool transpose_a = state.range(3) == 1, transpose_b = state.range(3) == 2;
  // Stored A is m×k (k×m if transposed), B is k×n (n×k if transposed).
  const std::size_t lda = transpose_a ? m : k, ldb = transpose_b ? k : n;
  std::vector<T> a(m * k, T(0.5)), b(k * n, T(0.25)), c(m * n);
  tapegrad::set_num_threads(1);  // as the step benchmarks compare, at 1 thread
  for (auto _ : state) {
    if constexpr (kPath == Path::kBackend)
      backend_gemm<T>(transpose_a, transpose_b, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0),
                      c.data(), n);
    else if constexpr (kPath == Path::kBlas)
      blas_gemm<T>(transpose_a, transpose_b, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0),
                   c.data(), n);
    else
      loop_gemm<T>(transpose_a, transpose_b, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0),
                   c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
}

// Arguments {m, n, k, layout}; layout 0 = A·B, 1 = Aᵀ·B, 2 = A·Bᵀ.
void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "layout"});
  for (int layout : {0, 1, 2})
    for (int n : {2, 4, 8, 12, 16, 24, 32}) b->Args({n, n, n, layout});
  // 4-8-1 at batch 1: forward x·Wᵀ (1,8,4) and z·vᵀ (1,1,8); backward dz = dŷ·v (1,8,1),
  // dW = daᵀ·x (8,4,1), dv = dŷᵀ·z (1,8,1).
  b->Args({1, 8, 4, 2})->Args({1, 1, 8, 2})->Args({1, 8, 1, 0})->Args({8, 4, 1, 1});
  // The output layer of 64-256-1 at batch 32 (one of m, n, k is 1: matrix-vector and outer
  // products), and its hidden layer's two products.
  b->Args({32, 1, 256, 2})->Args({32, 256, 1, 0})->Args({1, 256, 32, 1});
  b->Args({32, 256, 64, 2})->Args({256, 64, 32, 1});
  // The output layer of 784-512-10 at batch 128, and larger matrix-vector products.
  b->Args({128, 10, 512, 2})->Args({128, 512, 10, 0})->Args({10, 512, 128, 1});
  b->Args({128, 1, 512, 2})->Args({128, 512, 1, 0})->Args({1, 512, 128, 1});
  b->Args({512, 1, 784, 2})->Args({512, 784, 1, 0})->Args({1, 784, 512, 1});
  b->Args({1024, 1, 2048, 2})->Args({1024, 2048, 1, 0})->Args({1, 2048, 1024, 1});
  // 784-512-10's hidden layer at batch 1: forward x·Wᵀ (one row of dot products), backward
  // dx = g·W (one row) and dW = gᵀ·x (an outer product).
  b->Args({1, 512, 784, 2})->Args({1, 784, 512, 0})->Args({512, 784, 1, 1});
  // Shapes gemm gives BLAS (gemm_uses_backend), for comparison: a matrix times a column (A·b), and
  // the outer product as A·Bᵀ with k = 1.
  b->Args({512, 1, 784, 0})->Args({512, 784, 1, 2});
}

}  // namespace

BENCHMARK(product<float, Path::kLoop>)->Name("loop/float")->Apply(sizes);
BENCHMARK(product<float, Path::kBlas>)->Name("blas/float")->Apply(sizes);
BENCHMARK(product<float, Path::kBackend>)->Name("backend/float")->Apply(sizes);
BENCHMARK(product<double, Path::kLoop>)->Name("loop/double")->Apply(sizes);
BENCHMARK(product<double, Path::kBlas>)->Name("blas/double")->Apply(sizes);

BENCHMARK_MAIN();
