// Global operator new/delete replacements that count allocations (see alloc_counter.h).
#include "bench/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace aw::bench {
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace
uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }
void count_one() { g_allocations.fetch_add(1, std::memory_order_relaxed); }
}  // namespace aw::bench

using aw::bench::count_one;

void* operator new(std::size_t size) {
  count_one();
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  count_one();
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void* operator new(std::size_t size, std::align_val_t align) {
  count_one();
  std::size_t a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
