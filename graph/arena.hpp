// Arena: the tape's memory. A bump allocator over a list of chunks; clear() rewinds to the start
// and keeps every chunk, so a training loop that records the same ops each step allocates from
// the heap only during its first step.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

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
    std::size_t offset = 0;
  };
  Mark mark() const { return {current_, offset_}; }
  void rewind(Mark m) {
    current_ = m.chunk;
    offset_ = m.offset;
  }
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

  std::vector<Chunk> chunks_;
  std::size_t first_chunk_bytes_;
  std::size_t current_ = 0;  // chunk being filled
  std::size_t offset_ = 0;   // first free byte in it
};

inline void* Arena::allocate(std::size_t bytes, std::size_t alignment) {
  if (current_ < chunks_.size()) {
    const std::size_t start = (offset_ + alignment - 1) & ~(alignment - 1);
    if (start + bytes <= chunks_[current_].size) {
      offset_ = start + bytes;
      return chunks_[current_].memory.get() + start;
    }
  }
  return allocate_slow(bytes, alignment);
}

}  // namespace tapegrad
