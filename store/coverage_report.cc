// The coverage report's computation: one pass over the period's events (scan_blocks, a tally per
// worker, merged afterwards), the alerts of the period, and the stored registry. Definitions are
// in coverage_report.h.
#include "store/coverage_report.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "detect/alert.h"
#include "store/stored_registry.h"

namespace aw::store {
namespace {

using ingest::ActionClass;
constexpr int64_t kMinuteUs = 60LL * 1000000;
constexpr int64_t kHourUs = 60 * kMinuteUs;
constexpr int64_t kDayUs = 24 * kHourUs;

constexpr uint16_t bit(ActionClass c) { return static_cast<uint16_t>(1u << static_cast<int>(c)); }
constexpr uint16_t kChangeClasses = bit(ActionClass::kWrite) | bit(ActionClass::kDelete) |
                                    bit(ActionClass::kAdmin) | bit(ActionClass::kEscalate);

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ---- per-worker tallies ----

struct ActorTally {
  uint64_t events = 0;
  int64_t first_us = INT64_MAX, last_us = INT64_MIN;
  uint16_t classes = 0;
  std::string source;
  bool used_credential = false;
};

struct CredentialTally {
  int64_t last_use_us = INT64_MIN;
  absl::flat_hash_set<std::string> users;  // distinct actors
};

struct SourceTally {
  uint64_t events = 0, with_seq = 0, with_credential = 0;
  int64_t first_us = INT64_MAX, last_us = INT64_MIN;
  std::vector<uint64_t> seqs;
  absl::flat_hash_set<int64_t> minutes;
  int64_t last_minute = INT64_MIN;  // skips the set for runs of events in one minute
};

struct DeleteRecord {
  int64_t ts_us;
  std::string key, actor, resource, env;
  bool approval;
};

struct FreezeTally {
  uint64_t events = 0, changes = 0, changes_break_glass = 0;
};

struct Tally {
  uint64_t events = 0;
  int64_t first_us = INT64_MAX, last_us = INT64_MIN;
  absl::flat_hash_map<std::string, ActorTally> actors;
  absl::node_hash_map<std::string, CredentialTally> credentials;
  absl::node_hash_map<std::string, SourceTally> sources;
  std::vector<DeleteRecord> deletes;
  std::vector<std::pair<std::string, int64_t>> snapshots;  // (resource, ts) of good snapshots
  std::array<uint64_t, ingest::kActionClassCount> frozen_by_class{};
  std::array<uint64_t, ingest::kActionClassCount> frozen_break_glass_by_class{};
  std::map<std::string, FreezeTally> freezes;
};

// Look-up by a view, inserting a copy of the key when missing. Debian's absl has its own
// string_view type, so the view is converted for the heterogeneous find.
template <typename Map>
typename Map::mapped_type& entry(Map& map, std::string_view key) {
  auto it = map.find(absl::string_view(key.data(), key.size()));
  if (it == map.end()) it = map.emplace(std::string(key), typename Map::mapped_type()).first;
  return it->second;
}

// Reads the period's events into a tally. Needs only the registry's freezes, approvals and
// policy (`controls`): what needs agents and credentials is judged after the scan, so the whole
// registry can load meanwhile.
class Scanner {
 public:
  Scanner(const detect::Registry& controls, int64_t from_us, Tally& tally)
      : registry_(controls), from_us_(from_us), t_(tally) {}

  void block(std::span<const ingest::Event> events) {
    for (const ingest::Event& e : events) {
      if (e.ts_us < from_us_) {
        // Before the period: only a snapshot that protects a delete at its start matters.
        snapshot(e);
        continue;
      }
      event(e);
    }
  }

 private:
  void snapshot(const ingest::Event& e) {
    if (e.action_class == ActionClass::kSnapshot && e.outcome != ingest::Outcome::kFailure &&
        e.outcome != ingest::Outcome::kDenied) {
      t_.snapshots.emplace_back(std::string(e.resource_name), e.ts_us);
    }
  }

