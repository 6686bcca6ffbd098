// The training step of the performance issue: an MLP with one sigmoid hidden layer and a linear
// output, E = ½ Σ (y − ŷ)², for four sizes; step = forward, loss, backward, SGD update,
// zero_grad. Also the forward pass alone and the backward pass alone (repeated on one recorded
// tape, which a second backward allows). float and double; OpenBLAS on 1 or 2 threads. And the
// step in anomaly mode.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <array>
#include <cstddef>

#include "bench_configs.hpp"
#include "core.hpp"

namespace {

using tapegrad::bench::Config;
using tapegrad::bench::kConfigs;

template <class T>
struct Setup {
  tapegrad::MLP<T> net;
  tapegrad::SGD<T> sgd;
  tapegrad::Tensor<T> x, y;
  tapegrad::Tape<T> tape;

  explicit Setup(const Config& c)
      : net(tapegrad::bench::make_mlp<T>(c)),
        sgd(net.parameters(), tapegrad::SGDOptions(1e-3)),
        x(tapegrad::bench::make_inputs<T>(c)),
        y(tapegrad::bench::make_targets<T>(c)) {}
};

void configure(benchmark::State& state, const Config& c) {
  tapegrad::set_num_threads(static_cast<int>(state.range(1)));
  state.SetLabel(c.name);
}

template <class T>
void step(benchmark::State& state) {
  const Config& c = kConfigs[static_cast<std::size_t>(state.range(0))];
  configure(state, c);
  Setup<T> s(c);
  tapegrad::TapeGuard<T> guard(s.tape);
  for (auto _ : state) {
    s.tape.clear();
    const tapegrad::Var<T> loss = tapegrad::sse_loss(s.net.forward(s.x), s.y);
    s.sgd.zero_grad();
    loss.backward();
    s.sgd.step();
    benchmark::DoNotOptimize(loss.value()->data);
  }
}

// The same step in anomaly mode (graph/checks.hpp): what checking every output and gradient
// for NaN costs. Off, the mode costs one test of a flag per op (compare step/...).
template <class T>
void step_anomaly(benchmark::State& state) {
  const tapegrad::DetectAnomalyGuard anomaly;
  step<T>(state);
}

template <class T>
void forward(benchmark::State& state) {
  const Config& c = kConfigs[static_cast<std::size_t>(state.range(0))];
  configure(state, c);
  Setup<T> s(c);
  tapegrad::TapeGuard<T> guard(s.tape);
  for (auto _ : state) {
    s.tape.clear();
    const tapegrad::Var<T> loss = tapegrad::sse_loss(s.net.forward(s.x), s.y);
    benchmark::DoNotOptimize(loss.value()->data);
  }
}

template <class T>
void backward(benchmark::State& state) {
  const Config& c = kConfigs[static_cast<std::size_t>(state.range(0))];
  configure(state, c);
  Setup<T> s(c);
  tapegrad::TapeGuard<T> guard(s.tape);
  const tapegrad::Var<T> loss = tapegrad::sse_loss(s.net.forward(s.x), s.y);
  for (auto _ : state) {
    loss.backward();  // parameter gradients accumulate; the work is the same each time
    benchmark::ClobberMemory();
  }
}

void configs_and_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"config", "threads"});
  for (int threads : {1, 2})
    for (std::size_t i = 0; i < kConfigs.size(); ++i) b->Args({static_cast<long>(i), threads});
  b->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(step<float>)->Name("step/float")->Apply(configs_and_threads);
BENCHMARK(step<double>)->Name("step/double")->Apply(configs_and_threads);
BENCHMARK(step_anomaly<float>)
    ->Name("step_anomaly/float")
    ->ArgNames({"config", "threads"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(forward<float>)->Name("forward/float")->Apply(configs_and_threads);
BENCHMARK(forward<double>)->Name("forward/double")->Apply(configs_and_threads);
BENCHMARK(backward<float>)->Name("backward/float")->Apply(configs_and_threads);
BENCHMARK(backward<double>)->Name("backward/double")->Apply(configs_and_threads);

BENCHMARK_MAIN();
