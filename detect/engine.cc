#include "detect/engine.h"

#include <algorithm>
#include <chrono>

#include "detect/fact_resolver.h"
#include "detect/registry_loader.h"
#include "ingest/json_writer.h"

namespace aw::detect {
namespace {

int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_code_write(const ingest::Event& event) {
  return event.action_class == ingest::ActionClass::kWrite &&
         (event.resource_type == "repo" || event.resource_name.starts_with("repo:"));
}

// The facts of a rule as a JSON object, typed: strings and rendered times/durations as strings,
// bools as bools, counts as numbers.
void render_facts(const rules::CompiledRule& rule, FactResolver& resolver, std::string* out,
                  std::string& text) {
  ingest::JsonWriter json(*out);
  json.begin_object();
  for (rules::FieldId id : rule.facts) {
    const rules::FieldInfo& info = rules::field_info(id);
    rules::FieldValue value = resolver.get(id);
    switch (value.kind) {
      case rules::FieldValue::Kind::kAbsent:
        json.raw(info.name, "null");
        break;
      case rules::FieldValue::Kind::kBool:
        json.boolean(info.name, value.boolean);
        break;
      case rules::FieldValue::Kind::kInt:
        if (info.type == rules::FieldType::kInt) {
          json.number(info.name, value.integer);
        } else {
          text.clear();
          rules::append_field_value(info.type, value, &text);
          json.string(info.name, text);
        }
        break;
      case rules::FieldValue::Kind::kString:
        json.string(info.name, value.string);
        break;
    }
  }
  json.end_object();
}

}  // namespace

Engine::Engine(const rules::RuleSet& rules, Registry& registry, const EngineOptions& options)
    : rule_set_(rules),
      rules_(rules.rules()),
      registry_(registry),
      options_(options),
      state_(options.correlation) {
  counters_.alerts_by_rule.assign(rules_.size(), 0);
}

void Engine::apply_update(const ingest::ControlRecord& control, std::string_view origin) {
  std::string where = std::string(origin) + ":" + std::to_string(control.position.line);
  auto applied = apply_registry_update(registry_, control.raw, where);
  if (!applied.ok()) {
    ++counters_.rejected_updates;
    rejected_.push_back(RejectedUpdate{control, applied.status().message()});
    return;
  }
  ++counters_.registry_updates;
  applied_.push_back(AppliedRecord{control, *applied});
  // A change effective before events already judged: those events deserve a second look.
  if (applied->at <= latest_event_us_) {
    // Agent and credential changes touch their own events; the others may touch any event.
    std::string id = applied->kind == "agent" || applied->kind == "credential" ? applied->id : "";
    rechecks_.push_back(RecheckRequest{applied->kind, std::move(id), applied->at});
  }
}

void Engine::process(ingest::EventBatch& batch, std::string_view origin, AlertBuffer& out) {
  batch_detected_at_us_ = options_.detected_at_us != 0 ? options_.detected_at_us : wall_clock_us();
  const size_t n = batch.events.size();
  size_t next_control = 0;
  size_t begin = 0;
  while (begin < n) {
    // Updates apply between the events they arrived between; the events up to the next update
    // form one segment, judged against a registry that does not change under it.
    while (next_control < batch.controls.size() &&
           batch.controls[next_control].before_event <= begin) {
      apply_update(batch.controls[next_control++], origin);
    }
    size_t end = next_control < batch.controls.size()
                     ? std::min(n, batch.controls[next_control].before_event)
                     : n;
    judge_segment(batch, begin, end, out);
    begin = end;
  }
  while (next_control < batch.controls.size()) apply_update(batch.controls[next_control++], origin);
}

void Engine::judge_segment(ingest::EventBatch& batch, size_t begin, size_t end, AlertBuffer& out) {
  // Performance note: the look-ups miss the cache (the duplicate set, the agent and credential
  // indexes, the entries they point at), and one miss after another in series cost more than
  // the rules themselves. So each event goes through four stages, software-pipelined
  // kStageDistance events apart: (0) prefetch its record's bytes, (1) hash its keys and
  // prefetch their slots, (2) probe the indexes and prefetch the entries found, (3) judge it.
  // Each stage's loads were started a distance earlier and overlap with the work in between,
  // yet are still in L1/L2 when used.
  constexpr size_t kStageDistance = 4;
  const size_t count = end - begin;
  fingerprints_.resize(count);
  agents_.resize(count);
  credentials_.resize(count);
  agent_hashes_.resize(count);
  credential_hashes_.resize(count);
  const IdIndex<Agent>& agent_index = registry_.agent_index();
  const IdIndex<Credential>& credential_index = registry_.credential_index();
  auto hash_and_prefetch = [&](size_t k) {
    const ingest::Event& e = batch.events[begin + k];
    fingerprints_[k] = state_.fingerprint(e.source, e.id, e.raw);
    state_.prefetch(fingerprints_[k]);
    agent_hashes_[k] = agent_index.hash(e.actor_id);
    agent_index.prefetch(agent_hashes_[k]);
    if (!e.credential_id.empty()) {
      credential_hashes_[k] = credential_index.hash(e.credential_id);
      credential_index.prefetch(credential_hashes_[k]);
    }
  };
  auto find_entries = [&](size_t k) {
    const ingest::Event& e = batch.events[begin + k];
    const Agent* agent = agent_index.find(e.actor_id, agent_hashes_[k]);
    agents_[k] = Registry::version_at(agent, e.ts_us);
    const Credential* credential = nullptr;
    if (!e.credential_id.empty()) {
      credential = credential_index.find(e.credential_id, credential_hashes_[k]);
      // The facts read the first two lines of the entry (see Credential); the id was compared
      // inline in the index.
      if (credential != nullptr) {
        __builtin_prefetch(credential);
        __builtin_prefetch(reinterpret_cast<const char*>(credential) + 64);
      }
    }
    credentials_[k] = credential;
  };
  // Stage 0: the record's bytes, which the event's fields point into (sparse reads across the
  // 400-500 bytes of a typical record defeat the hardware prefetcher). Measured: capping this
  // at the first KiB, for huge records, made the typical case ~12% slower, and a huge record
  // (at most max_record_bytes) costs far more to decode than to prefetch.
  auto prefetch_record = [&](size_t k) {
    std::string_view raw = batch.events[begin + k].raw;
    for (size_t offset = 0; offset < raw.size(); offset += 64) {
      __builtin_prefetch(raw.data() + offset);
    }
  };
  for (size_t k = 0; k < std::min(kStageDistance, count); ++k) prefetch_record(k);
  for (size_t k = 0; k < count + 2 * kStageDistance; ++k) {
    if (k + kStageDistance < count) prefetch_record(k + kStageDistance);
    if (k < count) hash_and_prefetch(k);
    if (k >= kStageDistance && k - kStageDistance < count) find_entries(k - kStageDistance);
    if (k < 2 * kStageDistance) continue;
    const size_t j = k - 2 * kStageDistance;
    ingest::Event& event = batch.events[begin + j];
    if (state_.is_duplicate(fingerprints_[j])) {
      event.duplicate = true;
      ++counters_.duplicates;
      continue;
    }
    ++counters_.events;
    judge(event, static_cast<uint32_t>(begin + j), false, out, agents_[j], credentials_[j], true);
    learn(event);
    if (event.ts_us > latest_event_us_) latest_event_us_ = event.ts_us;
  }
}

void Engine::rejudge(const ingest::Event& event, uint32_t event_index, AlertBuffer& out) {
  // Re-judging follows the batch whose update asked for it: its detection time applies.
  if (batch_detected_at_us_ == 0) {
    batch_detected_at_us_ =
        options_.detected_at_us != 0 ? options_.detected_at_us : wall_clock_us();
  }
  judge(event, event_index, true, out, nullptr, nullptr, false);
}

void Engine::judge(const ingest::Event& event, uint32_t event_index, bool retro, AlertBuffer& out,
                   const AgentVersion* agent, const Credential* credential, bool resolved) {
  FactResolver resolver(event, registry_, state_);
  if (resolved) resolver.prime(agent, credential);
  if (event.has_seq && !retro) {
    uint64_t expected = 0;
    bool gap = state_.sequence_gap(event.source, event.seq, &expected, event.position.partition);
    resolver.set_sequence(gap, expected);
  }
  for (uint16_t index : rule_set_.candidates(event.action_class)) {
    const rules::CompiledRule& rule = rules_[index];
    if (!rule.condition.matches(resolver)) continue;
    if (rule.threshold) {
      // A re-judged event was counted when it arrived; counting it again would double it.
      if (retro) continue;
      rules::FieldValue group = resolver.get(rule.threshold->group_by);
      std::string_view key = group.string;
      char number[24];
      if (group.kind == rules::FieldValue::Kind::kInt) {
        int n =
            std::snprintf(number, sizeof(number), "%lld", static_cast<long long>(group.integer));
        key = std::string_view(number, static_cast<size_t>(n));
      }
      if (!state_.threshold_crossed(index, key, event.ts_us, rule.threshold->window_us,
                                    rule.threshold->count)) {
        continue;
      }
    }
    Alert alert;
    alert.rule_index = index;
    alert.event_index = event_index;
    alert.retro = retro;
    alert.detected_at_us = batch_detected_at_us_;
    alert.id = make_alert_id(rule.id, event);
    out.scratch.clear();
    rule.output.render(resolver, &out.scratch);
    alert.summary = out.arena.copy(out.scratch);
    out.scratch.clear();
    render_facts(rule, resolver, &out.scratch, fact_text_);
    alert.facts_json = out.arena.copy(out.scratch);
    out.alerts.push_back(alert);
    if (!retro) {  // a re-judged event's alerts may repeat earlier ones; the caller filters them
      ++counters_.alerts;
      ++counters_.alerts_by_rule[index];
    }
  }
}

void Engine::learn(const ingest::Event& event) {
  if (event.action_class == ingest::ActionClass::kSnapshot &&
      event.outcome != ingest::Outcome::kFailure && event.outcome != ingest::Outcome::kDenied) {
    state_.record_snapshot(event.resource_name, event.ts_us);
  }
  if (is_code_write(event)) {
    state_.record_code_write(event.actor_id, event.task, event.session, event.ts_us);
  }
}

}  // namespace aw::detect
