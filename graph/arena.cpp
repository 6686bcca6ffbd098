#include "arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>

#include "hot.hpp"

namespace tapegrad {

namespace {
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
}  // namespace

Arena::Arena(std::size_t first_chunk_bytes) : first_chunk_bytes_(first_chunk_bytes) {}

void Arena::FreeAligned::operator()(std::byte* p) const {
  ::operator delete (p, std::align_val_t{kAlignment});
}

void* Arena::allocate_slow(std::size_t bytes, std::size_t alignment) {
  // Move on to the next chunk that can hold the request; chunks too small for it stay unused
  // until the next clear(). Only when none is left does the arena grow. Nothing changes unless
  // the allocation succeeds: a failed one leaves the arena as it was (strong guarantee).
  std::size_t next = current_ < chunks_.size() ? current_ + 1 : current_;
  for (; next < chunks_.size(); ++next) {
    if (bytes <= chunks_[next].size) {
      std::byte* memory = chunks_[next].memory.get();
      current_ = next;
      cursor_ = memory + bytes;
      limit_ = memory + chunks_[next].size;
#ifdef TAPEGRAD_POISON_MEMORY
      detail::poison_bytes(memory, bytes);
#endif
      return memory;
    }
  }
  if (bytes > std::numeric_limits<std::size_t>::max() / 2) throw std::bad_alloc();
  const std::size_t previous = chunks_.empty() ? first_chunk_bytes_ / 2 : chunks_.back().size;
  const std::size_t size =
      std::max(previous * 2, (bytes + alignment + kAlignment - 1) / kAlignment * kAlignment);
  chunks_.reserve(chunks_.size() + 1);  // so that push_back below cannot throw
  auto* memory = static_cast<std::byte*>(::operator new (size, std::align_val_t{kAlignment}));
#ifdef MADV_HUGEPAGE
  // NOTE: a big tape touches every page of its chunks each step; 2 MiB pages cut the TLB misses.
  // Only whole 2 MiB pages inside the chunk can be backed so; the kernel may ignore the advice.
  if (size >= 4 * kHugePage) {
    const auto start =
        (reinterpret_cast<std::uintptr_t>(memory) + kHugePage - 1) & ~(kHugePage - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(memory) + size) & ~(kHugePage - 1);
    if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  }
#endif
  chunks_.push_back({std::unique_ptr<std::byte, FreeAligned>(memory), size});
  current_ = chunks_.size() - 1;
  cursor_ = memory + bytes;
  limit_ = memory + size;
#ifdef TAPEGRAD_POISON_MEMORY
  detail::poison_bytes(memory, bytes);
#endif
  return memory;
}

TAPEGRAD_HOT void Arena::rewind(Mark m) {
  current_ = m.chunk;
  if (current_ >= chunks_.size()) {  // only before the first chunk exists
    cursor_ = limit_ = nullptr;
    return;
  }
  std::byte* memory = chunks_[current_].memory.get();
  cursor_ = m.cursor != nullptr ? m.cursor : memory;
  limit_ = memory + chunks_[current_].size;
}

std::size_t Arena::reserved_bytes() const {
  std::size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

std::size_t Arena::used_bytes() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < current_ && i < chunks_.size(); ++i) total += chunks_[i].size;
  return total + offset();
}

}  // namespace tapegrad
