#include "threads.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace tapegrad {
namespace {

constexpr int kMaxThreads = 1024;

std::atomic<int> g_threads{0};  // 0: not read from the environment yet
std::once_flag g_read_environment;

// The whole number at the start of `text` up to a comma (OMP_NUM_THREADS may list one count per
// nesting level), or 0 when there is none or it is out of range.
int parse_count(std::string_view text) {
  text = text.substr(0, text.find(','));
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxThreads)
    return 0;
  return value;
}

}  // namespace

int detail::threads_from_environment() {
  for (const char* variable : {"TAPEGRAD_NUM_THREADS", "OMP_NUM_THREADS"}) {
    const char* text = std::getenv(variable);
    if (text == nullptr || *text == '\0') continue;
    const int count = parse_count(text);
    if (count == 0)
      throw std::invalid_argument(std::string(variable) + "=\"" + text +
                                  "\" is not a thread count: expected a whole number from 1 to " +
                                  std::to_string(kMaxThreads));
    return count;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(std::min<unsigned>(cores, kMaxThreads));
}

void set_num_threads(int n) {
  if (n < 1 || n > kMaxThreads)
    throw std::invalid_argument("set_num_threads(" + std::to_string(n) +
                                "): the count must be from 1 to " + std::to_string(kMaxThreads));
  std::call_once(g_read_environment, [] {});  // an explicit count wins over the environment
  g_threads.store(n, std::memory_order_relaxed);
}

int get_num_threads() {
  std::call_once(g_read_environment, [] { g_threads.store(detail::threads_from_environment()); });
  return g_threads.load(std::memory_order_relaxed);
}

}  // namespace tapegrad
