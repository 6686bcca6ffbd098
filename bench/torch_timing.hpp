// What the side-by-side comparisons with libtorch share (bench/torch_compare.cpp,
// bench/torch_cnn_compare.cpp): timed batches of steps calibrated to ≈30 ms, their medians and
// spread over alternating rounds, and the environment the numbers were taken in.
#pragma once

#include <cblas.h>
#include <fmt/core.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <torch/version.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::bench {

using Clock = std::chrono::steady_clock;

inline constexpr double kTargetBatchSeconds = 0.03;  // each timed batch ≈ 30 ms

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Steps per timed batch so that a batch takes about kTargetBatchSeconds (at least 1 step).
template <class Run>
long calibrate(Run&& run) {
  run(2);  // warm up: first-touch allocations, tape and allocator growth, BLAS buffers
  long steps = 1;
  for (;;) {
    const auto start = Clock::now();
    run(steps);
    const double elapsed = seconds_since(start);
    if (elapsed >= kTargetBatchSeconds / 4 || steps >= (1L << 24))
      return std::max(1L, std::lround(static_cast<double>(steps) * kTargetBatchSeconds / elapsed));
    steps *= 2;
  }
}

struct Timing {
  long steps_per_batch = 0;
  std::vector<double> per_step_us;  // one per round

  double median() const {
    std::vector<double> v = per_step_us;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  double min() const { return *std::min_element(per_step_us.begin(), per_step_us.end()); }
  double max() const { return *std::max_element(per_step_us.begin(), per_step_us.end()); }
};

template <class Run>
void time_batch(Timing& timing, Run&& run) {
  const auto start = Clock::now();
  run(timing.steps_per_batch);
  timing.per_step_us.push_back(seconds_since(start) * 1e6 /
                               static_cast<double>(timing.steps_per_batch));
}

inline long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

inline std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

inline std::string env_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string("unset");
}

// One line of at::show_config(), e.g. "CPU capability usage: AVX2", or "" if absent.
inline std::string torch_config_line(std::string_view key) {
  const std::string config = at::show_config();
  const auto at = config.find(key);
  if (at == std::string::npos) return "";
  const auto end = config.find('\n', at);
  return config.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

inline void print_environment(int rounds) {
  fmt::print("## Environment\n\n");
  fmt::print("- CPU: {} ({} logical CPUs online)\n", cpu_model(), sysconf(_SC_NPROCESSORS_ONLN));
  fmt::print("- OPENBLAS_CORETYPE: {}\n", env_or_unset("OPENBLAS_CORETYPE"));
  fmt::print("- OPENBLAS_L2_SIZE: {}\n", env_or_unset("OPENBLAS_L2_SIZE"));
  fmt::print("- OpenBLAS: {} (core {}), {} thread(s)\n", openblas_get_config(),
             openblas_get_corename(), openblas_get_num_threads());
  fmt::print("- libtorch: TORCH_VERSION {}; {}; {} intra-op / {} inter-op thread(s)\n",
             TORCH_VERSION, torch_config_line("CPU capability usage"), torch::get_num_threads(),
             at::get_num_interop_threads());
  fmt::print("- ATEN_CPU_CAPABILITY: {}\n", env_or_unset("ATEN_CPU_CAPABILITY"));
  fmt::print("- Compiler: {}{}\n", __VERSION__,
#ifdef NDEBUG
             ", NDEBUG"
#else
             ", assertions on (not a Release build)"
#endif
  );
  fmt::print(
      "- Rounds: {}, each a batch of ≈{:.0f} ms per framework; times are the median over "
      "rounds of batch time / steps in the batch\n",
      rounds, kTargetBatchSeconds * 1e3);
  std::fflush(stdout);
}

}  // namespace tapegrad::bench
