// How much the file readers take in before they refuse, so that /dev/zero, a runaway pipe or a
// config asking for billions of weights ends in a clear error rather than in memory exhaustion.
// The limits are generous and each can be raised (or lowered) through the environment:
//
//   TAPEGRAD_MAX_CONFIG_BYTES    a model config (JSON)                        64 MiB
//   TAPEGRAD_MAX_CSV_LINE_BYTES  one line of a data file (CSV)                16 MiB
//   TAPEGRAD_MAX_CSV_BYTES       a whole data file                            16 GiB
//   TAPEGRAD_MAX_PARAMETERS      a model's parameters (config); a weights     1,000,000,000
//                                file's data may hold 8 bytes for each
//
// A safetensors header keeps the format's own limit of 100,000,000 bytes. Pipes and devices are
// read the same way as files (`--data <(zcat d.csv.gz)` works): the limits cap what is read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tapegrad {

struct InputLimits {
  std::uint64_t config_bytes = std::uint64_t{64} << 20;
  std::uint64_t csv_line_bytes = std::uint64_t{16} << 20;
  std::uint64_t csv_bytes = std::uint64_t{16} << 30;
  std::uint64_t parameters = 1'000'000'000;

  // The largest data section of a weights file: 8 bytes (an F64) per parameter.
  std::uint64_t weights_bytes() const;
};

// The limits in force: each variable above that is set, else its default. Throws Error naming
// the variable if one is set to anything but a positive integer.
InputLimits input_limits();

// "64 MiB", "1.5 GiB", "512 bytes": a byte count as messages show it.
std::string format_bytes(std::uint64_t bytes);

}  // namespace tapegrad
