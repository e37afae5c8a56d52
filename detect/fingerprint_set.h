// FingerprintSet: a fixed-capacity set of 64-bit fingerprints (open addressing, linear probing)
// that never allocates after construction and clears with one memset. The engine's duplicate
// check uses two of them as generations.
//
// Thread-safety: none.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>

namespace aw::detect {

class FingerprintSet {
 public:
  // Holds up to `capacity` fingerprints at a load factor of at most 1/2.
  explicit FingerprintSet(size_t capacity)
      : slots_count_(std::bit_ceil(capacity * 2 < 16 ? 16 : capacity * 2)),
        capacity_(capacity),
        slots_(std::make_unique<uint64_t[]>(slots_count_)) {
    clear();
  }

  // Inserts `fingerprint`; false when it was already there. Callers check full() first.
  bool insert(uint64_t fingerprint) {
    fingerprint |= fingerprint == 0;  // 0 marks an empty slot
    size_t mask = slots_count_ - 1;
    for (size_t i = fingerprint & mask;; i = (i + 1) & mask) {
      if (slots_[i] == fingerprint) return false;
      if (slots_[i] == 0) {
        slots_[i] = fingerprint;
        ++size_;
        return true;
      }
    }
  }

  bool contains(uint64_t fingerprint) const {
    fingerprint |= fingerprint == 0;
    size_t mask = slots_count_ - 1;
    for (size_t i = fingerprint & mask;; i = (i + 1) & mask) {
      if (slots_[i] == fingerprint) return true;
      if (slots_[i] == 0) return false;
    }
  }

  // Brings the slot `fingerprint` would probe first into cache ahead of insert/contains.
  void prefetch(uint64_t fingerprint) const {
    fingerprint |= fingerprint == 0;
    __builtin_prefetch(&slots_[fingerprint & (slots_count_ - 1)]);
  }

  bool full() const { return size_ >= capacity_; }
  size_t size() const { return size_; }
  void clear() {
    std::memset(slots_.get(), 0, slots_count_ * sizeof(uint64_t));
    size_ = 0;
  }
  void swap(FingerprintSet& other) noexcept {
    std::swap(slots_count_, other.slots_count_);
    std::swap(capacity_, other.capacity_);
    std::swap(slots_, other.slots_);
    std::swap(size_, other.size_);
  }

 private:
  size_t slots_count_;
  size_t capacity_;
  std::unique_ptr<uint64_t[]> slots_;
  size_t size_ = 0;
};

}  // namespace aw::detect