  void event(const ingest::Event& e) {
    ++t_.events;
    t_.first_us = std::min(t_.first_us, e.ts_us);
    t_.last_us = std::max(t_.last_us, e.ts_us);
    // A block holds one actor's events: one look-up per block, not per event.
    if (actor_ == nullptr || actor_id_ != e.actor_id) {
      actor_ = &entry(t_.actors, e.actor_id);
      actor_id_ = e.actor_id;
      credential_ = nullptr;
    }
    ActorTally& actor = *actor_;
    ++actor.events;
    actor.first_us = std::min(actor.first_us, e.ts_us);
    actor.last_us = std::max(actor.last_us, e.ts_us);
    actor.classes |= bit(e.action_class);
    if (actor.source.empty()) actor.source.assign(e.source);

    if (source_ == nullptr || source_name_ != e.source) {
      source_ = &entry(t_.sources, e.source);
      source_name_ = e.source;
    }
    SourceTally& source = *source_;
    ++source.events;
    source.first_us = std::min(source.first_us, e.ts_us);
    source.last_us = std::max(source.last_us, e.ts_us);
    if (e.has_seq) {
      ++source.with_seq;
      source.seqs.push_back(e.seq);
    }
    const int64_t minute = floor_div(e.ts_us, kMinuteUs);
    if (minute != source.last_minute) {
      source.minutes.insert(minute);
      source.last_minute = minute;
    }

    if (!e.credential_id.empty()) {
      ++source.with_credential;
      actor.used_credential = true;
      credential(e);
    }
    if (e.action_class == ActionClass::kDelete) {
      DeleteRecord d{
          e.ts_us, {}, std::string(e.actor_id), std::string(e.resource_name), std::string(e.env),
          false};
      detect::append_event_key(e, &d.key);
      d.approval = registry_.approval_at(e.actor_id, ActionClass::kDelete, e.resource_name, e.ts_us,
                                         false) != nullptr;
      t_.deletes.push_back(std::move(d));
    }
    snapshot(e);
    const detect::Freeze* freeze =
        registry_.freeze_at(registry_.env_bit(e.env), e.resource_name, e.ts_us);
    if (freeze != nullptr) {
      const int c = static_cast<int>(e.action_class);
      ++t_.frozen_by_class[c];
      bool break_glass = registry_.approval_at(e.actor_id, e.action_class, e.resource_name, e.ts_us,
                                               true) != nullptr;
      if (break_glass) ++t_.frozen_break_glass_by_class[c];
      FreezeTally& f = t_.freezes[freeze->id];
      ++f.events;
      if (bit(e.action_class) & kChangeClasses) {
        ++f.changes;
        if (break_glass) ++f.changes_break_glass;
      }
    }
  }

  void credential(const ingest::Event& e) {
    // Consecutive events of a block mostly share their credential: one look-up per run.
    if (credential_ == nullptr || credential_id_ != e.credential_id) {
      credential_ = &entry(t_.credentials, e.credential_id);
      credential_id_ = e.credential_id;
      auto& users = credential_->users;
      if (!users.contains(absl::string_view(e.actor_id.data(), e.actor_id.size()))) {
        users.insert(std::string(e.actor_id));
      }
    }
    credential_->last_use_us = std::max(credential_->last_use_us, e.ts_us);
  }

