// EvidenceStore: every event kept as indexed, tamper-evident evidence in RocksDB (DESIGN.md,
// "Guarantees"; the layout is in store/keys.h).
//
// Writing: write() takes one input batch at a time and copies it into the pending store batch;
// whole input batches are grouped (StoreOptions::group_events) and committed as ONE RocksDB
// WriteBatch holding the events (blocks per agent and time bucket), their index entries, the
// alerts, registry changes, source positions and one integrity-chain link. A crash leaves every
// commit whole or absent; the source resumes from the stored positions and the store skips what
// it already holds (the same source and id, or alert id), so a re-run adds nothing; a commit
// that would add nothing is not written at all. Source positions only move forward. Registry
// change records are stored as given (the caller skips ones it already stored).
// A commit is visible to reads once flush() returns; the writer deduplicates against commits
// still in flight.
//
// Reading: timeline() by agent, credential, resource, session or task over an event-time range;
// event() by "source/id" or by bare id; alerts(); scan() for re-judging stored events;
// registry_history() and positions(). Event views point into the result object that returned
// them and stay valid while it lives.
//
// Thread-safety: write(), flush(), close() and apply_retention() from one thread; the read
// methods from any thread, concurrently with writes. With StoreOptions::background_writer the
// store runs two threads of its own: one builds commit N+1 (deduplication, blocks, indexes,
// chain link) while the other writes commit N to RocksDB.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "ingest/timestamp.h"
#include "rules/rule.h"
#include "store/store_options.h"
#include "store/write_input.h"

