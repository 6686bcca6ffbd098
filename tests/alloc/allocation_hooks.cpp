#include "allocation_hooks.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

std::atomic<std::size_t> allocation_count{0};
std::atomic<std::size_t> onednn_count{0};
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

void* plain_allocation(std::size_t size, void* caller) {
  count_or_fail(size, caller);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* aligned_allocation(std::size_t size, std::align_val_t align, void* caller) {
  count_or_fail(size, caller);
  const auto alignment = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment))
    return p;
  throw std::bad_alloc();
}

}  // namespace

namespace tapegrad::testing {

std::size_t allocations() {
  return allocation_count.load();
}
std::size_t onednn_allocations() {
  return onednn_count.load();
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
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  const auto alignment = static_cast<std::size_t>(align);
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
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
