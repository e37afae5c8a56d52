// The compliance coverage report (DESIGN.md, "Users": the compliance / IAM team): figures that
// show whether the agents in the logs are governed, computed from one evidence store over an
// event-time range. Every figure comes with the list behind it (cut at `list_limit` entries;
// the counts always cover everything). tools/coverage_render.h renders it as JSON, Markdown
// and HTML; this file only computes.
//
// Definitions (README, "Coverage report", says the same for users):
//  - NHI: a registered identity whose kind is agent, service or bot (not human), as of `as_of`.
//  - as_of: the end of the period, min(to, last event + 1 µs) - 1 µs; registry states that are
//    not tied to one event (owner, status, scopes) are read at this instant.
//  - identities seen: distinct actor ids of the period's events; registered = known to the
//    registry at all; unregistered ones are listed with their activity.
//  - own distinct credential: an NHI that used credentials in the period, every one of them
//    registered to itself, none of kind human, and none used by any other actor in the period.
//  - able to write to prod: an active NHI with a scope valid at as_of that covers env "prod"
//    and one of the classes write, delete, admin, escalate.
//  - credentials: those whose life [issued_at, expires_at or revoked_at) overlaps the period;
//    over the policy maximum = static, no expiry, or expires_at - issued_at > max_credential_ttl.
//  - revocation to last use: per credential revoked within the period and used at or after its
//    revoked_at, last use - revoked_at.
//  - first alert to revocation: per agent with an alert in the period and a credential revoked
//    strictly after that alert's event time, the earliest such revoked_at - first alert time.
//  - destructive action: class delete. Covering approval: any approval of the actor covering
//    delete, the resource and ts. Recent snapshot: a successful (not failed, not denied)
//    snapshot-class action on the same resource in [ts - snapshot_window, ts].
//  - in a freeze: a freeze covers the event's env and resource at ts; covered by break-glass:
//    a break-glass approval covers actor, class, resource and ts (counted for every class).
//  - alerts: by the triggering event's time (replays set detected_at to the replay's clock).
//  - audit completeness per source: sequence gaps from the distinct seq values of the period
//    (a gap = a run of missing numbers); silent periods = runs of at least `silence_minutes`
//    whole UTC minutes without an event, between the source's first and last event.
// Percentiles are nearest-rank: p-th = the ceil(p * n)-th smallest sample.
//
// Thread-safety: compute_coverage_report() reads the store from `threads` workers of its own.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "ingest/timestamp.h"
#include "rules/rule.h"
#include "store/evidence_store.h"

namespace aw::store {

struct CoverageOptions {
  // Event-time range, half-open. Default: everything stored.
  int64_t from_us = ingest::kMinTimeUs;
  int64_t to_us = ingest::kMaxTimeUs;
  // Silent period: at least this many whole UTC minutes without an event. Default: 5.
  int64_t silence_minutes = 5;
  // Entries kept per list (counts still cover everything). Default: 200.
  size_t list_limit = 200;
  // Width of the alert-over-time bins; 0 picks hours up to 2 days, days up to 90, else weeks.
  // Default: 0.
  int64_t bin_us = 0;
  // Scan workers. Default: 2.
  int threads = 2;
};

// Mean and nearest-rank percentiles of durations, in microseconds.
struct DurationStats {
  uint64_t count = 0;
  int64_t mean_us = 0;  // rounded toward zero
  int64_t p50_us = 0;
  int64_t p90_us = 0;
  int64_t max_us = 0;
};
DurationStats duration_stats(std::vector<int64_t> samples);

inline constexpr int kSeverityCount = 5;  // rules::Severity kInfo .. kCritical

struct CoverageReport {
  // ---- the period ----
  int64_t from_us = 0, to_us = 0;  // as requested (kMin/kMaxTimeUs when open)
  int64_t as_of_us = 0;
  uint64_t events = 0;
  int64_t first_event_us = 0, last_event_us = 0;  // 0 when there are no events
  bool registry_recorded = false;
  std::string registry_note;
  int64_t max_credential_ttl_us = 0, snapshot_window_us = 0;  // the policy applied
  size_t list_limit = 0;

  // ---- identities ----
  struct Actor {
    std::string id;
    uint64_t events = 0;
    int64_t first_us = 0, last_us = 0;
    uint16_t classes = 0;  // bit per ingest::ActionClass
    std::string source;    // the first source seen (lists are for people)
  };
  uint64_t registered = 0;                       // known to the registry as of as_of
  std::array<uint64_t, 4> registered_by_kind{};  // detect::AgentKind order
  uint64_t seen = 0;
  uint64_t seen_registered = 0;
  uint64_t registered_not_seen = 0;
  uint64_t unregistered_seen = 0;
  std::vector<Actor> unregistered;  // most events first

