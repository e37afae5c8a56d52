#include "detect/alert.h"

#include <cstdio>

#include "detect/hashing.h"
#include "ingest/json_writer.h"
#include "ingest/redact.h"
#include "ingest/timestamp.h"

namespace aw::detect {
namespace {

constexpr uint64_t kAlertSeedHigh = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kAlertSeedLow = 0xbb67ae8584caa73bULL;
constexpr uint64_t kRawSeed = 0x3c6ef372fe94f82bULL;

void put_hex(uint64_t value, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[value & 0xF];
    value >>= 4;
  }
}

int ocsf_severity_id(rules::Severity severity) {
  switch (severity) {
    case rules::Severity::kInfo:
      return 1;
    case rules::Severity::kLow:
      return 2;
    case rules::Severity::kMedium:
      return 3;
    case rules::Severity::kHigh:
      return 4;
    case rules::Severity::kCritical:
      return 5;
  }
  return 0;
}

std::string_view ocsf_severity_name(rules::Severity severity) {
  switch (severity) {
    case rules::Severity::kInfo:
      return "Informational";
    case rules::Severity::kLow:
      return "Low";
    case rules::Severity::kMedium:
      return "Medium";
    case rules::Severity::kHigh:
      return "High";
    case rules::Severity::kCritical:
      return "Critical";
  }
  return "Unknown";
}

void append_action(const ingest::Event& event, std::string* out) {
  out->append(event.tool);
  if (!event.tool.empty() && !event.verb.empty()) out->push_back(' ');
  out->append(event.verb);
}

// Record content leaves the process through these renderings (alert files, the Kafka topic, the
// store's alert records, query and serve): secrets inside it are redacted (ingest/redact.h).
// The keys that lead to the evidence (event id, source, agent, the evidence key) stay as they
// are; the store keeps the raw record itself unredacted, as evidence.
struct RedactedFields {
  std::string_view summary, facts, action, resource, credential, session;

  RedactedFields(const Alert& alert, const ingest::Event& event, std::string_view raw_action)
      : keep_(kept_id(event.credential_id)) {
    summary = redact(alert.summary, &summary_);
    action = redact(raw_action, &action_);
    resource = redact(event.resource_name, &resource_);
    credential = redact(event.credential_id, &credential_);
    session = redact(event.session, &session_);
    std::string_view raw_facts = alert.facts_json.empty() ? "{}" : alert.facts_json;
    facts = ingest::append_redacted_json(raw_facts, &facts_, keep_) == 0 ? raw_facts : facts_;
  }
  RedactedFields(const RedactedFields&) = delete;
  RedactedFields& operator=(const RedactedFields&) = delete;

