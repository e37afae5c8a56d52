// Counts heap allocations in a benchmark binary: bench/alloc_counter.cc replaces the global
// operator new/delete; link it into every benchmark program that reports allocations.
#pragma once

#include <cstdint>

namespace aw::bench {
uint64_t allocation_count();
void count_one();
}  // namespace aw::bench
