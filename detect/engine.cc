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
  // Performance note: the look-ups that miss the cache (the duplicate set, the agent and
  // credential tables) are made for the whole segment first, in a loop without dependencies
  // between iterations, so the CPU overlaps the misses; the duplicate set is also prefetched
  // a few events ahead. One miss per look-up in series cost more than the rules themselves.
  const size_t count = end - begin;
  fingerprints_.resize(count);
  agents_.resize(count);
  credentials_.resize(count);
  for (size_t k = 0; k < count; ++k) {
    const ingest::Event& e = batch.events[begin + k];
    fingerprints_[k] = state_.fingerprint(e.source, e.id, e.raw);
    agents_[k] = registry_.agent_at(e.actor_id, e.ts_us);
    credentials_[k] = e.credential_id.empty() ? nullptr : registry_.credential(e.credential_id);
  }
  constexpr size_t kPrefetchDistance = 8;
  for (size_t k = 0; k < std::min(kPrefetchDistance, count); ++k) state_.prefetch(fingerprints_[k]);
  for (size_t k = 0; k < count; ++k) {
    if (k + kPrefetchDistance < count) state_.prefetch(fingerprints_[k + kPrefetchDistance]);
    ingest::Event& event = batch.events[begin + k];
    if (state_.is_duplicate(fingerprints_[k])) {
      event.duplicate = true;
      ++counters_.duplicates;
      continue;
    }
    ++counters_.events;
    judge(event, static_cast<uint32_t>(begin + k), false, out, agents_[k], credentials_[k], true);
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
