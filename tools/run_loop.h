// RunLoop: `agentwatch run`, the production path. Audit topics in through a consumer group,
// decode -> detect -> store in batches (tools/pipeline.h, the same path as replay), alerts out
// through the store's outbox to the alert topic, bad records to the dead-letter topic.
//
// Exactly-once indexing: each batch's Kafka positions ("topic/partition" -> next offset) are
// stored in the same evidence-store write as its events and alerts; a newly assigned partition
// starts from the stored position (the group's committed offset when this store has none).
// Offsets are committed to Kafka only after the store has written them, for lag tools and for
// the next owner of a partition. On revocation the store is flushed and the revoked partitions
// committed before they are given up; messages of a partition revoked while they were in hand
// are dropped (the next owner reads them from the committed offset).
//
// The alert feed: new alerts are queued in the store's outbox in the write that stores them;
// every commit tick publishes what is queued with an idempotent producer and removes what the
// broker acknowledged. After a crash the outbox is re-sent: at-least-once, stable alert ids.
//
// The registry topic is read whole from the beginning at start (before any audit record) and
// then between batches; its updates apply as replay's interleaved updates do, retro
// re-judgment included.
//
// Thread-safety: one thread; the stop flag (tools/stop_signal.h) ends it gracefully.
#pragma once

#include <functional>
#include <string>

#include "ingest/result.h"
#include "tools/run_config.h"

namespace aw::tools {

struct RunProgress {
  uint64_t records = 0, events = 0, alerts = 0, dead_letters = 0, published_alerts = 0;
};

struct RunHooks {
  // Called after every batch with the alerts' native JSON lines (the demo prints them).
  std::function<void(std::string_view alert_json)> on_alert;
  // Called about once a second.
  std::function<void(const RunProgress&)> on_progress;
  // Stop when this returns true (besides SIGINT/SIGTERM).
  std::function<bool(const RunProgress&)> should_stop;
  bool quiet = false;  // no operator log lines
};

// Runs until stopped; returns an error when the run could not start or had to stop.
Status run_pipeline(const RunConfig& config, const RunHooks& hooks = {});

}  // namespace aw::tools
