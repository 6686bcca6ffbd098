// TAPEGRAD_POISON_MEMORY, a build option the sanitizer builds turn on: memory that holds no
// values yet (the tape's arena as it hands it out, a parameter's gradient storage after
// zero_grad()) is filled with all-one bytes, a NaN in float and double, so that code reading it
// before writing it gives NaN in the tests instead of a plausible number. Off in other builds.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>

namespace tapegrad::detail {

inline void poison_bytes(void* memory, std::size_t bytes) {
  if (bytes != 0) std::memset(memory, 0xFF, bytes);
}
template <class T>
void poison(std::span<T> values) {
  poison_bytes(values.data(), values.size_bytes());
}

}  // namespace tapegrad::detail