 private:
  // A credential named by its AWS access key id (CloudTrail's accessKeyId) keeps its name: the
  // id is how the registry and the SOC know it, and AWS does not treat it as secret. Any other
  // secret-shaped credential id is redacted like the rest.
  static std::string_view kept_id(std::string_view credential_id) {
    ingest::SecretMatch m;
    bool whole_key_id = ingest::find_secret(credential_id, 0, &m) && m.begin == 0 &&
                        m.end == credential_id.size() && m.kind == "aws-access-key-id";
    return whole_key_id ? credential_id : std::string_view();
  }
  // Nothing is copied unless there is something to redact.
  std::string_view redact(std::string_view text, std::string* scratch) const {
    if (!ingest::contains_secret(text, keep_)) return text;
    ingest::append_redacted(text, scratch, keep_);
    return *scratch;
  }
  std::string_view keep_;
  std::string summary_, facts_, action_, resource_, credential_, session_;
};

// Optional strings are written only when present, so absent stays distinguishable from "".
void optional_string(ingest::JsonWriter& json, std::string_view key, std::string_view value) {
  if (!value.empty()) json.string(key, value);
}

void render_native(const Alert& alert, const rules::CompiledRule& rule, const ingest::Event& event,
                   std::string* out) {
  std::string key;
  append_event_key(event, &key);
  std::string action;
  append_action(event, &action);
  const RedactedFields r(alert, event, action);
  ingest::JsonWriter json(*out);
  json.begin_object()
      .string("alert_id", std::string_view(alert.id.data(), alert.id.size()))
      .string("rule", rule.id)
      .string("event_id", event.id)
      .string("severity", rules::severity_name(rule.severity))
      .time("event_time", event.ts_us)
      .time("detected_at", alert.detected_at_us)
      .string("agent", event.actor_id);
  optional_string(json, "credential", r.credential);
  json.string("action", r.action);
  optional_string(json, "resource", r.resource);
  optional_string(json, "env", event.env);
  json.string("source", event.source)
      .string("summary", r.summary)
      .raw("facts", r.facts)
      .begin_array("evidence")
      .element(key)
      .end_array()
      .boolean("retro", alert.retro)
      .end_object();
}

void render_ocsf(const Alert& alert, const rules::CompiledRule& rule, const ingest::Event& event,
                 std::string* out) {
  std::string_view id(alert.id.data(), alert.id.size());
  std::string key;
  append_event_key(event, &key);
  std::string action;
  append_action(event, &action);
  const RedactedFields r(alert, event, action);
  ingest::JsonWriter json(*out);
  json.begin_object()
      .number("activity_id", 1)
      .string("activity_name", "Create")
      .number("category_uid", 2)
      .string("category_name", "Findings")
      .number("class_uid", 2004)
      .string("class_name", "Detection Finding")
      .number("type_uid", 200401)
      .string("type_name", "Detection Finding: Create")
      .number("severity_id", ocsf_severity_id(rule.severity))
      .string("severity", ocsf_severity_name(rule.severity))
      .number("status_id", 1)
      .string("status", "New")
      .number("time", alert.detected_at_us / 1000)
      .time("time_dt", alert.detected_at_us)
      .string("message", r.summary);
  json.key("metadata").begin_object().string("version", "1.3.0");
  json.key("product")
      .begin_object()
      .string("name", "agentwatch")
      .string("vendor_name", "agentwatch")
      .string("version", "0.1.0")
      .end_object();
  json.string("uid", id).end_object();
  json.key("finding_info").begin_object().string("uid", id).string("title", rule.name);
  optional_string(json, "desc", rule.description);
  json.begin_array("types").element(rule.id).end_array();
  json.key("analytic")
      .begin_object()
      .string("uid", rule.id)
      .string("name", rule.name)
      .number("type_id", 1)
      .string("type", "Rule")
      .end_object();
  json.number("first_seen_time", event.ts_us / 1000)
      .number("last_seen_time", event.ts_us / 1000)
      .number("created_time", alert.detected_at_us / 1000)
      .end_object();
  json.key("actor").begin_object().key("user").begin_object().string("uid", event.actor_id);
  if (event.actor_type != ingest::ActorType::kUnknown) {
    json.string("type", ingest::actor_type_name(event.actor_type));
  }
  json.end_object();
  if (!r.session.empty()) {
    json.key("session").begin_object().string("uid", r.session).end_object();
  }
  json.end_object();
  if (!r.resource.empty()) {
    json.begin_array("resources");
    json.begin_object_element().string("uid", r.resource);
    optional_string(json, "type", event.resource_type);
    json.end_object().end_array();
  }
  json.begin_array("evidences");
  json.begin_object_element();
  json.key("data")
      .begin_object()
      .string("event_key", key)
      .string("event_id", event.id)
      .time("event_time", event.ts_us)
      .string("action", r.action);
  optional_string(json, "credential", r.credential);
  optional_string(json, "env", event.env);
  json.end_object().end_object().end_array();
  json.key("unmapped")
      .begin_object()
      .string("rule", rule.id)
      .raw("facts", r.facts)
      .boolean("retro", alert.retro)
      .end_object();
  json.end_object();
}

}  // namespace

void append_event_key(const ingest::Event& event, std::string* out) {
  out->append(event.source);
  if (!event.id.empty()) {
    out->push_back('/');
    out->append(event.id);
    return;
  }
  char hex[16];
  put_hex(hash_bytes(event.raw, kRawSeed), hex);
  out->push_back('#');
  out->append(hex, sizeof(hex));
}

AlertId make_alert_id(std::string_view rule_id, const ingest::Event& event) {
  // rule id, then the event key, with the same field boundaries as append_event_key.
  std::string_view key_part = event.id.empty() ? event.raw : event.id;
  uint64_t tag = event.id.empty() ? 1 : 0;
  uint64_t high = hash_fields(rule_id, event.source, kAlertSeedHigh + tag);
  high = hash_bytes(key_part, high);
  uint64_t low = hash_fields(rule_id, event.source, kAlertSeedLow + tag);
  low = hash_bytes(key_part, low);
  AlertId id;
  put_hex(high, id.data());
  put_hex(low, id.data() + 16);
  return id;
}

void render_alert(AlertFormat format, const Alert& alert, const rules::CompiledRule& rule,
                  const ingest::Event& event, std::string* out) {
  if (format == AlertFormat::kOcsf) {
    render_ocsf(alert, rule, event, out);
  } else {
    render_native(alert, rule, event, out);
  }
}

}  // namespace aw::detect
