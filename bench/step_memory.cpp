// Peak resident memory of tapegrad training one configuration of bench/bench_configs.hpp, each
// run in its own process so that the peak belongs to that configuration alone. Also prints what
// the tape keeps (its arena) and the heap allocations made per step after the first (counted by
// replacing operator new; the test tests/alloc checks the same at small sizes).
//
//   tapegrad_step_memory CONFIG [float|double]     CONFIG is 0..3, as in bench_configs.hpp
#include <fmt/core.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string_view>

#include "bench_configs.hpp"
#include "core.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

template <class T>
int run(const tapegrad::bench::Config& c, std::string_view dtype) {
  using namespace tapegrad;
  MLP<T> net = bench::make_mlp<T>(c);
  SGD<T> sgd(net.parameters(), SGDOptions(1e-3));
  const Tensor<T> x = bench::make_inputs<T>(c), y = bench::make_targets<T>(c);
  std::size_t parameter_bytes = 0;
  for (const Parameter<T>& p : net.parameters())
    parameter_bytes += 2 * p.value().size() * sizeof(T);
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  auto step = [&] {
    tape.clear();
    const Var<T> loss = sse_loss(net.forward(x), y);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  };
  step();
  const std::size_t before = allocations.load();
  for (int i = 0; i < 20; ++i) step();
  const std::size_t per_step = (allocations.load() - before) / 20;
  fmt::print("| {} | {} | {:.1f} | {:.2f} | {:.2f} | {} |\n", c.name, dtype, peak_rss_mib(),
             static_cast<double>(tape.reserved_bytes()) / (1 << 20),
             static_cast<double>(parameter_bytes) / (1 << 20), per_step);
  return per_step == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view dtype = argc > 2 ? argv[2] : "float";
  const int index = argc > 1 ? std::atoi(argv[1]) : -1;
  if (index < 0 || index >= static_cast<int>(tapegrad::bench::kConfigs.size()) ||
      (dtype != "float" && dtype != "double")) {
    fmt::print(stderr, "usage: tapegrad_step_memory CONFIG [float|double], CONFIG in 0..{}\n",
               tapegrad::bench::kConfigs.size() - 1);
    return 2;
  }
  const auto& c = tapegrad::bench::kConfigs[static_cast<std::size_t>(index)];
  return dtype == "float" ? run<float>(c, dtype) : run<double>(c, dtype);
}
