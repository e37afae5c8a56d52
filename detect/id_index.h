// IdIndex: the hot-path look-up from an entity id (credential, agent) to the registry's entry.
//
// Performance note: a look-up in a map of std::string keys misses the cache twice when ids are
// longer than the small-string buffer (credential ids such as AWS access keys are 20 bytes): once
// on the slot and once on the key's heap bytes. Here every slot is one cache line holding the
// id's hash, the entry pointer and the id itself (up to kInlineId bytes), so a look-up whose slot
// was prefetched touches no other memory. Longer ids still work; they are compared through the
// entry. The engine hashes a segment's ids first, prefetches their slots, then probes.
//
// Entries must not move while indexed (the registry keeps them in node maps) and are never
// removed (a deleted credential is revoked, a deleted agent decommissioned: evidence must stay
// explainable).
//
// Thread-safety: none; owned by the registry.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "detect/hashing.h"

namespace aw::detect {

template <typename Entry>  // Entry has a std::string `id`
class IdIndex {
 public:
  static constexpr size_t kInlineId = 44;

  uint64_t hash(std::string_view id) const { return quick_hash(id, kSeed); }

  void prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }

  const Entry* find(std::string_view id, uint64_t hash) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.entry == nullptr) return nullptr;
      if (slot.hash == hash && slot.size == id.size() && same_id(slot, id)) return slot.entry;
    }
  }
  const Entry* find(std::string_view id) const { return find(id, hash(id)); }

  // Indexes `entry` under entry->id, replacing an earlier entry of that id.
  void insert(const Entry* entry) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(entry, hash(entry->id));
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kSeed = 0x7a6d1f0c93be4e25ULL;

  struct alignas(64) Slot {
    uint64_t hash = 0;
    const Entry* entry = nullptr;  // null: empty
    uint32_t size = 0;
    char id[kInlineId] = {};
  };
  static_assert(sizeof(Slot) == 64);

  static bool same_id(const Slot& slot, std::string_view id) {
    if (id.size() <= kInlineId) return std::memcmp(slot.id, id.data(), id.size()) == 0;
    return slot.entry->id == id;
  }

  void place(const Entry* entry, uint64_t hash) {
    const std::string_view id = entry->id;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.entry == nullptr) {
        slot.hash = hash;
        slot.entry = entry;
        slot.size = static_cast<uint32_t>(id.size());
        std::memcpy(slot.id, id.data(), std::min(id.size(), kInlineId));
        ++size_;
        return;
      }
      if (slot.hash == hash && slot.size == id.size() && same_id(slot, id)) {
        slot.entry = entry;
        return;
      }
    }
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.entry != nullptr) place(slot.entry, slot.hash);
    }
  }

  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace aw::detect
