// Per-node cost of the tape itself: 1,000,000 scalar ops recorded and walked back, where the
// arithmetic is negligible and the bookkeeping (node, output, gradient buffers) is everything.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>

#include "core.hpp"

namespace {

using namespace tapegrad;

constexpr std::size_t kNodes = 1'000'000;

// On [1]-shaped values, alternating v ← v·w and v ← v + b (the "mul_add" mix: the bookkeeping
// alone), or v ← v·w and v ← sigmoid(v) ("mul_sigmoid": with an exponential per node). w and b
// are parameters whose gradients sum half a million contributions each.
//
// NOTE: w = 1 − 2⁻²⁰ keeps every gradient of the mul_add chain, w^j for j up to half a million,
// at 0.62 or more. With w = 0.999 (before 2026-11-29) the gradients fell below float's smallest
// normal number after 87,000 multiplications, and the float rows timed the processor's slow path
// for subnormal arithmetic (2.4 ns per node more than double here) instead of the tape.
template <class T>
void scalar_tape(benchmark::State& state) {
  const bool with_backward = state.range(0) == 1, with_sigmoid = state.range(1) == 1;
  state.SetLabel(with_sigmoid ? "mul_sigmoid" : "mul_add");
  const T w_value = T(1) - std::ldexp(T(1), -20);
  if (!with_sigmoid && !std::isnormal(std::pow(w_value, T(kNodes / 2)))) {
    state.SkipWithError("the gradients w^j would leave the normal range");
    return;
  }
  Parameter<T> w(Tensor<T>({1}, {w_value}), "w");
  Parameter<T> b(Tensor<T>({1}, {T(1e-3)}), "b");
  const Tensor<T> x({1}, {T(0.5)});
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  for (auto _ : state) {
    tape.clear();
    w.zero_grad();
    b.zero_grad();
    Var<T> v = x;
    if (with_sigmoid)
      for (std::size_t i = 0; i < kNodes / 2; ++i) v = sigmoid(v * w);
    else
      for (std::size_t i = 0; i < kNodes / 2; ++i) v = v * w + b;
    if (with_backward) v.backward();
    benchmark::DoNotOptimize(v.value()->data);
  }
  state.counters["per_node"] = benchmark::Counter(
      static_cast<double>(kNodes),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(scalar_tape<float>)
    ->Name("tape_1e6/float")
    ->ArgNames({"backward", "sigmoid"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(scalar_tape<double>)
    ->Name("tape_1e6/double")
    ->ArgNames({"backward", "sigmoid"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
