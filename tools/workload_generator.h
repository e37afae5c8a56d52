// The labelled synthetic workload behind `agentwatch gen`: a registry, a native event stream and
// the list of rule violations injected into it, all derived from one seed. It is the ground truth
// of precision/recall tests and benchmarks, so every label follows the rule semantics exactly:
// background traffic triggers no rule, and each injected event carries a label for every rule it
// triggers. The semantics it is built against are written out in workload_generator.cc.
//
// Output of generate_workload() in `out_dir`:
//   registry.yaml   DESIGN.md registry (policy, agents, credentials, freezes, approvals)
//   events.jsonl    one native event per line, in time order except producer retries
//   labels.jsonl    {"rule":"<rule id>","event_id":"evt-..."} per (rule, injected event)
//   truth.json      the coverage report's figures over the whole span (tools/workload_truth.h)
// The same options give byte-identical files on any IEEE-754 platform: the generator uses its own
// PRNG, integer arithmetic and plain double sums and divisions, never the wall clock.
//
// Thread-safety: generate_workload() shares no state between calls.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/result.h"

namespace aw::tools {

inline constexpr int kWorkloadRuleCount = 15;
// The built-in rule ids of DESIGN.md, in its order; label counts are indexed the same way.
inline constexpr std::array<std::string_view, kWorkloadRuleCount> kWorkloadRuleIds = {
    "unregistered-actor",
    "out-of-scope",
    "post-revocation",
    "expired-credential",
    "freeze-violation",
    "destructive-without-approval",
    "destructive-without-snapshot",
    "long-lived-credential",
    "shared-credential",
    "env-crossing",
    "release-separation-of-duties",
    "privilege-escalation",
    "destructive-burst",
    "denied-burst",
    "audit-gap",
};

struct WorkloadOptions {
  // Seed of every random choice. Default: 42.
  uint64_t seed = 42;
  // Lines of events.jsonl, injected events and duplicate records included. Default: 1,000,000.
  uint64_t events = 1000000;
  // Registry entities of every kind (agents, services, bots, humans); at least 100.
  // Default: 5,000.
  uint32_t agents = 5000;
  // Credentials of each entity: consecutive just-in-time credentials (TTL <= 1 h), so the
  // registry holds agents * credentials_per_agent of them. Default: 10.
  uint32_t credentials_per_agent = 10;
  // First instant of the workload, µs since the epoch. Default: 2026-11-20T00:00:00Z.
  int64_t start_us = 1795132800LL * 1000000;
  // Length of the workload. Default: 10.
  uint32_t hours = 10;
  // Injected violations of each rule (freeze, approval and snapshot violations also come in
  // combinations that fire all three, so those rules get a few more labels). Default: 20.
  uint32_t violations_per_rule = 20;
};

struct WorkloadSummary {
  uint64_t events = 0;           // lines written to events.jsonl
  uint64_t duplicates = 0;       // of which exact re-sent records (same source, id and seq)
  uint64_t injected_events = 0;  // events planned by the injections, labelled or not
  uint64_t negative_events = 0;  // planned near-misses that must not fire
  uint64_t agents = 0;           // registry entities
  uint64_t credentials = 0;
  uint64_t freezes = 0;
  uint64_t approvals = 0;
  uint64_t labels = 0;
  std::array<uint64_t, kWorkloadRuleCount> labels_per_rule{};
  uint64_t event_bytes = 0;  // size of events.jsonl
};

// Writes the three files into `out_dir`, creating the directory when missing. Returns
// kInvalidArgument for options it cannot honour and kIoError when a file cannot be written.
Status generate_workload(const WorkloadOptions& options, const std::string& out_dir,
                         WorkloadSummary* summary);

}  // namespace aw::tools
