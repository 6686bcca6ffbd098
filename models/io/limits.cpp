// models/io/limits.hpp.
#include "limits.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <string>

#include "../../graph/errors.hpp"

namespace tapegrad {
namespace {

std::uint64_t from_environment(const char* variable, std::uint64_t fallback) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return fallback;
  std::uint64_t value = 0;
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9' || __builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<std::uint64_t>(*c - '0'), &value))
      throw Error(fmt::format("{} must be a positive integer, got '{}'", variable, text));
  }
  if (value == 0)
    throw Error(fmt::format("{} must be a positive integer, got '{}'", variable, text));
  return value;
}

}  // namespace

std::uint64_t InputLimits::weights_bytes() const {
  std::uint64_t bytes = 0;
  return __builtin_mul_overflow(parameters, 8u, &bytes) ? std::numeric_limits<std::uint64_t>::max()
                                                        : bytes;
}

InputLimits input_limits() {
  InputLimits limits;
  limits.config_bytes = from_environment("TAPEGRAD_MAX_CONFIG_BYTES", limits.config_bytes);
  limits.csv_line_bytes = from_environment("TAPEGRAD_MAX_CSV_LINE_BYTES", limits.csv_line_bytes);
  limits.csv_bytes = from_environment("TAPEGRAD_MAX_CSV_BYTES", limits.csv_bytes);
  limits.parameters = from_environment("TAPEGRAD_MAX_PARAMETERS", limits.parameters);
  return limits;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s");
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) value /= 1024, ++unit;
  return fmt::format("{:.{}f} {}", value, value == static_cast<std::uint64_t>(value) ? 0 : 1,
                     kUnits[unit]);
}

}  // namespace tapegrad
