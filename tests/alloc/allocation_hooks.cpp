#include "allocation_hooks.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

std::atomic<std::size_t> allocation_count{0};
std::atomic<std::size_t> onednn_count{0};
std::atomic<std::size_t> c_count{0};
std::atomic<std::size_t> largest{0};
// Allocations to let through before failing one on this thread; -1: none is to fail.
thread_local long countdown = -1;
thread_local bool did_fail = false;

// Whether the code that called operator new is oneDNN's own (libdnnl), by its address.
bool called_from_onednn(void* caller) {
  Dl_info info{};
  return dladdr(caller, &info) != 0 && info.dli_fname != nullptr &&
         std::strstr(info.dli_fname, "libdnnl") != nullptr;
}

void count_or_fail(std::size_t size, void* caller) {
  (called_from_onednn(caller) ? onednn_count : allocation_count)
      .fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen && !largest.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  if (countdown < 0) return;
  if (countdown-- == 0) {
    did_fail = true;
    throw std::bad_alloc();
  }
}

}  // namespace

// The C allocator as called from the code linked into this program (tapegrad's static libraries,
// the tests): the program is linked with --wrap for each of these functions (tests/CMakeLists.txt),
// so those calls come here and go on to the real function (glibc's, or the sanitizer's). Calls
// from the shared libraries (oneDNN, OpenBLAS, libstdc++) are not seen: bench/step_memory counts
// those per library. Counted as allocations too.
extern "C" {
void* __real_malloc(std::size_t size);
void* __real_calloc(std::size_t count, std::size_t size);
void* __real_realloc(void* p, std::size_t size);
void* __real_aligned_alloc(std::size_t alignment, std::size_t size);
int __real_posix_memalign(void** p, std::size_t alignment, std::size_t size);
void* __real_memalign(std::size_t alignment, std::size_t size);
}

namespace {

// Counts a C allocator call. Never failed: code calling malloc directly (Catch2's, say) need
// not handle a null pointer the way tapegrad's code handles std::bad_alloc.
void count_c() {
  c_count.fetch_add(1, std::memory_order_relaxed);
  allocation_count.fetch_add(1, std::memory_order_relaxed);
}

void* plain_allocation(std::size_t size, void* caller) {
  count_or_fail(size, caller);
  if (void* p = __real_malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* aligned_allocation(std::size_t size, std::align_val_t align, void* caller) {
  count_or_fail(size, caller);
  const auto alignment = static_cast<std::size_t>(align);
  if (void* p = __real_aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment))
    return p;
  throw std::bad_alloc();
}

}  // namespace

extern "C" {
void* __wrap_malloc(std::size_t size) {
  count_c();
  return __real_malloc(size);
}
void* __wrap_calloc(std::size_t count, std::size_t size) {
  count_c();
  return __real_calloc(count, size);
}
void* __wrap_realloc(void* p, std::size_t size) {
  count_c();
  return __real_realloc(p, size);
}
void* __wrap_aligned_alloc(std::size_t alignment, std::size_t size) {
  count_c();
  return __real_aligned_alloc(alignment, size);
}
int __wrap_posix_memalign(void** p, std::size_t alignment, std::size_t size) {
  count_c();
  return __real_posix_memalign(p, alignment, size);
}
void* __wrap_memalign(std::size_t alignment, std::size_t size) {
  count_c();
  return __real_memalign(alignment, size);
}
}

namespace tapegrad::testing {

std::size_t allocations() {
  return allocation_count.load();
}
std::size_t onednn_allocations() {
  return onednn_count.load();
}
std::size_t c_allocations() {
  return c_count.load();
}
std::size_t largest_allocation() {
  return largest.load();
}
void reset_largest_allocation() {
  largest.store(0);
}

FailAllocation::FailAllocation(std::size_t n) {
  countdown = static_cast<long>(n);
  did_fail = false;
}
FailAllocation::~FailAllocation() {
  countdown = -1;
}
bool FailAllocation::failed() const {
  return did_fail;
}

}  // namespace tapegrad::testing

void* operator new(std::size_t size) {
  return plain_allocation(size, __builtin_return_address(0));
}
void* operator new[](std::size_t size) {
  return plain_allocation(size, __builtin_return_address(0));
}
void* operator new(std::size_t size, std::align_val_t align) {
  return aligned_allocation(size, align, __builtin_return_address(0));
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return aligned_allocation(size, align, __builtin_return_address(0));
}
// The nothrow forms too (Catch uses them): with only some forms replaced, memory from the
// runtime's own operator new would reach this file's delete. They are counted but never failed.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return __real_malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  const auto alignment = static_cast<std::size_t>(align);
  return __real_aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t& tag) noexcept {
  return operator new(size, align, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