  struct Identity {
    std::string id;
    std::string kind;
    std::string owner;
  };
  uint64_t nhi = 0;
  uint64_t nhi_without_owner = 0;
  std::vector<Identity> without_owner;  // by id

  // ---- credentials held and used ----
  struct CredentialProblem {
    std::string actor;
    std::string credential;
    std::string reason;  // another's credential | a human's credential | shared with another
                         // actor | unregistered credential
  };
  uint64_t nhi_using_credentials = 0;
  uint64_t nhi_own_distinct = 0;
  std::vector<CredentialProblem> not_distinct;  // by actor

  uint64_t prod_writers = 0;
  std::vector<Identity> prod_writer_list;  // by id

  struct CredentialKindFigures {
    std::string kind;
    uint64_t count = 0;
    uint64_t within_max = 0;
    uint64_t over_max = 0;   // expires, but lives longer than the policy maximum
    uint64_t no_expiry = 0;  // static or without expires_at
  };
  uint64_t credentials = 0;
  uint64_t credentials_over_max = 0;                       // over_max + no_expiry, every kind
  std::vector<CredentialKindFigures> credentials_by_kind;  // jit, static, human
  struct LifetimeBin {
    std::string label;  // "<= 15m", ..., "no expiry"
    uint64_t count = 0;
    bool over_max = false;  // the whole bin lies above the policy maximum
  };
  std::vector<LifetimeBin> lifetimes;
  std::vector<std::string> over_max_list;  // credential ids, agents' first

  // ---- revocation ----
  struct RevokedUse {
    std::string credential, agent;
    int64_t revoked_us = 0, last_use_us = 0;
  };
  uint64_t revoked = 0;
  uint64_t used_after_revocation = 0;
  DurationStats revocation_to_last_use;
  std::vector<RevokedUse> used_after_list;  // longest delay first
  struct AlertToRevocation {
    std::string agent, credential;
    int64_t first_alert_us = 0, revoked_us = 0;
  };
  DurationStats first_alert_to_revocation;
  std::vector<AlertToRevocation> alert_to_revocation_list;  // longest first

  // ---- destructive actions ----
  struct EnvDestructive {
    std::string env;
    uint64_t deletes = 0;
    uint64_t with_approval = 0;
    uint64_t with_snapshot = 0;
    bool approval_required = false;  // policy
    bool snapshot_required = false;
  };
  std::vector<EnvDestructive> destructive;  // by env name
  struct DestructiveAction {
    std::string event_key, actor, resource, env;
    int64_t ts_us = 0;
    bool approval = false, snapshot = false;
  };
  // Deletes in envs whose policy requires an approval or snapshot and that lack one.
  std::vector<DestructiveAction> unprotected;

  // ---- freezes ----
  std::array<uint64_t, ingest::kActionClassCount> frozen_by_class{};
  std::array<uint64_t, ingest::kActionClassCount> frozen_break_glass_by_class{};
  uint64_t frozen_events = 0;
  uint64_t frozen_changes = 0;  // write, delete, admin, escalate
  uint64_t frozen_changes_break_glass = 0;
  struct FreezeFigures {
    std::string id;
    uint64_t events = 0, changes = 0, changes_break_glass = 0;
  };
  std::vector<FreezeFigures> freezes;  // by id

  // ---- alerts ----
  struct RuleAlerts {
    std::string rule;
    rules::Severity severity = rules::Severity::kMedium;
    uint64_t count = 0;
    uint64_t retro = 0;
  };
  uint64_t alerts = 0;
  std::array<uint64_t, kSeverityCount> alerts_by_severity{};
  std::vector<RuleAlerts> alerts_by_rule;  // most first
  int64_t bin_us = 0;
  struct AlertBin {
    int64_t start_us = 0;
    std::array<uint64_t, kSeverityCount> by_severity{};
  };
  std::vector<AlertBin> alert_bins;  // contiguous, covering first to last event

  // ---- audit completeness ----
  struct SourceFigures {
    std::string source;
    uint64_t events = 0;
    uint64_t with_seq = 0;
    uint64_t seq_gaps = 0;
    uint64_t missing_records = 0;
    uint64_t silent_periods = 0;
    int64_t longest_silence_us = 0;
    uint64_t with_credential = 0;
    int64_t first_us = 0, last_us = 0;
  };
  int64_t silence_minutes = 0;
  std::vector<SourceFigures> sources;  // by name

  double seconds = 0;           // time spent computing, of which:
  double registry_seconds = 0;  // rebuilding the stored registry
  double scan_seconds = 0;      // reading the period's events
};

// kInvalidArgument for a bad range or options; read errors of the store as they come.
[[nodiscard]] Result<CoverageReport> compute_coverage_report(const EvidenceStore& store,
                                                             const CoverageOptions& options);

}  // namespace aw::store
