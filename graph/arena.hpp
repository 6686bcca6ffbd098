// Arena: the tape's memory. A bump allocator over a list of chunks; clear() rewinds to the start
// and keeps every chunk, so a training loop that records the same ops each step allocates from
// the heap only during its first step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "poison.hpp"

namespace tapegrad {

class Arena {
 public:
  static constexpr std::size_t kAlignment = 64;  // a cache line; enough for any SIMD load

  explicit Arena(std::size_t first_chunk_bytes = std::size_t{1} << 16);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Uninitialised memory for `bytes` bytes aligned to `alignment` (a power of two <= 64).
  void* allocate(std::size_t bytes, std::size_t alignment);

  // A position to rewind to; everything allocated after it is forgotten by rewind().
  struct Mark {
    std::size_t chunk = 0;
    std::byte* cursor = nullptr;  // null: the start of the chunk
  };
  Mark mark() const { return {current_, cursor_}; }
  void rewind(Mark m);
  void clear() { rewind({}); }

  std::size_t reserved_bytes() const;  // held from the heap
  std::size_t used_bytes() const;      // handed out since the last clear()

 private:
  struct FreeAligned {
    void operator()(std::byte* p) const;
  };
  struct Chunk {
    std::unique_ptr<std::byte, FreeAligned> memory;
    std::size_t size = 0;
  };
  void* allocate_slow(std::size_t bytes, std::size_t alignment);

  std::size_t offset() const {
    return cursor_ == nullptr ? 0
                              : static_cast<std::size_t>(cursor_ - chunks_[current_].memory.get());
  }

  std::vector<Chunk> chunks_;
  std::size_t first_chunk_bytes_;
  std::size_t current_ = 0;  // chunk being filled
  // NOTE: the fast path works on these two pointers alone: the first free byte of the current
  // chunk and its end (both null before the first chunk exists).
  std::byte* cursor_ = nullptr;
  std::byte* limit_ = nullptr;
};

inline void* Arena::allocate(std::size_t bytes, std::size_t alignment) {
  // Chunks are 64-byte aligned, so aligning the address aligns the offset. With no chunk yet,
  // limit_ is null and the test fails.
  const auto limit = reinterpret_cast<std::uintptr_t>(limit_);
  const auto start = (reinterpret_cast<std::uintptr_t>(cursor_) + alignment - 1) &
                     ~static_cast<std::uintptr_t>(alignment - 1);
  if (start + bytes <= limit && limit != 0) {
    cursor_ = reinterpret_cast<std::byte*>(start + bytes);
#ifdef TAPEGRAD_POISON_MEMORY
    detail::poison_bytes(reinterpret_cast<std::byte*>(start), bytes);
#endif
    return reinterpret_cast<std::byte*>(start);
  }
  return allocate_slow(bytes, alignment);
}

}  // namespace tapegrad
