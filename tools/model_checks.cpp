// tools/model_checks.hpp.
#include "model_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "graph/errors.hpp"
#include "graph/tape.hpp"
#include "progress.hpp"

namespace tapegrad::tools {

namespace {

// The first gradient element of `net` that is not finite, as "layers.0.weight[1,2] is inf".
template <class T>
std::optional<std::string> first_non_finite_gradient(const Module<T>& net) {
  for (const auto& [name, p] : net.named_parameters()) {
    const auto grad = p.grad().values();
    for (std::size_t i = 0; i < grad.size(); ++i)
      if (!std::isfinite(grad[i]))
        return fmt::format("{}{} is {}", name, p.shape().index_str(i), grad[i]);
  }
  return std::nullopt;
}

// Progress and estimates go to stderr, which may be closed or full: never throw over them.
void write_to_stderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  std::clearerr(stderr);
}

// "12 s", "3.5 min", "2.0 h".
std::string duration_text(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f} s", std::max(seconds, 1.0));
  if (seconds < 5400) return fmt::format("{:.1f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

}  // namespace

template <class T>
void refuse_overflow(std::string_view command, double loss, const Module<T>* net,
                     std::string_view where) {
  const std::optional<std::string> gradient =
      net == nullptr ? std::nullopt : first_non_finite_gradient(*net);
  if (std::isfinite(loss) && !gradient) return;
  constexpr bool narrow = sizeof(T) == sizeof(float);
  throw Error(fmt::format(
      "{}: the {} overflowed {}: {}. The weights and the data are finite, but {} cannot hold the "
      "result; scale the data or the weights down (a target of 1e20 squares to 1e40){}",
      command, std::isfinite(loss) ? "gradient" : "loss", where,
      std::isfinite(loss) ? "the gradient of " + *gradient : fmt::format("it is {}", loss),
      narrow ? "float" : "double",
      narrow ? ", or use F64 weights (tapegrad init --dtype F64)" : ""));
}

double check_finite_at_start(Module<double>& net, const std::function<Var<double>()>& loss) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const auto start = std::chrono::steady_clock::now();
  double value = 0;
  {
    NoGradGuard no_grad;
    value = loss().item();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  refuse_overflow<double>("gradcheck", value, nullptr, "at these weights");
  tape.clear();
  net.zero_grad();
  loss().backward();
  refuse_overflow("gradcheck", value, net, "at these weights");
  net.zero_grad();
  return seconds;
}

std::function<void(std::size_t, std::size_t)> announce_gradcheck(const Module<double>& net,
                                                                 std::size_t max_elements,
                                                                 double seconds_per_loss) {
  std::size_t elements = 0, parameters = 0;
  for (const auto& [name, p] : net.named_parameters()) {
    parameters += p.size();
    elements += max_elements == 0 ? p.size() : std::min(p.size(), max_elements);
  }
  // Four evaluations per element (±h, ±2h); the rest of the check is small beside them.
  const double estimate = 4.0 * static_cast<double>(elements) * seconds_per_loss;
  const bool terminal = is_terminal(stderr);
  constexpr double kWorthSaying = 10;  // seconds
  if (terminal || estimate > kWorthSaying)
    write_to_stderr(fmt::format(
        "gradcheck: {} of {} parameter elements to check, {} evaluations of the loss: about {}{}\n",
        elements, parameters, 4 * elements, duration_text(estimate),
        max_elements == 0 && estimate > kWorthSaying
            ? " (--max-elements N checks a random sample of N per parameter)"
            : ""));
  if (!terminal) return nullptr;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [last](std::size_t done, std::size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - *last < std::chrono::milliseconds(200)) return;
    *last = now;
    write_to_stderr(
        done < total ? fmt::format("\rgradcheck: {} of {} elements ({:.0f}%)", done, total,
                                   100.0 * static_cast<double>(done) / static_cast<double>(total))
                     : "\r\033[K");
  };
}

template void refuse_overflow(std::string_view, double, const Module<float>*, std::string_view);
template void refuse_overflow(std::string_view, double, const Module<double>*, std::string_view);

}  // namespace tapegrad::tools
