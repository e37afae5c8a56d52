// Engine: judges every event against the registry as it was at the event's time and the compiled
// rules, and writes alerts into a caller-owned buffer.
//
// Per batch, in arrival order: registry updates of the batch apply between the events they
// arrived between; each event is checked for being a duplicate (same source and id: judged once),
// its sequence number is tracked, the rules that can match its action class run over lazily
// computed facts, threshold rules count in sliding windows, and then the correlation state learns
// from the event (snapshots, code writes). Nothing is allocated per event once warm, except when
// an alert is raised or a new correlation key appears.
//
// A registry update whose effective time lies before events already judged asks for those
// events to be re-judged (RecheckRequest); the store, which has them, answers by calling
// rejudge() for each.
//
// Thread-safety: one engine per detect thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "detect/alert.h"
#include "detect/correlation_state.h"
#include "detect/registry.h"
#include "detect/registry_loader.h"
#include "ingest/event.h"
#include "rules/rule_set.h"

namespace aw::detect {

struct EngineOptions {
  // Pins every alert's detected_at (µs since the epoch) so output is byte-identical between
  // runs. Default: 0, the wall clock read once per batch.
  int64_t detected_at_us = 0;
  CorrelationOptions correlation;
};

// Events of `kind` `id` (an agent or a credential; empty id: every event) judged before a late
// update and with ts at or after `from_us` should be judged again.
struct RecheckRequest {
  std::string kind;
  std::string id;
  int64_t from_us = 0;
};

// A registry update that was applied, for the evidence store's registry history.
struct AppliedRecord {
  ingest::ControlRecord record;
  AppliedUpdate update;
};

// A registry update that could not be applied, with the reason.
struct RejectedUpdate {
  ingest::ControlRecord record;
  std::string message;
};

struct EngineCounters {
  uint64_t events = 0;
  uint64_t duplicates = 0;
  uint64_t registry_updates = 0;
  uint64_t rejected_updates = 0;
  uint64_t alerts = 0;
  std::vector<uint64_t> alerts_by_rule;  // indexed like the rules
};

class Engine {
 public:
  // Alert::rule_index indexes `rules.rules()`; an event runs only `rules.candidates()` of its
  // action class. `rules` and `registry` must outlive the engine.
  Engine(const rules::RuleSet& rules, Registry& registry, const EngineOptions& options = {});

  // Judges `batch` (marking duplicates in Event::duplicate) and appends its alerts to `out`.
  // `origin` names the input for messages about rejected updates.
  void process(ingest::EventBatch& batch, std::string_view origin, AlertBuffer& out);

  // Judges a stored event again after a late registry update; new alerts are marked retro.
  // Correlation state is not changed: the event was already counted when it first arrived.
  void rejudge(const ingest::Event& event, uint32_t event_index, AlertBuffer& out);

  const std::vector<RecheckRequest>& rechecks() const { return rechecks_; }
  void clear_rechecks() { rechecks_.clear(); }
  const std::vector<RejectedUpdate>& rejected_updates() const { return rejected_; }
  void clear_rejected_updates() { rejected_.clear(); }
  // Updates applied since the last clear, in arrival order; their record views point into the
  // batch that carried them.
  const std::vector<AppliedRecord>& applied_updates() const { return applied_; }
  void clear_applied_updates() { applied_.clear(); }
  const EngineCounters& counters() const { return counters_; }
  // How many partitions the events come from (CorrelationOptions::seq_reorder_window).
  void set_expected_partitions(uint32_t partitions) { state_.set_expected_partitions(partitions); }
  const Registry& registry() const { return registry_; }

 private:
  void apply_update(const ingest::ControlRecord& control, std::string_view origin);
  // Judges events [begin, end) of the batch, between two registry updates.
  void judge_segment(ingest::EventBatch& batch, size_t begin, size_t end, AlertBuffer& out);
  void judge(const ingest::Event& event, uint32_t event_index, bool retro, AlertBuffer& out,
             const AgentVersion* agent, const Credential* credential, bool resolved);
  void learn(const ingest::Event& event);

  const rules::RuleSet& rule_set_;
  std::span<const rules::CompiledRule> rules_;
  Registry& registry_;
  EngineOptions options_;
  CorrelationState state_;
  EngineCounters counters_;
  std::vector<RecheckRequest> rechecks_;
  std::vector<RejectedUpdate> rejected_;
  std::vector<AppliedRecord> applied_;
  int64_t latest_event_us_ = kBeginningOfTime;  // the latest event time judged so far
  // Per event of the segment being judged, filled in one pass before the rules run.
  std::vector<uint64_t> fingerprints_;
  std::vector<const AgentVersion*> agents_;
  std::vector<const Credential*> credentials_;
  std::vector<uint64_t> agent_hashes_;
  std::vector<uint64_t> credential_hashes_;
  std::string fact_text_;  // reused while rendering a fact's value
  int64_t batch_detected_at_us_ = 0;
};

}  // namespace aw::detect
