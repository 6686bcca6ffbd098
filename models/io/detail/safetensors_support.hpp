// Pieces shared by the safetensors reader, writer and parameter loader
// (models/io/safetensors*.cpp): byte order conversion that is right on any machine, and names as
// messages show them.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "../safetensors.hpp"

namespace tapegrad::detail {

inline constexpr std::string_view kMetadataKey = "__metadata__";

inline std::size_t element_size(DType dtype) {
  return dtype == DType::kF32 ? 4 : 8;
}

inline std::string_view type_name(DType dtype) {
  return dtype == DType::kF32 ? "float" : dtype == DType::kF64 ? "double" : "int64";
}

// "<file>: " before a message, or nothing for a TensorFile built in memory.
inline std::string file_prefix(const TensorFile& file) {
  return file.source.empty() ? "" : file.source + ": ";
}

// A name as messages show it: quoted, control bytes escaped, long names cut (fuzzed files have
// both).
std::string quote_name(std::string_view name);

// ---- Little-endian bytes, whatever the machine's byte order ------------------------------------

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian machines are not supported");

template <class Bits>
Bits to_little_endian(Bits bits) {  // its own inverse
  if constexpr (std::endian::native == std::endian::big) {
    Bits swapped = 0;
    for (std::size_t i = 0; i < sizeof(Bits); ++i, bits >>= 8)
      swapped = (swapped << 8) | (bits & 0xFF);
    return swapped;
  }
  return bits;
}

template <class T>
using BitsOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
void decode_little_endian(const char* in, std::span<T> out) {
  if constexpr (std::endian::native == std::endian::little) {
    if (!out.empty()) std::memcpy(out.data(), in, out.size_bytes());
  } else {
    for (std::size_t i = 0; i < out.size(); ++i) {
      BitsOf<T> bits;
      std::memcpy(&bits, in + i * sizeof(T), sizeof(T));
      out[i] = std::bit_cast<T>(to_little_endian(bits));
    }
  }
}

template <class T>
void encode_little_endian(std::span<const T> in, std::string& out) {
  if constexpr (std::endian::native == std::endian::little) {
    out.append(reinterpret_cast<const char*>(in.data()), in.size_bytes());
  } else {
    for (T value : in) {
      const BitsOf<T> bits = to_little_endian(std::bit_cast<BitsOf<T>>(value));
      out.append(reinterpret_cast<const char*>(&bits), sizeof bits);
    }
  }
}

}  // namespace tapegrad::detail
