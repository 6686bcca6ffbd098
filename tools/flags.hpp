// The numbers given to the command's flags, read strictly: an integer flag takes digits only (no
// sign, no wrap-around of "-1" to 2^64 − 1), a real flag refuses NaN, infinities and values that
// mean nothing for it, and every refusal names the flag, says what it takes and shows what it got
// ("--epochs must be a positive integer, got 0"). tools/main.cpp hands these to CLI11.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tapegrad::tools {

// An integer from min to max written in decimal digits. Throws Error.
std::uint64_t parse_integer_flag(std::string_view flag, std::string_view text, std::uint64_t min,
                                 std::uint64_t max);

enum class RealRule {
  kPositive,     // finite and > 0 (a learning rate)
  kNonNegative,  // finite and ≥ 0 (a tolerance)
  kRelativeStep  // 0 (fitted automatically) or a finite-difference step from kMinRelativeStep to
                 // kMaxRelativeStep (graph/gradcheck.hpp)
};

// A real number in the C locale's notation ("0.01", "1e-3"; subnormal values included), finite,
// that the rule allows. Throws Error.
double parse_real_flag(std::string_view flag, std::string_view text, RealRule rule);

// The name in `known` closest to `typed` (edit distance at most 2, less than its length), if
// any: for "did you mean 'train'?".
std::optional<std::string_view> nearest_name(std::string_view typed,
                                             std::span<const std::string_view> known);

}  // namespace tapegrad::tools
