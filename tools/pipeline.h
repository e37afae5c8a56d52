// Pipeline: what happens to a decoded batch, the same for `replay` (files) and `run` (Kafka):
// judge it against the registry and the rules, write its alerts to the alert file, store its
// events, alerts, registry changes and source positions in one evidence-store write, and
// re-judge stored events after late registry updates (retro alerts).
//
// Detection is on when a registry or rules are given (or `always_detect`); the store is on when
// a store directory is given. Refused registry updates become dead letters of their batch.
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/alert.h"
#include "detect/alert_writer.h"
#include "detect/engine.h"
#include "detect/registry.h"
#include "ingest/decode_error.h"
#include "ingest/event.h"
#include "ingest/result.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"
#include "store/alert_records.h"
#include "store/evidence_store.h"

namespace aw::tools {

struct PipelineOptions {
  std::string registry;  // YAML registry file; empty: an empty registry
  std::vector<std::string> rule_paths;
  std::string action_classes;  // a user action-class table instead of the shipped one
  bool always_detect = false;  // detect even without registry and rules (run: registry topic)
  std::string alerts_out;      // alert JSON lines file, "-" for stdout
  bool append_alerts = false;  // append to alerts_out instead of truncating it
  detect::AlertFormat alert_format = detect::AlertFormat::kNative;
  int64_t detected_at_us = 0;  // pins every alert's detected_at when not 0
  std::string store;           // evidence store directory
  uint32_t retention_days = 0;
  // Queue every new alert in the store's outbox for the alert feed, in this format.
  std::optional<detect::AlertFormat> feed;
  // Feed only: an alert of the same rule, agent and resource as one fed less than this long
  // before it (event time) is held back from the feed and counted; the next one fed carries
  // "suppressed": N. The store and the alert file keep every alert. 0: no suppression.
  int64_t suppress_window_us = 0;
  // How far out of order a source's sequence numbers may arrive (detect/correlation_state.h);
  // 0 for ordered inputs such as files.
  uint32_t seq_reorder_window = 0;
  // Store tuning (commit group size); 0 keeps the store's default.
  size_t store_group_events = 0;
};

struct PipelineCounters {
  uint64_t records = 0;
  uint64_t events = 0;
  uint64_t registry_updates = 0;
  uint64_t retro_alerts = 0;
  uint64_t dead_by_reason[ingest::kDecodeErrorCount] = {};
  uint64_t dead_letters() const {
    uint64_t total = 0;
    for (uint64_t n : dead_by_reason) total += n;
    return total;
  }
};

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> open(const PipelineOptions& options);
  ~Pipeline();

  const rules::ActionClassTable& action_classes() const { return *table_; }
  // Null when detection (or the store) is off.
  detect::Engine* engine() { return engine_ ? &*engine_ : nullptr; }
  const rules::RuleSet* rules() const { return rule_set_ ? &*rule_set_ : nullptr; }
  store::EvidenceStore* store() { return store_ ? &*store_ : nullptr; }
  const PipelineCounters& counters() const { return counters_; }

  // Judges and keeps one decoded batch of `records` records. `origin` names its input;
  // `positions` say where the sources stand after it (stored with it). The batch's alerts are
  // in alerts() until the next call.
  Status process(ingest::EventBatch& batch, size_t records, std::string_view origin,
                 std::span<const store::PositionRecord> positions);
  const detect::AlertBuffer& alerts() const { return alerts_; }
  // The retro alerts the last process() raised (native JSON), re-judging stored events.
  const std::vector<std::string>& retro_alerts() const { return retro_json_; }

  // Makes every stored write visible (and durable in the WAL).
  Status flush();
  // Flushes the alert file, applies retention, closes the store.
  Status finish();

 private:
  Pipeline() = default;
  Status store_batch(const ingest::EventBatch& batch, std::string_view origin,
                     std::span<const store::PositionRecord> positions);
  Result<uint64_t> rejudge();

  struct Change {
    std::string op, kind, id;
    int64_t at;
    std::string text;
  };
  static std::string change_key(std::string_view op, std::string_view kind, std::string_view id,
                                int64_t at, std::string_view text);

  PipelineOptions options_;
  const rules::ActionClassTable* table_ = nullptr;
  std::optional<rules::ActionClassTable> user_table_;
  std::optional<rules::RuleSet> rule_set_;
  std::optional<detect::Registry> registry_;
  std::optional<detect::Engine> engine_;
  std::optional<detect::AlertWriter> alert_writer_;
  std::optional<store::EvidenceStore> store_;
  store::AlertRecordBuilder alert_records_;
  detect::AlertBuffer alerts_;
  PipelineCounters counters_;
  // Registry changes to store with the next batch, and those the store holds already (the
  // history is keyed by arrival, so a second run over the same input must not add them again).
  std::vector<Change> pending_changes_;
  std::set<std::string> known_changes_;
  std::string key_;
  std::vector<std::string> retro_json_;
  // Feed suppression: per rule|agent|resource, the event time of the last alert fed and how
  // many were held back since.
  struct Suppression {
    int64_t fed_at_us = 0;
    uint64_t held_back = 0;
  };
  std::span<const store::AlertRecord> suppress(std::span<const store::AlertRecord> records,
                                               const detect::AlertBuffer& alerts,
                                               std::span<const ingest::Event> events);
  std::unordered_map<std::string, Suppression> suppression_;
  std::vector<store::AlertRecord> suppressed_records_;
  std::vector<std::string> suppressed_feeds_;
};

}  // namespace aw::tools