namespace aw::store {

enum class TimelineKind : uint8_t { kAgent, kCredential, kResource, kSession, kTask, kAll };
std::string_view timeline_kind_name(TimelineKind kind);

struct TimelineQuery {
  TimelineKind kind = TimelineKind::kAgent;
  std::string value;  // the agent, credential, ... id; ignored for kAll
  // Event-time range, half-open [from_us, to_us). Default: everything.
  int64_t from_us = ingest::kMinTimeUs;
  int64_t to_us = ingest::kMaxTimeUs;
  bool newest_first = true;  // Default: newest first
  size_t limit = 100;        // 0: no limit. Default: 100
};

// One stored event, decoded back into the normalized vocabulary. Its views point into the
// result that holds it.
struct StoredEvent {
  ingest::Event event;
  std::string_view origin;  // the input it came from (WriteInput::origin)
  uint64_t batch = 0;       // the store batch (chain link) that holds it
};

// Results own the decoded blocks their events point into; move them, do not copy them.
struct Timeline {
  std::vector<StoredEvent> events;
  std::shared_ptr<void> storage;
};

struct StoredAlert {
  std::string id;  // 32 hex digits
  std::string rule;
  rules::Severity severity = rules::Severity::kMedium;
  std::string agent;
  std::string event_key;
  int64_t event_time_us = 0;
  int64_t detected_at_us = 0;
  bool retro = false;
  uint64_t batch = 0;
  std::string json;
};

struct EventLookup {
  StoredEvent stored;
  std::string key;  // "source/id", or "source#<hash>" for a record without an id
  std::vector<StoredAlert> alerts;
  std::shared_ptr<void> storage;
};

struct AlertQuery {
  std::string rule;   // empty: any
  std::string agent;  // empty: any
  // Alerts of this severity or higher. Default: every severity.
  rules::Severity min_severity = rules::Severity::kInfo;
  // Range over the triggering event's time, half-open. Default: everything.
  int64_t from_us = ingest::kMinTimeUs;
  int64_t to_us = ingest::kMaxTimeUs;
  bool newest_first = true;
  size_t limit = 100;  // 0: no limit
};

struct StoredRegistryChange {
  uint64_t batch = 0;
  uint32_t ordinal = 0;  // arrival order within the batch
  std::string op, kind, id;
  int64_t at_us = 0;
  std::string text;
};

struct StorePosition {
  std::string name;
  uint64_t offset = 0;
};

// An alert waiting in the outbox for the feed.
struct OutboxEntry {
  std::string key;       // the outbox key (for remove_from_outbox and `after`)
  std::string alert_id;  // 32 hex digits
  std::string agent;     // the feed's message key
  std::string payload;   // the feed's message
};

// What write() did, counted when commits complete.
struct StoreCounters {
  uint64_t batches = 0;           // store batches committed since open
  uint64_t events = 0;            // events stored
  uint64_t duplicate_events = 0;  // skipped: flagged by the engine, or already stored
  uint64_t alerts = 0;            // alerts stored
  uint64_t duplicate_alerts = 0;  // skipped: the alert id was stored
  uint64_t registry_changes = 0;
  uint64_t raw_bytes = 0;      // raw record bytes of the stored events
  uint64_t block_bytes = 0;    // event block bytes written (compressed)
  double prepare_seconds = 0;  // building commits (dedup, blocks, indexes, chain)
  double write_seconds = 0;    // RocksDB writes (WAL and memtables)
};

// Disk use of the store, from RocksDB's live SST files (call flush_to_disk() first for an exact
// figure).
struct DiskUsage {
  uint64_t events = 0, index = 0, ids = 0, alerts = 0, chain = 0, other = 0;
  uint64_t total() const { return events + index + ids + alerts + chain + other; }
};

// Memory the store holds, from RocksDB: what the block cache holds (data, index and filter
// blocks; bounded by StoreOptions::block_cache_bytes), the memtables (bounded by the write
// buffers), and the table readers' own memory outside the cache (index and filter blocks of
// open files when they are not charged to the cache; grows with the store).
struct MemoryUsage {
  uint64_t block_cache = 0;
  uint64_t memtables = 0;
  uint64_t table_readers = 0;
  uint64_t total() const { return block_cache + memtables + table_readers; }
};

struct VerifyProblem {
  uint64_t batch = 0;
  std::string key;     // the column family and key, described (keys::describe_key)
  std::string reason;  // "value changed", "missing", "not in any manifest", ...
};

struct VerifyReport {
  bool ok = true;
  uint64_t batches = 0;         // links checked
  uint64_t pruned_batches = 0;  // links whose data retention removed entirely
  uint64_t events = 0;          // events checked
  uint64_t keys = 0;            // keys checked (primary and derived)
  std::string head;             // hex of the last link: anchor it elsewhere to detect rewrites
  std::vector<VerifyProblem> problems;  // the first problem first; at most max_problems
};

struct RetentionReport {
  int64_t cutoff_us = 0;  // events before this time are gone (a bucket boundary)
  uint64_t alerts_removed = 0;
};

class EvidenceStore {
 public:
  // Opens (or creates) the store. kNotFound when it does not exist and create_if_missing is
  // off or read_only is on; kInvalidArgument for bad options; kIoError/kCorruption from RocksDB.
  [[nodiscard]] static Result<EvidenceStore> open(const StoreOptions& options);

  EvidenceStore(EvidenceStore&&) noexcept;
  EvidenceStore& operator=(EvidenceStore&&) noexcept;
  // Commits what is pending (errors are lost: call close() to see them).
  ~EvidenceStore();

  // ---- writing ----
  // Adds one input batch to the pending store batch, committing when the group is full. An
  // error of an earlier background commit is returned here (and by every later call).
  [[nodiscard]] Status write(const WriteInput& input);
  // Commits the pending batch and waits until every commit is written (to the WAL, and fsynced
  // when StoreOptions::sync).
  [[nodiscard]] Status flush();
  // flush(), then flushes the memtables to SST files (benchmarks, disk figures, before backups).
  [[nodiscard]] Status flush_to_disk();
  // Compacts every family now: reclaims the space of pruned data (the id index drops pruned
  // entries only when compacted) and of overwritten keys. Slow on a big store.
  [[nodiscard]] Status compact();
  // flush() and close; later calls fail.
  [[nodiscard]] Status close();

  // Removes the events older than options.retention_days before `now_us` (no-op when 0).
  [[nodiscard]] Result<RetentionReport> apply_retention(int64_t now_us);
  // Removes every event before the bucket holding `cutoff_us` ... whole buckets only: events in
  // the bucket holding `cutoff_us` stay. Recorded as a retention link in the chain.
  [[nodiscard]] Result<RetentionReport> prune_before(int64_t cutoff_us);

