// Alerts: what the engine raises, and their two renderings (DESIGN.md's native alert JSON and an
// OCSF 1.3 Detection Finding, class_uid 2004).
//
// The engine writes alerts into a caller-owned AlertBuffer that is reused between batches. An
// Alert refers to its rule and event by index; its summary and facts are rendered when it is
// raised (into the buffer's arena), because the facts describe the state at that moment.
//
// Lifetime: an Alert's views live until AlertBuffer::clear(); its event index points into the
// batch it was raised for, so render alerts before the batch is reused.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "ingest/string_arena.h"
#include "rules/rule.h"

namespace aw::detect {

// 128 bits as 32 lowercase hex digits: a stable function of the rule id and the event key, so
// the same alert re-derived after a restart or a replay has the same id.
using AlertId = std::array<char, 32>;

struct Alert {
  uint32_t rule_index = 0;   // into the rule set's rules()
  uint32_t event_index = 0;  // into the batch's events
  bool retro = false;        // raised by re-judging a stored event after a late registry update
  int64_t detected_at_us = 0;
  AlertId id{};
  std::string_view summary;     // the rule's output template, rendered
  std::string_view facts_json;  // a JSON object: the rule's facts and their values
};

struct AlertBuffer {
  std::vector<Alert> alerts;
  ingest::StringArena arena;
  std::string scratch;  // reused while rendering

  void clear() {
    alerts.clear();
    arena.clear();
  }
};

// "source/id"; records without an id use "source#<hash of the record bytes>".
void append_event_key(const ingest::Event& event, std::string* out);
AlertId make_alert_id(std::string_view rule_id, const ingest::Event& event);

enum class AlertFormat : uint8_t { kNative, kOcsf };

// Appends one alert as a JSON object (no newline) in the chosen format. Secrets that record
// content carries into the summary, facts, action, resource, credential or session are replaced
// by "[REDACTED:<kind>]" (ingest/redact.h); the stored record itself stays raw, as evidence.
void render_alert(AlertFormat format, const Alert& alert, const rules::CompiledRule& rule,
                  const ingest::Event& event, std::string* out);

}  // namespace aw::detect
