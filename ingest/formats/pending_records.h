// Internal to ingest/formats: PendingRecords, records held until their partner arrives (a Vault
// request until its response, an MCP tools/call request until its result), keyed by the join
// key's text, bounded by BoundedTable: holding one more than the bound hands the oldest back to
// the caller, who emits it unjoined. Each held record is a copy (with kRecordPadding zero bytes
// after it), since the batch it came in is gone by the time its partner arrives.
//
// Thread-safety: none; one per decoder.
#pragma once

#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "ingest/format.h"
#include "ingest/formats/bounded_table.h"
#include "ingest/formats/format_decoder.h"

namespace aw::ingest::formats {

struct PendingRecord {
  std::string key;
  std::string bytes;  // the record, then kRecordPadding zero bytes
  SourcePosition position;
  int64_t default_ts_us = kNoDefaultTime;

  // A payload over a copy of the record in `arena`, valid as long as the batch.
  Payload payload_in(StringArena& arena) const {
    char* copy = arena.allocate(bytes.size());
    std::memcpy(copy, bytes.data(), bytes.size());
    size_t size = bytes.size() - kRecordPadding;
    return Payload{std::string_view(copy, size), size, position, default_ts_us};
  }
};

class PendingRecords {
 public:
  explicit PendingRecords(size_t capacity) : table_(capacity) {}

  // Holds `payload` under `key`; a record already held under it is replaced. evict(record) gets
  // the oldest record when the table is full.
  template <typename Evict>
  void hold(std::string_view key, const Payload& payload, Evict&& evict) {
    // Another key with the same hash is handed back rather than silently replaced.
    if (PendingRecord* other = table_.find(hash(key)); other != nullptr && other->key != key) {
      evict(*other);
      table_.erase(hash(key));
    }
    PendingRecord& record =
        table_.insert(hash(key), [&](uint64_t, PendingRecord& oldest) { evict(oldest); });
    record.key.assign(key.data(), key.size());
    record.bytes.assign(payload.bytes.data(), payload.bytes.size());
    record.bytes.append(kRecordPadding, '\0');
    record.position = payload.position;
    record.default_ts_us = payload.default_ts_us;
  }

  // Calls use(record) with the record held under `key`, then forgets it; false when none is.
  template <typename Use>
  bool take(std::string_view key, Use&& use) {
    PendingRecord* record = table_.find(hash(key));
    if (record == nullptr || record->key != key) return false;
    use(*record);
    table_.erase(hash(key));
    return true;
  }

  // Calls fn(record) for every held record, oldest first, and forgets them all.
  template <typename Fn>
  void drain(Fn&& fn) {
    table_.drain([&](uint64_t, PendingRecord& record) { fn(record); });
  }

  size_t size() const { return table_.size(); }

 private:
  static uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  BoundedTable<PendingRecord> table_;
};

}  // namespace aw::ingest::formats
