#include "tools/workload_truth.h"

#include <algorithm>
#include <cstdio>

#include "ingest/json_writer.h"
#include "tools/workload_generator.h"

namespace aw::tools {
namespace {

constexpr int64_t kMinuteUs = 60LL * 1000000;
constexpr int64_t kHourUs = 60 * kMinuteUs;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool change_class(ingest::ActionClass c) {
  return c == ingest::ActionClass::kWrite || c == ingest::ActionClass::kDelete ||
         c == ingest::ActionClass::kAdmin || c == ingest::ActionClass::kEscalate;
}

void samples(ingest::JsonWriter& json, std::string_view key, std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  std::string array = "[";
  for (int64_t v : values) array += (array.size() > 1 ? "," : "") + std::to_string(v);
  json.raw(key, array + "]");
}

}  // namespace

void WorkloadTruth::add_credential(CredentialFacts credential) {
  credential_index_.emplace(credential.id, static_cast<int64_t>(credentials_.size()));
  credentials_.push_back(std::move(credential));
}

void WorkloadTruth::record(const Record& r) {
  ++events_;
  if (events_ == 1) first_ = last_ = r.ts;
  first_ = std::min(first_, r.ts);
  last_ = std::max(last_, r.ts);

  ActorFacts& actor = actors_[std::string(r.actor_id)];
  if (actor.events == 0) {
    actor.entity = r.entity;
    actor.first = actor.last = r.ts;
  }
  ++actor.events;
  actor.first = std::min(actor.first, r.ts);
  actor.last = std::max(actor.last, r.ts);
  if (r.labels != 0 && (actor.first_label == kNever || r.ts < actor.first_label)) {
    actor.first_label = r.ts;
  }

  SourceFacts& source = sources_[std::string(r.source)];
  ++source.events;
  source.seqs.push_back(r.seq);
  source.minutes.insert(floor_div(r.ts, kMinuteUs));

  if (r.credential >= 0) {
    ++source.with_credential;
    actor.used_credential = true;
    const CredentialFacts& c = credentials_[static_cast<size_t>(r.credential)];
    const bool actor_human = r.entity >= 0 && identities_[r.entity].kind == "human";
    if (r.entity < 0 || c.owner != static_cast<uint32_t>(r.entity) ||
        (c.kind == "human" && !actor_human)) {
      actor.problem = true;
    }
    CredentialUse& use = credential_use_[r.credential];
    use.last_use = std::max(use.last_use, r.ts);
    use.users.insert(std::string(r.actor_id));
  }

  if (r.action_class == ingest::ActionClass::kSnapshot && r.outcome != ingest::Outcome::kFailure &&
      r.outcome != ingest::Outcome::kDenied) {
    last_snapshot_[std::string(r.resource)] = r.ts;
  }
  if (r.action_class == ingest::ActionClass::kDelete) {
    EnvDeletes& env = deletes_[std::string(r.env)];
    ++env.deletes;
    if (r.approved) ++env.approved;
    // Records come in time order, so the latest snapshot so far is the one that counts.
    auto it = last_snapshot_.find(std::string(r.resource));
    if (it != last_snapshot_.end() && it->second >= r.ts - snapshot_window_) ++env.snapshot;
  }
  if (r.frozen) {
    ++frozen_by_class_[static_cast<int>(r.action_class)];
    if (r.break_glass) ++break_glass_by_class_[static_cast<int>(r.action_class)];
  }
  for (int rule = 0; rule < kWorkloadRuleCount; ++rule) {
    if ((r.labels & (1u << rule)) == 0) continue;
    ++labels_by_rule_[rule];
    ++labels_by_hour_[floor_div(r.ts, kHourUs) * kHourUs];
  }
}

Status WorkloadTruth::write(const std::string& path,
                            const std::vector<int64_t>& silence_minutes) const {
  std::string out;
  ingest::JsonWriter json(out);
  json.begin_object().unsigned_number("events", events_);
  json.number("first_event", first_).number("last_event", last_);

  // Identities.
  uint64_t by_kind[4] = {};
  static constexpr std::string_view kKinds[4] = {"agent", "service", "bot", "human"};
  uint64_t nhi = 0;
  std::vector<std::string> unowned, prod_writers;
  for (const Identity& i : identities_) {
    for (int k = 0; k < 4; ++k) by_kind[k] += i.kind == kKinds[k];
    if (i.kind == "human") continue;
    ++nhi;
    if (!i.has_owner) unowned.push_back(i.id);
    if (i.prod_writer) prod_writers.push_back(i.id);
  }
  json.unsigned_number("registered", identities_.size());
  json.key("registered_by_kind").begin_object();
  for (int k = 0; k < 4; ++k) json.unsigned_number(kKinds[k], by_kind[k]);
  json.end_object();
  uint64_t seen_registered = 0;
  json.begin_array("unregistered");
  for (const auto& [id, a] : actors_) {
    if (a.entity >= 0) {
      ++seen_registered;
      continue;
    }
    json.begin_object_element()
        .string("id", id)
        .unsigned_number("events", a.events)
        .number("first", a.first)
        .number("last", a.last)
        .end_object();
  }
  json.end_array();
  json.unsigned_number("seen", actors_.size()).unsigned_number("seen_registered", seen_registered);
  json.unsigned_number("registered_not_seen", identities_.size() - seen_registered);
  json.unsigned_number("nhi", nhi);
  std::sort(unowned.begin(), unowned.end());
  std::sort(prod_writers.begin(), prod_writers.end());
  json.begin_array("without_owner");
  for (const std::string& id : unowned) json.element(id);
  json.end_array().begin_array("prod_writers");
  for (const std::string& id : prod_writers) json.element(id);
  json.end_array();

  // Credential use: NHIs that used credentials, and those whose every credential is their own,
  // not a human's, and used by nobody else.
  std::set<std::string> sharing;
  for (const auto& [index, use] : credential_use_) {
    if (use.users.size() > 1) sharing.insert(use.users.begin(), use.users.end());
  }
  uint64_t using_credentials = 0, own_distinct = 0;
  for (const auto& [id, a] : actors_) {
    if (a.entity < 0 || identities_[a.entity].kind == "human" || !a.used_credential) continue;
    ++using_credentials;
    if (!a.problem && !sharing.contains(id)) ++own_distinct;
  }
  json.unsigned_number("nhi_using_credentials", using_credentials);
  json.unsigned_number("nhi_own_distinct", own_distinct);

  // Credentials by kind and lifetime.
  struct KindFigures {
    uint64_t count = 0, within = 0, over = 0, none = 0;
  };
  std::map<std::string, KindFigures> kinds;
  uint64_t over_max = 0;
  std::vector<int64_t> to_last_use;
  uint64_t revoked = 0;
  std::map<std::string, int64_t> earliest_after_alert;  // agent -> revoked_at
  for (size_t i = 0; i < credentials_.size(); ++i) {
    const CredentialFacts& c = credentials_[i];
    KindFigures& k = kinds[c.kind];
    ++k.count;
    if (c.expires == kNever) {
      ++k.none;
      ++over_max;
    } else if (c.expires - c.issued > max_ttl_ || c.kind == "static") {
      ++k.over;
      ++over_max;
    } else {
      ++k.within;
    }
    if (c.revoked == kNever) continue;
    ++revoked;
    auto use = credential_use_.find(static_cast<int64_t>(i));
    if (use != credential_use_.end() && use->second.last_use >= c.revoked) {
      to_last_use.push_back(use->second.last_use - c.revoked);
    }
    const std::string& agent = identities_[c.owner].id;
    auto actor = actors_.find(agent);
    if (actor != actors_.end() && actor->second.first_label != kNever &&
        c.revoked > actor->second.first_label) {
      auto [it, inserted] = earliest_after_alert.emplace(agent, c.revoked);
      if (!inserted) it->second = std::min(it->second, c.revoked);
    }
  }
  json.unsigned_number("credentials", credentials_.size());
  json.unsigned_number("credentials_over_max", over_max);
  json.key("credentials_by_kind").begin_object();
  for (const auto& [kind, k] : kinds) {
    json.key(kind)
        .begin_object()
        .unsigned_number("count", k.count)
        .unsigned_number("within_max", k.within)
        .unsigned_number("over_max", k.over)
        .unsigned_number("no_expiry", k.none)
        .end_object();
  }
  json.end_object();
  json.unsigned_number("revoked", revoked);
  json.unsigned_number("used_after_revocation", to_last_use.size());
  samples(json, "revocation_to_last_use_us", to_last_use);
  std::vector<int64_t> alert_to_revocation;
  for (const auto& [agent, at] : earliest_after_alert) {
    alert_to_revocation.push_back(at - actors_.at(agent).first_label);
  }
  samples(json, "first_alert_to_revocation_us", alert_to_revocation);

  json.key("destructive").begin_object();
  for (const auto& [env, d] : deletes_) {
    json.key(env)
        .begin_object()
        .unsigned_number("deletes", d.deletes)
        .unsigned_number("with_approval", d.approved)
        .unsigned_number("with_snapshot", d.snapshot)
        .end_object();
  }
  json.end_object();

  json.key("frozen_by_class").begin_object();
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (frozen_by_class_[c] == 0) continue;
    json.unsigned_number(ingest::action_class_name(static_cast<ingest::ActionClass>(c)),
                         frozen_by_class_[c]);
  }
  json.end_object().key("frozen_break_glass_by_class").begin_object();
  uint64_t changes = 0, changes_break_glass = 0;
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (change_class(static_cast<ingest::ActionClass>(c))) {
      changes += frozen_by_class_[c];
      changes_break_glass += break_glass_by_class_[c];
    }
    if (break_glass_by_class_[c] == 0) continue;
    json.unsigned_number(ingest::action_class_name(static_cast<ingest::ActionClass>(c)),
                         break_glass_by_class_[c]);
  }
  json.end_object();
  json.unsigned_number("frozen_changes", changes);
  json.unsigned_number("frozen_changes_break_glass", changes_break_glass);

  json.key("alerts_by_rule").begin_object();
  for (int rule = 0; rule < kWorkloadRuleCount; ++rule) {
    if (labels_by_rule_[rule] > 0)
      json.unsigned_number(kWorkloadRuleIds[rule], labels_by_rule_[rule]);
  }
  json.end_object();
  std::string hours = "[";
  for (const auto& [hour, count] : labels_by_hour_) {
    hours +=
        (hours.size() > 1 ? ",[" : "[") + std::to_string(hour) + "," + std::to_string(count) + "]";
  }
  json.raw("alerts_by_hour", hours + "]");

  json.key("sources").begin_object();
  for (const auto& [name, s] : sources_) {
    std::vector<uint64_t> seqs = s.seqs;
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    uint64_t gaps = 0, missing = 0;
    for (size_t i = 1; i < seqs.size(); ++i) {
      if (seqs[i] > seqs[i - 1] + 1) {
        ++gaps;
        missing += seqs[i] - seqs[i - 1] - 1;
      }
    }
    json.key(name)
        .begin_object()
        .unsigned_number("events", s.events)
        .unsigned_number("seq_gaps", gaps)
        .unsigned_number("missing_records", missing)
        .unsigned_number("with_credential", s.with_credential);
    json.key("silent_periods").begin_object();
    for (int64_t threshold : silence_minutes) {
      uint64_t periods = 0;
      int64_t previous = 0;
      bool any = false;
      for (int64_t minute : s.minutes) {
        if (any && minute - previous - 1 >= threshold) ++periods;
        previous = minute;
        any = true;
      }
      json.unsigned_number(std::to_string(threshold), periods);
    }
    json.end_object().end_object();
  }
  json.end_object().end_object();
  out += '\n';

  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Status::io_error("cannot write " + path);
  bool written = std::fwrite(out.data(), 1, out.size(), file) == out.size();
  if (std::fclose(file) != 0 || !written) return Status::io_error("cannot write " + path);
  return Status();
}

}  // namespace aw::tools
