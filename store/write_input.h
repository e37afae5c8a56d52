// WriteInput: one input batch as the evidence store takes it. Everything is borrowed for the
// duration of EvidenceStore::write(), which copies what it keeps; the caller may reuse its
// buffers as soon as write() returns.
//
// The store does not depend on how alerts were produced: AlertRecord is the rendered alert plus
// the fields it is indexed by. store/alert_records.h fills them from detect's AlertBuffer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ingest/event.h"
#include "rules/rule.h"

namespace aw::store {

struct AlertRecord {
  std::string_view id;    // 32 lowercase hex digits (detect::AlertId)
  std::string_view rule;  // rule id
  rules::Severity severity = rules::Severity::kMedium;
  std::string_view agent;
  std::string_view event_key;  // "source/id" (detect::append_event_key) of the triggering event
  int64_t event_time_us = 0;
  int64_t detected_at_us = 0;
  bool retro = false;
  std::string_view json;  // the alert as it is shown (the native rendering)
  // Non-empty: the payload to publish on the alert feed. The store queues it in its outbox in
  // the same write as the alert (only when the alert is new), until remove_from_outbox().
  std::string_view feed;
};

// A registry change: an update met in the stream, or the registry file the run started with
// (op "load", kind "registry", the YAML as text). Stored in arrival order, never pruned, so
// `query event` can rebuild the registry that applied at an event's time.
struct RegistryChangeRecord {
  std::string_view op;    // load | upsert | revoke | delete
  std::string_view kind;  // registry | agent | credential | freeze | approval | policy
  std::string_view id;
  int64_t at_us = 0;      // effective time
  std::string_view text;  // the update's JSON line, or the registry file's text
};

// Where the source stands after this batch: a file and its byte offset, or "topic/partition"
// and the next Kafka offset. The store keeps the highest offset per name, committed atomically
// with the batch's evidence; after a crash the source resumes from there. Offsets only move
// forward: re-reading input from its start does not move a stored position back (a source
// that restarts its offsets, such as a rotated file, needs a new name).
struct PositionRecord {
  std::string_view name;
  uint64_t offset = 0;
};

struct WriteInput {
  // The batch's events. Events flagged `duplicate` are skipped, and so is every event whose
  // source and id the store already holds (records without an id: the same source and bytes).
  std::span<const ingest::Event> events;
  // Names the input the events came from (file name, topic/partition), kept with each event.
  std::string_view origin;
  // Alerts raised for this batch (or retro alerts). An alert whose id is stored is skipped.
  std::span<const AlertRecord> alerts;
  std::span<const RegistryChangeRecord> registry_changes;
  std::span<const PositionRecord> positions;
};

}  // namespace aw::store
