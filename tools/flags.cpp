// tools/flags.hpp.
#include "flags.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "graph/errors.hpp"
#include "graph/gradcheck.hpp"

namespace tapegrad::tools {

namespace {

// The text as a message shows it: quoted, control characters escaped, long text cut.
std::string shown(std::string_view text) {
  constexpr std::size_t kLongest = 40;
  std::string out = "'";
  for (char c : text.substr(0, kLongest)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7F ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  return out + (text.size() > kLongest ? "...'" : "'");
}

// True if `max` is only the limit of the type the flag is stored in, not a rule of its own.
bool type_limit(std::uint64_t max) {
  return max == std::numeric_limits<std::uint64_t>::max() || max == std::numeric_limits<int>::max();
}

std::string integer_rule(std::uint64_t min, std::uint64_t max) {
  if (type_limit(max)) {
    if (min == 0) return "a non-negative integer";
    if (min == 1) return "a positive integer";
    return fmt::format("an integer of at least {}", min);
  }
  return fmt::format("an integer from {} to {}", min, max);
}

std::string real_rule(RealRule rule) {
  switch (rule) {
    case RealRule::kPositive:
      return "a positive finite number";
    case RealRule::kNonNegative:
      return "a finite number ≥ 0";
    case RealRule::kRelativeStep:
      break;
  }
  return fmt::format("0 (fitted to double precision) or a relative step from {:g} to {:g}",
                     kMinRelativeStep, kMaxRelativeStep);
}

}  // namespace

std::uint64_t parse_integer_flag(std::string_view flag, std::string_view text, std::uint64_t min,
                                 std::uint64_t max) {
  const auto refuse = [&](const std::string& why) {
    return Error(
        fmt::format("{} must be {}, got {}{}", flag, integer_rule(min, max), shown(text), why));
  };
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw refuse(text.find('-') != std::string_view::npos ? " (a negative number)" : "");
  std::uint64_t value = 0;
  for (char c : text)
    if (__builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<std::uint64_t>(c - '0'), &value))
      throw refuse(fmt::format(" (the largest is {})", max));
  if (value > max) throw refuse(type_limit(max) ? fmt::format(" (the largest is {})", max) : "");
  if (value < min) throw refuse("");
  return value;
}

double parse_real_flag(std::string_view flag, std::string_view text, RealRule rule) {
  const auto refuse = [&](std::string_view why) {
    return Error(fmt::format("{} must be {}, got {}{}", flag, real_rule(rule), shown(text), why));
  };
  // strtod, not from_chars: it reads "1e-320" as the subnormal it is (from_chars says "out of
  // range"); the whole text must be the number, without leading spaces.
  const std::string copy(text);
  if (copy.empty() || std::isspace(static_cast<unsigned char>(copy.front()))) throw refuse("");
  // Decimal only: strtod also reads hexadecimal ("0x10" is 16), which the CSV reader refuses.
  if (copy.find_first_not_of("0123456789+-.eE") != std::string::npos) throw refuse("");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) throw refuse("");
  if (errno == ERANGE && std::isinf(value)) throw refuse(" (beyond the range of a double)");
  if (!std::isfinite(value)) throw refuse("");
  switch (rule) {
    case RealRule::kPositive:
      if (!(value > 0)) throw refuse("");
      break;
    case RealRule::kNonNegative:
      if (!(value >= 0)) throw refuse("");
      break;
    case RealRule::kRelativeStep:
      if (value != 0 && !(value >= kMinRelativeStep && value <= kMaxRelativeStep)) throw refuse("");
      break;
  }
  return value == 0 ? 0.0 : value;  // -0 as 0
}

std::optional<std::string_view> nearest_name(std::string_view typed,
                                             std::span<const std::string_view> known) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : known) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> previous(candidate.size() + 1), current(candidate.size() + 1);
    for (std::size_t j = 0; j <= candidate.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= typed.size(); ++i) {
      current[0] = i;
      for (std::size_t j = 1; j <= candidate.size(); ++j)
        current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (typed[i - 1] == candidate[j - 1] ? 0 : 1)});
      std::swap(previous, current);
    }
    const std::size_t distance = previous[candidate.size()];
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace tapegrad::tools