  // ---- reading ----
  [[nodiscard]] Result<Timeline> timeline(const TimelineQuery& query) const;
  // `key` is "source/id", "source#<16 hex>" or a bare id; a source/id reading wins over a bare
  // id. kNotFound when nothing matches, kInvalidArgument when a bare id is held by several
  // sources (the message lists them).
  [[nodiscard]] Result<EventLookup> event(std::string_view key) const;
  [[nodiscard]] Result<std::vector<StoredAlert>> alerts(const AlertQuery& query) const;
  [[nodiscard]] Result<std::vector<StoredRegistryChange>> registry_history() const;
  [[nodiscard]] Result<std::vector<StorePosition>> positions() const;

  // The alert feed's outbox (WriteInput alerts with a `feed` payload), oldest first: at most
  // `limit` entries after the key `after` (empty: from the start). Only committed writes show.
  [[nodiscard]] Result<std::vector<OutboxEntry>> outbox(std::string_view after, size_t limit) const;
  // Removes delivered entries by key; a key not in the outbox is ignored.
  [[nodiscard]] Status remove_from_outbox(std::span<const std::string> keys);
  [[nodiscard]] Result<std::optional<uint64_t>> position(std::string_view name) const;

  // Iterates stored events in event-time order (oldest first), bucket by bucket, for re-judging
  // them after a late registry update. Fill with next(); the events' views stay valid until the
  // next call to next() or the cursor's destruction.
  class Cursor {
   public:
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) noexcept;
    ~Cursor();
    // Replaces `out` with the next events (at least one bucket's worth, oldest first); false
    // when there are no more.
    [[nodiscard]] Result<bool> next(std::vector<ingest::Event>* out);

   private:
    friend class EvidenceStore;
    struct State;
    explicit Cursor(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  // `query.limit` and `newest_first` are ignored: a scan returns every event in range, oldest
  // first. kAgent and kCredential serve re-judgment; kAll serves freeze and policy changes.
  [[nodiscard]] Result<Cursor> scan(const TimelineQuery& query) const;

  // ---- bulk reads (reports; store_report_reads.cc) ----
  // Visits every stored event with from_us <= ts < to_us, one event block at a time and in no
  // particular order across blocks (within a block: one agent, time order). `threads` workers
  // share the time buckets; visit(worker, events) runs on worker `worker` (0..threads-1), never
  // concurrently with itself for the same worker. The span is valid during the call only. A
  // visit returning false stops the scan. Blocks are read without filling the block cache, so
  // a report does not evict what timelines use.
  using BlockVisitor = std::function<bool(int worker, std::span<const ingest::Event> events)>;
  [[nodiscard]] Status scan_blocks(int64_t from_us, int64_t to_us, int threads,
                                   const BlockVisitor& visit) const;
  // Visits every stored alert whose event time lies in [from_us, to_us), in no particular order:
  // one sequential pass over the alert records, holding one alert at a time (a report over
  // millions of alerts). The alert passed is valid during the call only.
  using AlertVisitor = std::function<void(const StoredAlert& alert)>;
  [[nodiscard]] Status scan_alerts(int64_t from_us, int64_t to_us, const AlertVisitor& visit) const;
  // The alerts of each event key ("source/id"), in the order of `event_keys`: one short seek
  // per key (timelines mark their alerts without loading each event again).
  [[nodiscard]] Result<std::vector<std::vector<StoredAlert>>> alerts_for_events(
      std::span<const std::string> event_keys) const;
  // Where stored events lie, in whole time buckets: [first bucket's start, last bucket's end);
  // {0, 0} when the store holds no event. Cheap (kept in memory).
  std::pair<int64_t, int64_t> time_span() const;

  // ---- integrity ----
  // Recomputes the chain and checks every stored key against its batch's manifest (and every
  // index entry against the events). Stops collecting after `max_problems`.
  [[nodiscard]] Result<VerifyReport> verify(size_t max_problems = 10) const;

  StoreCounters counters() const;
  [[nodiscard]] Result<DiskUsage> disk_usage() const;
  [[nodiscard]] Result<MemoryUsage> memory_usage() const;
  int64_t time_bucket_us() const;
  uint64_t last_batch() const;  // the last committed store batch (0: none)

  struct Impl;

 private:
  explicit EvidenceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aw::store
