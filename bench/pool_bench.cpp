// Float max_pool2d and avg_pool2d (2×2, stride 2) on the digits CNN's pooled layer [N,16,8,8] at
// batch 1, 32 and 256: tapegrad's ops through the tape (forward, and forward with the backward
// pass) against oneDNN's pooling primitives (forward_training with its workspace, and backward)
// on the same plain NCHW buffers, the layout tapegrad's tensors have, on one thread as tapegrad
// runs poolings of these sizes (kParallelGemmVolume). Built only where CMake found oneDNN. The
// "before" rows of bench/RESULTS.md are this program built at the commit before the fast paths.
#include <benchmark/benchmark.h>

#include <array>
#include <dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "core.hpp"

extern "C" void omp_set_num_threads(int count) noexcept;  // oneDNN's runtime is GCC's OpenMP

namespace {

constexpr std::array<std::size_t, 3> kBatches{1, 32, 256};

tapegrad::Tensor<float> input(std::size_t n) {
  tapegrad::Tensor<float> x({n, 16, 8, 8});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>((i * 37 + 11) % 97);
  return x;
}

// The two windows measured, both [N,16,8,8] → [N,16,4,4]: range(3) = 0 is 2×2 stride 2 (the
// digits CNN's), 1 is 3×3 stride 2 padding 1 (windows that overlap and do not tile).
tapegrad::Pool2dArgs geometry(long which) {
  if (which == 0) return {.kernel = {2, 2}};
  return {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}};
}

// state.range(0): batch index; range(1): 0 max, 1 average; range(2): 0 forward, 1 with backward;
// range(3): the windows (geometry).
void tapegrad_pool(benchmark::State& state) {
  const std::size_t n = kBatches[static_cast<std::size_t>(state.range(0))];
  const bool average = state.range(1) == 1, backward = state.range(2) == 1;
  const tapegrad::Tensor<float> x = input(n);
  const tapegrad::Tensor<float> seed = tapegrad::Tensor<float>::full({n, 16, 4, 4}, 1.0f);
  tapegrad::Tape<float> tape;
  tapegrad::TapeGuard<float> guard(tape);
  for (auto _ : state) {
    tape.clear();
    const auto v = tape.variable(x, true);
    const auto y = average ? tapegrad::avg_pool2d(v, geometry(state.range(3)))
                           : tapegrad::max_pool2d(v, geometry(state.range(3)));
    if (backward) tape.backward(y, seed);
    benchmark::DoNotOptimize(y.data()[0]);
  }
}

// The baseline both tapegrad rows include: clearing the tape and copying x onto it.
void tapegrad_copy_only(benchmark::State& state) {
  const tapegrad::Tensor<float> x = input(kBatches[static_cast<std::size_t>(state.range(0))]);
  tapegrad::Tape<float> tape;
  tapegrad::TapeGuard<float> guard(tape);
  for (auto _ : state) {
    tape.clear();
    benchmark::DoNotOptimize(tape.variable(x, true).data()[0]);
  }
}

void onednn_pool(benchmark::State& state) {
  using namespace dnnl;
  using tag = memory::format_tag;
  const long n = static_cast<long>(kBatches[static_cast<std::size_t>(state.range(0))]);
  const bool backward = state.range(2) == 1;
  omp_set_num_threads(1);
  const algorithm algo =
      state.range(1) == 1 ? algorithm::pooling_avg_include_padding : algorithm::pooling_max;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::desc src({n, 16, 8, 8}, memory::data_type::f32, tag::nchw);
  const memory::desc dst({n, 16, 4, 4}, memory::data_type::f32, tag::nchw);
  const tapegrad::Pool2dArgs args = geometry(state.range(3));
  const memory::dims kernel{static_cast<long>(args.kernel[0]), static_cast<long>(args.kernel[1])},
      two{2, 2}, pad{static_cast<long>(args.padding[0]), static_cast<long>(args.padding[1])},
      zero{0, 0};  // the right padding: (4 − 1)·2 + k − 8 − pad = 0 for both
  const pooling_forward::primitive_desc fwd_pd(
      pooling_forward::desc(prop_kind::forward_training, algo, src, dst, two, kernel, pad, zero),
      eng);
  const pooling_backward::primitive_desc bwd_pd(
      pooling_backward::desc(algo, src, dst, two, kernel, pad, zero), eng, fwd_pd);
  const tapegrad::Tensor<float> x = input(static_cast<std::size_t>(n));
  std::vector<float> y(static_cast<std::size_t>(n) * 256), gy(y.size(), 1.0f), dx(x.size());
  memory mx(src, eng, const_cast<float*>(x.data())), my(dst, eng, y.data()),
      mgy(dst, eng, gy.data()), mdx(src, eng, dx.data());
  std::unordered_map<int, memory> fwd_args{{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}},
      bwd_args{{DNNL_ARG_DIFF_DST, mgy}, {DNNL_ARG_DIFF_SRC, mdx}};
  if (fwd_pd.workspace_desc().get_size() > 0) {
    const memory workspace(fwd_pd.workspace_desc(), eng);
    fwd_args.insert({DNNL_ARG_WORKSPACE, workspace});
    bwd_args.insert({DNNL_ARG_WORKSPACE, workspace});
  }
  const pooling_forward fwd(fwd_pd);
  const pooling_backward bwd(bwd_pd);
  for (auto _ : state) {
    fwd.execute(s, fwd_args);
    if (backward) bwd.execute(s, bwd_args);
    s.wait();
    benchmark::DoNotOptimize(y[0]);
  }
}

void cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "avg", "backward", "geometry"});
  for (long which = 0; which < 2; ++which)
    for (long batch = 0; batch < 3; ++batch)
      for (long avg = 0; avg < 2; ++avg)
        for (long backward = 0; backward < 2; ++backward) b->Args({batch, avg, backward, which});
}

}  // namespace

BENCHMARK(tapegrad_pool)->Apply(cases)->Unit(benchmark::kMicrosecond);
BENCHMARK(onednn_pool)->Apply(cases)->Unit(benchmark::kMicrosecond);
BENCHMARK(tapegrad_copy_only)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
