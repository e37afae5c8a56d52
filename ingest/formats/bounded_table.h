// Internal to ingest/formats: BoundedTable, the join state of the stateful decoders (Vault and
// MCP requests waiting for their responses, OpenTelemetry spans and their ancestors). A hash
// table over 64-bit keys (hashes of the join key) with a fixed number of slots in insertion
// order: inserting into a full table first evicts the oldest entry, handing it to the caller
// (who emits it unjoined or forgets it). Memory is allocated once; values are reused in place,
// so a warm table allocates nothing (std::string values keep their capacity).
//
// Thread-safety: none; one table per decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aw::ingest::formats {

template <typename Value>
class BoundedTable {
 public:
  explicit BoundedTable(size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {
    size_t buckets = 2;
    while (buckets < slots_.size() * 2) buckets *= 2;
    index_.assign(buckets, 0);
    mask_ = buckets - 1;
  }

  size_t size() const { return live_; }
  size_t capacity() const { return slots_.size(); }

  Value* find(uint64_t key) {
    size_t b = bucket_of(key);
    return b == kNone ? nullptr : &slots_[index_[b] - 1].value;
  }

  // The value for `key`, new or existing. A new entry takes the oldest slot; when that slot is
  // still in use, evict(key, value) is called with it first.
  template <typename Evict>
  Value& insert(uint64_t key, Evict&& evict) {
    if (Value* existing = find(key)) return *existing;
    Slot& slot = slots_[head_];
    uint32_t slot_number = static_cast<uint32_t>(head_ + 1);
    head_ = (head_ + 1) % slots_.size();
    if (slot.live) {
      evict(slot.key, slot.value);
      remove_from_index(slot.key);
      slot.live = false;
      --live_;
    }
    slot.key = key;
    slot.live = true;
    ++live_;
    size_t b = home(key);
    while (index_[b] != 0) b = (b + 1) & mask_;
    index_[b] = slot_number;
    return slot.value;
  }

  // Forgets `key`; false when absent. Its slot is reused when its turn comes round.
  bool erase(uint64_t key) {
    size_t b = bucket_of(key);
    if (b == kNone) return false;
    slots_[index_[b] - 1].live = false;
    remove_from_index(key);
    --live_;
    return true;
  }

  // Calls fn(key, value) for every entry, oldest first, and empties the table.
  template <typename Fn>
  void drain(Fn&& fn) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[(head_ + i) % slots_.size()];
      if (!slot.live) continue;
      slot.live = false;
      fn(slot.key, slot.value);
    }
    index_.assign(index_.size(), 0);
    live_ = 0;
  }

  // Calls fn(key, value) for every live entry, oldest first; entries for which it returns true
  // are erased.
  template <typename Fn>
  void erase_if(Fn&& fn) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[(head_ + i) % slots_.size()];
      if (!slot.live || !fn(slot.key, slot.value)) continue;
      remove_from_index(slot.key);
      slot.live = false;
      --live_;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    bool live = false;
    Value value{};
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  // The bucket holding `key`, or kNone.
  size_t bucket_of(uint64_t key) const {
    for (size_t b = home(key);; b = (b + 1) & mask_) {
      uint32_t s = index_[b];
      if (s == 0) return kNone;
      if (slots_[s - 1].key == key) return b;
    }
  }

  size_t home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask_;
  }

  // Linear probing with backward-shift deletion: no tombstones, so look-ups stay short.
  void remove_from_index(uint64_t key) {
    size_t b = home(key);
    while (index_[b] != 0 && slots_[index_[b] - 1].key != key) b = (b + 1) & mask_;
    if (index_[b] == 0) return;
    size_t hole = b;
    for (size_t next = (hole + 1) & mask_; index_[next] != 0; next = (next + 1) & mask_) {
      size_t want = home(slots_[index_[next] - 1].key);
      // Move the entry back when the hole lies on its probe path (cyclically in [want, next)).
      bool on_path = hole <= next ? (want <= hole || want > next) : (want <= hole && want > next);
      if (on_path) {
        index_[hole] = index_[next];
        hole = next;
      }
    }
    index_[hole] = 0;
  }

  std::vector<Slot> slots_;
  std::vector<uint32_t> index_;  // slot number + 1; 0 is an empty bucket
  size_t mask_ = 0;
  size_t head_ = 0;  // the oldest slot, reused next
  size_t live_ = 0;
};

}  // namespace aw::ingest::formats
