// Internals of EvidenceStore shared by its .cc files: the RocksDB handles, the pending store
// batch, the value encodings of the derived families and the commit builder. Not a public
// header: it includes RocksDB's, and only store/*.cc include it.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/result.h"
#include "store/chain.h"
#include "store/event_block.h"
#include "store/evidence_store.h"
#include "store/keys.h"

namespace aw::store::detail {

// A RocksDB status as ours, with what we were doing.
Status from_rocks(const rocksdb::Status& status, std::string_view context);

enum Cf : int {
  kDefault = 0,
  kEvents,
  kIndex,
  kIds,
  kAlerts,
  kPositions,
  kRegistry,
  kChain,
  kOutbox,
  kCfCount
};
std::string_view cf_name(int cf);

// What the ids compaction filter and the readers need to know about retention.
struct RetentionState {
  std::atomic<int64_t> cutoff_bucket{INT64_MIN};  // buckets below this are pruned
};

// ---- value encodings of the derived families ----

// ids value: varint zigzag bucket | bytes agent | varint batch | varint part | varint slot
struct IdValue {
  int64_t bucket = 0;
  std::string_view agent;
  uint64_t batch = 0;
  uint32_t part = 0;
  uint32_t slot = 0;
};
void encode_id_value(const IdValue& v, std::string* out);
bool parse_id_value(std::string_view in, IdValue* out);
// Only the bucket (the compaction filter's question).
bool parse_id_bucket(std::string_view in, int64_t* bucket);

// index value: runs of { bytes agent | varint part | varint n | n x varint slot }, in
// (agent, part, slot) order.
struct PostingRef {
  std::string_view agent;
  uint32_t part = 0;
  uint32_t slot = 0;
};
bool parse_posting_value(std::string_view in, std::vector<PostingRef>* out);

// alert record value: u8 format | u8 severity | u8 retro | varint zigzag event time | varint
// zigzag detected at | varint batch | bytes rule | bytes agent | bytes event key | bytes json
void encode_alert_value(const AlertRecord& alert, uint64_t batch, std::string* out);
bool parse_alert_value(std::string_view in, std::string_view id_bytes, StoredAlert* out);

// registry value: varint zigzag at | bytes op | bytes kind | bytes id | bytes text
void encode_registry_value(const RegistryChangeRecord& change, std::string* out);
bool parse_registry_value(std::string_view in, StoredRegistryChange* out);

// The hash behind "source#<hex>" keys of records without an id: the one detect uses in alert
// evidence (detect::append_event_key), so both name a record the same way.
uint64_t raw_record_hash(std::string_view source, std::string_view raw);
// The ids key of an event.
void append_event_id_key(std::string_view id, std::string_view source, std::string_view raw,
                         std::string* out);
// "source/id" or "source#<16 hex>".
void append_event_key_text(std::string_view id, std::string_view source, std::string_view raw,
                           std::string* out);

// ---- the pending store batch ----

struct PendingAlert {
  TextRef id, rule, agent, event_key, json, feed;
  rules::Severity severity = rules::Severity::kMedium;
  int64_t event_time_us = 0;
  int64_t detected_at_us = 0;
  bool retro = false;
};

struct PendingChange {
  TextRef op, kind, id, text;
  int64_t at_us = 0;
};

struct Group {
  std::string text;  // raw records and copied fields of `events`
  std::vector<EventRecord> events;
  std::vector<std::string> origins;
  std::string side_text;  // strings of alerts and registry changes
  std::vector<PendingAlert> alerts;
  std::vector<PendingChange> changes;
  std::vector<std::pair<std::string, uint64_t>> positions;  // latest per name
  uint64_t skipped_duplicates = 0;                          // flagged by the engine
  size_t input_batches = 0;

  bool empty() const {
    return events.empty() && alerts.empty() && changes.empty() && positions.empty() &&
           skipped_duplicates == 0;
  }
  void clear();
  // Copies one input batch in.
  void add(const WriteInput& input);
};

// ---- the commit ----

struct CommitResult {
  ChainLink link;
  bool skipped = false;  // nothing new: not written, no link
  uint64_t events = 0;
  uint64_t duplicate_events = 0;
  uint64_t alerts = 0;
  uint64_t duplicate_alerts = 0;
  uint64_t registry_changes = 0;
  uint64_t raw_bytes = 0;
  uint64_t block_bytes = 0;
  int64_t min_bucket = INT64_MAX;
  int64_t max_bucket = INT64_MIN;
};

struct DbHandles {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf[kCfCount] = {};
};

// One store batch, built and ready to write: its WriteBatch, what it does, and what the next
// commit's deduplication must count as stored even before this one is written.
struct Prepared {
  rocksdb::WriteBatch wb;
  CommitResult result;
  std::string id_text;                  // every event's id key
  std::vector<TextRef> id_keys;         // per event, into id_text
  std::vector<uint32_t> id_order;       // events by id key
  std::vector<uint8_t> drop;            // per event: 1 when not stored (a duplicate)
  std::vector<std::string> alert_keys;  // per alert: its record key
  std::vector<uint32_t> alert_keep;     // the alerts stored
  std::vector<std::pair<std::string, uint64_t>> positions;  // the positions written