  const detect::Registry& registry_;
  const int64_t from_us_;
  Tally& t_;
  ActorTally* actor_ = nullptr;
  std::string actor_id_;
  CredentialTally* credential_ = nullptr;
  std::string credential_id_;
  SourceTally* source_ = nullptr;
  std::string source_name_;
};

// Folds `from` into `into` (worker tallies into the first one).
void merge(Tally& into, Tally& from) {
  into.events += from.events;
  into.first_us = std::min(into.first_us, from.first_us);
  into.last_us = std::max(into.last_us, from.last_us);
  for (auto& [id, a] : from.actors) {
    ActorTally& t = into.actors[id];
    t.events += a.events;
    t.first_us = std::min(t.first_us, a.first_us);
    t.last_us = std::max(t.last_us, a.last_us);
    t.classes |= a.classes;
    if (t.source.empty()) t.source = a.source;
    t.used_credential |= a.used_credential;
  }
  for (auto& [id, c] : from.credentials) {
    CredentialTally& t = into.credentials[id];
    t.last_use_us = std::max(t.last_use_us, c.last_use_us);
    t.users.insert(c.users.begin(), c.users.end());
  }
  for (auto& [name, s] : from.sources) {
    SourceTally& t = into.sources[name];
    t.events += s.events;
    t.with_seq += s.with_seq;
    t.with_credential += s.with_credential;
    t.first_us = std::min(t.first_us, s.first_us);
    t.last_us = std::max(t.last_us, s.last_us);
    t.seqs.insert(t.seqs.end(), s.seqs.begin(), s.seqs.end());
    t.minutes.insert(s.minutes.begin(), s.minutes.end());
  }
  std::move(from.deletes.begin(), from.deletes.end(), std::back_inserter(into.deletes));
  std::move(from.snapshots.begin(), from.snapshots.end(), std::back_inserter(into.snapshots));
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    into.frozen_by_class[c] += from.frozen_by_class[c];
    into.frozen_break_glass_by_class[c] += from.frozen_break_glass_by_class[c];
  }
  for (auto& [id, f] : from.freezes) {
    FreezeTally& t = into.freezes[id];
    t.events += f.events;
    t.changes += f.changes;
    t.changes_break_glass += f.changes_break_glass;
  }
}

bool nhi_kind(detect::AgentKind kind) { return kind != detect::AgentKind::kHuman; }

// ---- the figures, each from the merged tally ----

void identities(const detect::Registry& r, const Tally& t, const CoverageOptions& o,
                CoverageReport& out) {
  for (const auto& [id, agent] : r.agents()) {
    const detect::AgentVersion* v = r.agent_at(id, out.as_of_us);
    if (v == nullptr) continue;
    ++out.registered;
    ++out.registered_by_kind[static_cast<int>(v->kind)];
    if (!nhi_kind(v->kind)) continue;
    ++out.nhi;
    if (v->owner.empty()) {
      ++out.nhi_without_owner;
      out.without_owner.push_back({id, std::string(detect::agent_kind_name(v->kind)), ""});
    }
  }
  for (const auto& [id, a] : t.actors) {
    ++out.seen;
    if (r.agent_at(id, out.as_of_us) != nullptr) {
      ++out.seen_registered;
      continue;
    }
    ++out.unregistered_seen;
    out.unregistered.push_back({id, a.events, a.first_us, a.last_us, a.classes, a.source});
  }
  out.registered_not_seen = out.registered - out.seen_registered;
  std::sort(out.unregistered.begin(), out.unregistered.end(), [](const auto& a, const auto& b) {
    return a.events != b.events ? a.events > b.events : a.id < b.id;
  });
  if (out.unregistered.size() > o.list_limit) out.unregistered.resize(o.list_limit);
  std::sort(out.without_owner.begin(), out.without_owner.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  if (out.without_owner.size() > o.list_limit) out.without_owner.resize(o.list_limit);
}

void credential_use(const detect::Registry& r, const Tally& t, const CoverageOptions& o,
                    CoverageReport& out) {
  // Each actor's first problem with a credential it used, by kind of problem, then credential
  // id, so the list does not depend on the order of the scan.
  static constexpr const char* kProblems[] = {"unregistered credential",
                                              "another identity's credential",
                                              "a human's credential", "shared with another actor"};
  absl::flat_hash_map<std::string, std::pair<int, std::string>> problems;
  auto note = [&problems](const std::string& actor, int problem, const std::string& credential) {
    auto [it, inserted] = problems.emplace(actor, std::make_pair(problem, credential));
    if (!inserted && std::make_pair(problem, credential) < it->second) {
      it->second = {problem, credential};
    }
  };
  for (const auto& [id, c] : t.credentials) {
    const detect::Credential* registered = r.credential(id);
    for (const std::string& user : c.users) {
      if (registered == nullptr) {
        note(user, 0, id);
      } else if (registered->agent != user) {
        note(user, 1, id);
      } else if (registered->kind == detect::CredentialKind::kHuman) {
        note(user, 2, id);
      } else if (c.users.size() > 1) {
        note(user, 3, id);
      }
    }
  }
  for (const auto& [id, a] : t.actors) {
    if (!a.used_credential) continue;
    const detect::AgentVersion* v = r.agent_at(id, out.as_of_us);
    if (v == nullptr || !nhi_kind(v->kind)) continue;
    ++out.nhi_using_credentials;
    if (auto it = problems.find(id); it != problems.end()) {
      out.not_distinct.push_back({id, it->second.second, kProblems[it->second.first]});
    } else {
      ++out.nhi_own_distinct;
    }
  }
  std::sort(out.not_distinct.begin(), out.not_distinct.end(),
            [](const auto& a, const auto& b) { return a.actor < b.actor; });
  if (out.not_distinct.size() > o.list_limit) out.not_distinct.resize(o.list_limit);
}

void prod_writers(const detect::Registry& r, const CoverageOptions& o, CoverageReport& out) {
  const detect::EnvMask prod = r.env_bit("prod");
  const detect::ClassMask change =
      detect::class_bit(ActionClass::kWrite) | detect::class_bit(ActionClass::kDelete) |
      detect::class_bit(ActionClass::kAdmin) | detect::class_bit(ActionClass::kEscalate);
  for (const auto& [id, agent] : r.agents()) {
    const detect::AgentVersion* v = r.agent_at(id, out.as_of_us);
    if (v == nullptr || !nhi_kind(v->kind) || v->status != detect::AgentStatus::kActive) continue;
    bool able = false;
    for (const detect::Scope& s : v->scopes) {
      if (s.valid.contains(out.as_of_us) && (s.envs & prod) != 0 && (s.classes & change) != 0) {
        able = true;
        break;
      }
    }
    if (!able) continue;
    ++out.prod_writers;
    out.prod_writer_list.push_back({id, std::string(detect::agent_kind_name(v->kind)), v->owner});
  }
  std::sort(out.prod_writer_list.begin(), out.prod_writer_list.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  if (out.prod_writer_list.size() > o.list_limit) out.prod_writer_list.resize(o.list_limit);
}

void credentials(const detect::Registry& r, const CoverageOptions& o, CoverageReport& out) {
  const int64_t max_ttl = r.policy().max_credential_ttl_us;
  out.credentials_by_kind = {{"jit"}, {"static"}, {"human"}};
  struct Bin {
    const char* label;
    int64_t upto;  // inclusive upper bound of the lifetime
  };
  static constexpr Bin kBins[] = {{"<= 15m", 15 * kMinuteUs}, {"<= 1h", kHourUs},
                                  {"<= 4h", 4 * kHourUs},     {"<= 1d", kDayUs},
                                  {"<= 30d", 30 * kDayUs},    {"> 30d", INT64_MAX}};
  out.lifetimes.clear();
  int64_t lower = 0;
  for (const Bin& b : kBins) {
    out.lifetimes.push_back({b.label, 0, lower >= max_ttl});
    lower = b.upto;
  }
  out.lifetimes.push_back({"no expiry", 0, true});
  std::vector<std::pair<bool, std::string>> over;  // (held by a non-agent, id): agents' first
  for (const auto& [id, c] : r.credentials()) {
    int64_t end = INT64_MAX;
    if (c.expires_at) end = std::min(end, *c.expires_at);
    if (c.revoked_at) end = std::min(end, *c.revoked_at);
    if (!(c.issued_at < o.to_us && end > o.from_us)) continue;
    ++out.credentials;
    auto& k = out.credentials_by_kind[static_cast<int>(c.kind)];
    ++k.count;
    bool long_lived = false;
    if (!c.expires_at || c.issued_at == detect::kBeginningOfTime) {
      ++k.no_expiry;
      ++out.lifetimes.back().count;
      long_lived = true;
    } else {
      int64_t life = *c.expires_at - c.issued_at;
      size_t bin = 0;
      while (life > kBins[bin].upto) ++bin;
      ++out.lifetimes[bin].count;
      if (life > max_ttl || c.kind == detect::CredentialKind::kStatic) {
        ++k.over_max;
        long_lived = true;
      } else {
        ++k.within_max;
      }
    }
    if (long_lived) {
      ++out.credentials_over_max;
      const detect::AgentVersion* holder = r.agent_at(c.agent, out.as_of_us);
      bool agent = holder != nullptr && holder->kind == detect::AgentKind::kAgent;
      over.emplace_back(!agent, id);
    }
  }
  std::sort(over.begin(), over.end());
  for (size_t i = 0; i < over.size() && i < o.list_limit; ++i) {
    out.over_max_list.push_back(over[i].second);
  }
}

void revocations(const detect::Registry& r, const Tally& t,
                 const absl::flat_hash_map<std::string, int64_t>& first_alert,
                 const CoverageOptions& o, CoverageReport& out) {
  std::vector<int64_t> to_last_use;
  absl::flat_hash_map<std::string, std::pair<int64_t, std::string>> earliest_after_alert;
  for (const auto& [id, c] : r.credentials()) {
    if (!c.revoked_at || *c.revoked_at < o.from_us || *c.revoked_at >= o.to_us) continue;
    const int64_t revoked = *c.revoked_at;
    ++out.revoked;
    if (auto it = t.credentials.find(id); it != t.credentials.end()) {
      if (it->second.last_use_us >= revoked) {
        ++out.used_after_revocation;
        to_last_use.push_back(it->second.last_use_us - revoked);
        out.used_after_list.push_back({id, c.agent, revoked, it->second.last_use_us});
      }
    }
    if (auto it = first_alert.find(c.agent); it != first_alert.end() && revoked > it->second) {
      auto [e, inserted] = earliest_after_alert.emplace(c.agent, std::make_pair(revoked, id));
      if (!inserted &&
          (revoked < e->second.first || (revoked == e->second.first && id < e->second.second))) {
        e->second = {revoked, id};
      }
    }
  }
  out.revocation_to_last_use = duration_stats(to_last_use);
  std::sort(out.used_after_list.begin(), out.used_after_list.end(),
            [](const auto& a, const auto& b) {
              int64_t da = a.last_use_us - a.revoked_us, db = b.last_use_us - b.revoked_us;
              return da != db ? da > db : a.credential < b.credential;
            });
  if (out.used_after_list.size() > o.list_limit) out.used_after_list.resize(o.list_limit);

  std::vector<int64_t> alert_to_revocation;
  for (const auto& [agent, revocation] : earliest_after_alert) {
    const int64_t first = first_alert.at(agent);
    alert_to_revocation.push_back(revocation.first - first);
    out.alert_to_revocation_list.push_back({agent, revocation.second, first, revocation.first});
  }
  out.first_alert_to_revocation = duration_stats(alert_to_revocation);
  std::sort(out.alert_to_revocation_list.begin(), out.alert_to_revocation_list.end(),
            [](const auto& a, const auto& b) {
              int64_t da = a.revoked_us - a.first_alert_us, db = b.revoked_us - b.first_alert_us;
              return da != db ? da > db : a.agent < b.agent;
            });
  if (out.alert_to_revocation_list.size() > o.list_limit) {
    out.alert_to_revocation_list.resize(o.list_limit);
  }
}

void destructive(const detect::Registry& r, Tally& t, const CoverageOptions& o,
                 CoverageReport& out) {
  const int64_t window = r.policy().snapshot_window_us;
  absl::flat_hash_map<std::string, std::vector<int64_t>> snapshots;
  for (auto& [resource, ts] : t.snapshots) snapshots[resource].push_back(ts);
  for (auto& [resource, times] : snapshots) std::sort(times.begin(), times.end());
  std::map<std::string, CoverageReport::EnvDestructive> by_env;
  std::sort(t.deletes.begin(), t.deletes.end(), [](const auto& a, const auto& b) {
    return a.ts_us != b.ts_us ? a.ts_us < b.ts_us : a.key < b.key;
  });
  for (const DeleteRecord& d : t.deletes) {
    bool snapshot = false;
    if (auto it = snapshots.find(d.resource); it != snapshots.end()) {
      auto at = std::lower_bound(it->second.begin(), it->second.end(), d.ts_us - window);
      snapshot = at != it->second.end() && *at <= d.ts_us;
    }
    auto& env = by_env[d.env];
    if (env.env.empty()) {
      env.env = d.env;
      const detect::EnvMask bit = r.env_bit(d.env);
      env.approval_required = (r.policy().approval_required_envs & bit) != 0;
      env.snapshot_required = (r.policy().snapshot_required_envs & bit) != 0;
    }
    ++env.deletes;
    if (d.approval) ++env.with_approval;
    if (snapshot) ++env.with_snapshot;
    bool unprotected =
        (env.approval_required && !d.approval) || (env.snapshot_required && !snapshot);
    if (unprotected && out.unprotected.size() < o.list_limit) {
      out.unprotected.push_back({d.key, d.actor, d.resource, d.env, d.ts_us, d.approval, snapshot});
    }
  }
  for (auto& [name, env] : by_env) out.destructive.push_back(std::move(env));
}

void freezes(const Tally& t, CoverageReport& out) {
  out.frozen_by_class = t.frozen_by_class;
  out.frozen_break_glass_by_class = t.frozen_break_glass_by_class;
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    out.frozen_events += t.frozen_by_class[c];
    if (bit(static_cast<ActionClass>(c)) & kChangeClasses) {
      out.frozen_changes += t.frozen_by_class[c];
      out.frozen_changes_break_glass += t.frozen_break_glass_by_class[c];
    }
  }
  for (const auto& [id, f] : t.freezes) {
    out.freezes.push_back({id, f.events, f.changes, f.changes_break_glass});
  }
}

// Alerts by rule, severity and time bin, and each agent's first alert, in one pass over the
// period's alerts (never all of them in memory: a store can hold millions).
Status alert_figures(const EvidenceStore& store, const CoverageOptions& o,
                     absl::flat_hash_map<std::string, int64_t>* first_alert, CoverageReport& out) {
  // Bins cover the period's events; an alert's event is one of them, but a bin is clamped for
  // safety.
  int64_t lo = out.first_event_us, hi = out.last_event_us;
  int64_t bin = o.bin_us;
  if (bin <= 0) {
    const int64_t span = hi - lo;
    bin = span <= 2 * kDayUs ? kHourUs : span <= 90 * kDayUs ? kDayUs : 7 * kDayUs;
  }
  // Bound the number of bins whatever the caller asked for: the chart has a finite width.
  constexpr int64_t kMaxBins = 2000;
  while ((hi - lo) / bin + 1 > kMaxBins) bin *= 2;
  const int64_t first_bin = floor_div(lo, bin);
  const int64_t bins = out.events > 0 ? floor_div(hi, bin) - first_bin + 1 : 0;
  std::vector<CoverageReport::AlertBin> series(static_cast<size_t>(bins));
  for (int64_t i = 0; i < bins; ++i) series[i].start_us = (first_bin + i) * bin;
  std::map<std::string, CoverageReport::RuleAlerts, std::less<>> by_rule;
  AW_RETURN_IF_ERROR(store.scan_alerts(o.from_us, o.to_us, [&](const StoredAlert& a) {
    ++out.alerts;
    ++out.alerts_by_severity[static_cast<int>(a.severity)];
    auto rule = by_rule.find(a.rule);
    if (rule == by_rule.end()) {
      rule = by_rule.emplace(a.rule, CoverageReport::RuleAlerts{a.rule, a.severity, 0, 0}).first;
    }
    ++rule->second.count;
    if (a.retro) ++rule->second.retro;
    auto [first, inserted] = first_alert->try_emplace(a.agent, a.event_time_us);
    if (!inserted) first->second = std::min(first->second, a.event_time_us);
    if (bins > 0) {
      int64_t i = std::clamp<int64_t>(floor_div(a.event_time_us, bin) - first_bin, 0, bins - 1);
      ++series[i].by_severity[static_cast<int>(a.severity)];
    }
  }));
  for (auto& [id, rule] : by_rule) out.alerts_by_rule.push_back(std::move(rule));
  std::stable_sort(out.alerts_by_rule.begin(), out.alerts_by_rule.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  if (bins > 0) {
    out.bin_us = bin;
    out.alert_bins = std::move(series);
  }
  return Status::ok_status();
}

void sources(Tally& t, const CoverageOptions& o, CoverageReport& out) {
  for (auto& [name, s] : t.sources) {
    CoverageReport::SourceFigures f;
    f.source = name;
    f.events = s.events;
    f.with_seq = s.with_seq;
    f.with_credential = s.with_credential;
    f.first_us = s.first_us;
    f.last_us = s.last_us;
    std::sort(s.seqs.begin(), s.seqs.end());
    s.seqs.erase(std::unique(s.seqs.begin(), s.seqs.end()), s.seqs.end());
    for (size_t i = 1; i < s.seqs.size(); ++i) {
      uint64_t skipped = s.seqs[i] - s.seqs[i - 1] - 1;
      if (skipped > 0) {
        ++f.seq_gaps;
        f.missing_records += skipped;
      }
    }
    std::vector<int64_t> minutes(s.minutes.begin(), s.minutes.end());
    std::sort(minutes.begin(), minutes.end());
    for (size_t i = 1; i < minutes.size(); ++i) {
      int64_t empty = minutes[i] - minutes[i - 1] - 1;
      if (empty >= o.silence_minutes) {
        ++f.silent_periods;
        f.longest_silence_us = std::max(f.longest_silence_us, empty * kMinuteUs);
      }
    }
    out.sources.push_back(std::move(f));
  }
  std::sort(out.sources.begin(), out.sources.end(),
            [](const auto& a, const auto& b) { return a.source < b.source; });
}

}  // namespace

DurationStats duration_stats(std::vector<int64_t> samples) {
  DurationStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  __int128 sum = 0;
  for (int64_t v : samples) sum += v;
  s.mean_us = static_cast<int64_t>(sum / static_cast<__int128>(samples.size()));
  auto rank = [&](int percent) {
    // Nearest rank: the ceil(p * n)-th smallest, computed in integers.
    size_t k = (static_cast<size_t>(percent) * samples.size() + 99) / 100;
    return samples[std::max<size_t>(k, 1) - 1];
  };
  s.p50_us = rank(50);
  s.p90_us = rank(90);
  s.max_us = samples.back();
  return s;
}

Result<CoverageReport> compute_coverage_report(const EvidenceStore& store,
                                               const CoverageOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  if (o.from_us >= o.to_us) return Status::invalid_argument("coverage: from must be before to");
  if (o.silence_minutes < 1) {
    return Status::invalid_argument("coverage: silence must be at least one minute");
  }
  if (o.threads < 1) return Status::invalid_argument("coverage: threads must be at least 1");
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  // Performance note: parsing a large registry file (agents and credentials) takes seconds; the
  // scan needs only its freezes, approvals and policy, so the whole registry loads on a thread
  // of its own while the scan runs (when the file can be cut; otherwise first, in sequence).
  std::optional<Result<StoredRegistry>> full;
  double registry_seconds = 0;
  auto load_full = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    full.emplace(load_stored_registry(store));
    registry_seconds = seconds_since(t0);
  };
  auto controls = load_stored_controls(store);
  std::thread loader;
  if (controls.ok()) {
    loader = std::thread(load_full);
  } else {
    load_full();
    if (!full->ok()) return full->status();
  }
  struct JoinOnExit {
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join_loader{loader};
  const detect::Registry& control_registry =
      controls.ok() ? controls->registry : full->value().registry;

  CoverageReport out;
  out.from_us = o.from_us;
  out.to_us = o.to_us;
  out.max_credential_ttl_us = control_registry.policy().max_credential_ttl_us;
  out.snapshot_window_us = control_registry.policy().snapshot_window_us;
  out.silence_minutes = o.silence_minutes;
  out.list_limit = o.list_limit;

  // Snapshots a little before the period still protect deletes at its start.
  const int64_t scan_from = o.from_us > ingest::kMinTimeUs + out.snapshot_window_us
                                ? o.from_us - out.snapshot_window_us
                                : ingest::kMinTimeUs;
  const auto scan_started = std::chrono::steady_clock::now();
  std::vector<Tally> tallies(static_cast<size_t>(o.threads));
  std::vector<Scanner> scanners;
  scanners.reserve(tallies.size());
  for (Tally& t : tallies) scanners.emplace_back(control_registry, o.from_us, t);
  AW_RETURN_IF_ERROR(store.scan_blocks(scan_from, o.to_us, o.threads,
                                       [&](int worker, std::span<const ingest::Event> events) {
                                         scanners[worker].block(events);
                                         return true;
                                       }));
  const double scan_seconds = seconds_since(scan_started);
  if (loader.joinable()) loader.join();
  if (!full->ok()) return full->status();
  const StoredRegistry& stored = full->value();
  const detect::Registry& registry = stored.registry;
  out.registry_recorded = stored.recorded;
  out.registry_note = stored.note;
  Tally& t = tallies[0];
  for (size_t i = 1; i < tallies.size(); ++i) merge(t, tallies[i]);
  out.events = t.events;
  if (t.events > 0) {
    out.first_event_us = t.first_us;
    out.last_event_us = t.last_us;
  }
  out.as_of_us = (t.events > 0 ? std::min(o.to_us, t.last_us + 1) : o.to_us) - 1;

  absl::flat_hash_map<std::string, int64_t> first_alert;  // per agent
  AW_RETURN_IF_ERROR(alert_figures(store, o, &first_alert, out));

  identities(registry, t, o, out);
  credential_use(registry, t, o, out);
  prod_writers(registry, o, out);
  credentials(registry, o, out);
  revocations(registry, t, first_alert, o, out);
  destructive(control_registry, t, o, out);
  freezes(t, out);
  sources(t, o, out);
  out.registry_seconds = registry_seconds;
  out.scan_seconds = scan_seconds;
  out.seconds = seconds_since(started);
  return out;
}

}  // namespace aw::store
