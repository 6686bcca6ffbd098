// Peak resident memory of tapegrad training one configuration of bench/bench_configs.hpp, each
// run in its own process so that the peak belongs to that configuration alone. Also prints what
// the tape keeps (its arena) and the heap allocations made per step after the first: calls of
// operator new (tapegrad's own code allocates only through it; the test tests/alloc checks the
// same at small sizes), and calls of the C allocator (malloc, calloc, realloc, posix_memalign,
// aligned_alloc, memalign), which the libraries underneath call directly: those made from
// oneDNN's own code are counted apart, by the caller's address (dladdr).
//
// The digits CNN's step (bench/digits_cnn_model.hpp: forward, cross entropy, backward, Adam, in
// float) is counted the same way.
//
//   tapegrad_step_memory CONFIG [float|double]     CONFIG is 0..3, as in bench_configs.hpp
//   tapegrad_step_memory cnn BATCH                 the digits CNN at batch BATCH
#include <dlfcn.h>
#include <fmt/core.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string_view>

#include "bench_configs.hpp"
#include "core.hpp"
#include "digits_cnn_model.hpp"

namespace {
std::atomic<bool> counting{false};
// operator new from tapegrad (this program) and from oneDNN's own code; the C allocator.
std::atomic<std::size_t> allocations{0}, onednn_news{0}, c_allocations{0}, onednn_allocations{0};

bool called_from_onednn(void* caller) {
  Dl_info info{};
  return dladdr(caller, &info) != 0 && info.dli_fname != nullptr &&
         std::strstr(info.dli_fname, "libdnnl") != nullptr;
}

void count_new(void* caller) {
  if (!counting.load(std::memory_order_relaxed)) return;
  (called_from_onednn(caller) ? onednn_news : allocations).fetch_add(1, std::memory_order_relaxed);
}

void count_c(void* caller) {
  if (!counting.load(std::memory_order_relaxed)) return;
  c_allocations.fetch_add(1, std::memory_order_relaxed);
  if (called_from_onednn(caller)) onednn_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

// The C allocator, counted and passed on to glibc's own functions.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t size) {
  count_c(__builtin_return_address(0));
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  count_c(__builtin_return_address(0));
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  count_c(__builtin_return_address(0));
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  count_c(__builtin_return_address(0));
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  count_c(__builtin_return_address(0));
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** p, std::size_t alignment, std::size_t size) {
  count_c(__builtin_return_address(0));
  *p = __libc_memalign(alignment, size);
  return *p != nullptr || size == 0 ? 0 : ENOMEM;
}
void free(void* p) {
  __libc_free(p);
}
}

void* operator new(std::size_t size) {
  count_new(__builtin_return_address(0));
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  count_new(__builtin_return_address(0));
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

// One row of the table for `name`: `step` run once, then 20 times counted.
template <class T, class Step>
int count_steps(std::string_view name, std::string_view dtype, const tapegrad::Tape<T>& tape,
                std::size_t parameter_bytes, Step&& step) {
  step();
  counting.store(true);
  for (int i = 0; i < 20; ++i) step();
  counting.store(false);
  // Per step, rounded up: an allocation made on some steps only still shows.
  auto per_step = [](const std::atomic<std::size_t>& n) { return (n.load() + 19) / 20; };
  fmt::print("| {} | {} | {:.1f} | {:.2f} | {:.2f} | {} | {} | {} ({} of them oneDNN's) |\n", name,
             dtype, peak_rss_mib(), static_cast<double>(tape.reserved_bytes()) / (1 << 20),
             static_cast<double>(parameter_bytes) / (1 << 20), per_step(allocations),
             per_step(onednn_news), per_step(c_allocations), per_step(onednn_allocations));
  return per_step(allocations) == 0 ? 0 : 1;
}

template <class T>
std::size_t parameter_and_grad_bytes(const std::vector<tapegrad::Parameter<T>>& parameters) {
  std::size_t bytes = 0;
  for (const tapegrad::Parameter<T>& p : parameters) bytes += 2 * p.value().size() * sizeof(T);
  return bytes;
}

int run_cnn(std::size_t batch) {
  using namespace tapegrad;
  Sequential<float> net = bench::make_digits_cnn();
  Adam<float> adam(net.parameters(), AdamOptions(bench::kCnnLearningRate));
  const Tensor<float> x = bench::make_digit_images(batch);
  const IndexTensor labels = bench::make_digit_labels(batch);
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  return count_steps<float>(fmt::format("digits CNN batch {}", batch), "float", tape,
                            parameter_and_grad_bytes(net.parameters()), [&] {
                              tape.clear();
                              const Var<float> loss = cross_entropy(net.forward(x), labels);
                              adam.zero_grad();
                              loss.backward();
                              adam.step();
                            });
}

template <class T>
int run(const tapegrad::bench::Config& c, std::string_view dtype) {
  using namespace tapegrad;
  MLP<T> net = bench::make_mlp<T>(c);
  SGD<T> sgd(net.parameters(), SGDOptions(1e-3));
  const Tensor<T> x = bench::make_inputs<T>(c), y = bench::make_targets<T>(c);
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  return count_steps<T>(c.name, dtype, tape, parameter_and_grad_bytes(net.parameters()), [&] {
    tape.clear();
    const Var<T> loss = sse_loss(net.forward(x), y);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "cnn" && std::atoi(argv[2]) >= 1)
    return run_cnn(static_cast<std::size_t>(std::atoi(argv[2])));
  const std::string_view dtype = argc > 2 ? argv[2] : "float";
  const int index = argc > 1 ? std::atoi(argv[1]) : -1;
  if (index < 0 || index >= static_cast<int>(tapegrad::bench::kConfigs.size()) ||
      (dtype != "float" && dtype != "double")) {
    fmt::print(stderr,
               "usage: tapegrad_step_memory CONFIG [float|double], CONFIG in 0..{}; or cnn BATCH\n",
               tapegrad::bench::kConfigs.size() - 1);
    return 2;
  }
  const auto& c = tapegrad::bench::kConfigs[static_cast<std::size_t>(index)];
  return dtype == "float" ? run<float>(c, dtype) : run<double>(c, dtype);
}