  std::string_view id_key(uint32_t i) const {
    return std::string_view(id_text).substr(id_keys[i].offset, id_keys[i].length);
  }
  bool has_alert(std::string_view record_key) const;
  uint64_t position(std::string_view name) const;  // 0 when not written here
};

// Builds one store batch's WriteBatch from a Group (deduplicating against the store and against
// `pending`, the commit prepared before, which may still be on its way to RocksDB). Reuses every
// buffer between commits; one per building thread.
class CommitBuilder {
 public:
  CommitBuilder(const StoreOptions& options, int64_t bucket_us);
  ~CommitBuilder();
  Status prepare(const DbHandles& db, const RetentionState& retention, Group& group, uint64_t batch,
                 const Hash256& prev, const Prepared* pending, Prepared& out);

 private:
  struct Scratch;
  StoreOptions options_;
  int64_t bucket_us_;
  std::unique_ptr<Scratch> s_;
};

Status write_prepared(const DbHandles& db, const rocksdb::WriteOptions& write_options,
                      Prepared& prepared);

}  // namespace aw::store::detail

namespace aw::store {

struct EvidenceStore::Impl {
  StoreOptions options;
  int64_t bucket_us = 0;
  std::unique_ptr<rocksdb::DB> db;
  detail::DbHandles handles;
  std::vector<rocksdb::ColumnFamilyHandle*> owned_handles;
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::CompactionFilter> ids_filter;
  std::shared_ptr<detail::RetentionState> retention = std::make_shared<detail::RetentionState>();
  rocksdb::WriteOptions write_options;
  bool closed = false;

  // Chain head and data bounds; guarded by state_mu (the writer thread updates them).
  struct BatchRange {
    uint64_t batch;
    int64_t min_bucket, max_bucket;  // of the batch's events
  };
  mutable std::mutex state_mu;
  std::vector<BatchRange> batch_ranges;  // data batches holding events, in batch order
  uint64_t last_batch = 0;
  Hash256 last_link{};
  int64_t min_bucket = INT64_MAX;
  int64_t max_bucket = INT64_MIN;
  StoreCounters counters;

  // The write pipeline. The caller fills groups[current]; a full group goes to the builder,
  // which prepares it into prepared[next_slot] (deduplicating against the store and the commit
  // before) and hands that to the writer, which writes it to RocksDB. Each stage works on one
  // batch while the next stage works on the one before. Without a background writer both
  // stages run inline in the caller.
  detail::Group groups[2];
  int current = 0;
  detail::Prepared prepared[2];
  int next_slot = 0;
  const detail::Prepared* last_prepared = nullptr;  // the latest commit handed to the writer
  uint64_t built_batch = 0;                         // the builder's view of the chain head
  Hash256 built_link{};
  std::unique_ptr<detail::CommitBuilder> builder;
  std::mutex pipe_mu;
  std::condition_variable pipe_cv;
  detail::Group* to_build = nullptr;
  bool building = false;     // the builder holds a group (submit must not refill it)
  bool handing_off = false;  // the builder holds a prepared commit the writer has not taken yet
  detail::Prepared* to_write = nullptr;
  const detail::Prepared* writing = nullptr;
  bool stopping = false;
  Status pipe_error;
  std::thread builder_thread, writer_thread;

  ~Impl();
  Status submit_current();  // hands groups[current] on (or commits it inline)
  Status wait_idle();       // every handed-on group written
  Status prepare(detail::Group& group, detail::Prepared** out);  // builder stage
  void committed(const detail::Prepared& prepared);              // after a successful write
  void builder_loop();
  void writer_loop();
  void stop_threads();
  void bounds(int64_t* min_bucket, int64_t* max_bucket, int64_t* cutoff) const;
  // The batches holding events in `bucket`, ascending.
  void batches_in_bucket(int64_t bucket, std::vector<uint64_t>* out) const;
};

}  // namespace aw::store
