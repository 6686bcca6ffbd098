// The global operator new of the alloc test program (allocation_hooks.cpp) and its wrapped C
// allocator count every heap allocation, and can be told to fail one: for the tests of zero
// allocations per step and of exception safety.
#pragma once

#include <cstddef>

namespace tapegrad::testing {

// Heap allocations made so far by this program, on every thread: calls of operator new, apart
// from those oneDNN's own code makes (inside dnnl_sgemm), which onednn_allocations() counts (the
// caller's address tells them apart), and calls of the C allocator (malloc, calloc, realloc,
// aligned_alloc, posix_memalign, memalign) from the code linked into the program, tapegrad's
// libraries included, which c_allocations() also counts alone. operator new can be failed by
// FailAllocation; the C allocator is not. The C allocator's calls from shared libraries (oneDNN,
// OpenBLAS) are not seen here; bench/step_memory counts them.
std::size_t allocations();
std::size_t onednn_allocations();
std::size_t c_allocations();
// The largest single allocation, in bytes, since the last reset_largest_allocation().
std::size_t largest_allocation();
void reset_largest_allocation();

// While it lives, the allocation after `n` more (on this thread) throws std::bad_alloc: n = 0
// fails the next one. Each guard fails at most one allocation; failed() says whether it did.
class FailAllocation {
 public:
  explicit FailAllocation(std::size_t n);
  ~FailAllocation();
  FailAllocation(const FailAllocation&) = delete;
  FailAllocation& operator=(const FailAllocation&) = delete;

  bool failed() const;
};

}  // namespace tapegrad::testing
