#include "tools/serve_api.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "detect/alert.h"
#include "ingest/json_writer.h"
#include "ingest/timestamp.h"
#include "store/coverage_report.h"
#include "tools/coverage_render.h"

namespace aw::tools {
namespace {

using ingest::JsonWriter;

ApiResponse error(int status, const std::string& message) {
  ApiResponse r;
  r.status = status;
  JsonWriter(r.body).begin_object().string("error", message).end_object();
  return r;
}

std::string param(const QueryParams& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

// Notes say what a request asked for that the server bounded.
class Notes {
 public:
  void add(std::string note) { notes_.push_back(std::move(note)); }
  void write(JsonWriter& j) const {
    j.begin_array("notes");
    for (const auto& n : notes_) j.element(n);
    j.end_array();
  }

 private:
  std::vector<std::string> notes_;
};

// ?limit=N, clamped to [1, max_limit].
bool parse_limit(const QueryParams& params, const ServeLimits& limits, size_t* limit, Notes* notes,
                 std::string* problem) {
  *limit = limits.default_limit;
  std::string text = param(params, "limit");
  if (text.empty()) return true;
  uint64_t asked = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), asked);
  if (ec != std::errc() || end != text.data() + text.size() || asked == 0) {
    if (ec == std::errc::result_out_of_range) {
      asked = UINT64_MAX;
    } else {
      *problem = "limit must be a positive integer, not '" + text + "'";
      return false;
    }
  }
  if (asked > limits.max_limit) {
    notes->add("limit " + text + " clamped to " + std::to_string(limits.max_limit));
    asked = limits.max_limit;
  }
  *limit = static_cast<size_t>(asked);
  return true;
}

// ?from=&to= (RFC 3339); open ends default to the store's span; a range longer than `longest`
// keeps its newest part.
bool parse_range(const QueryParams& params, std::pair<int64_t, int64_t> span, int64_t longest,
                 int64_t* from, int64_t* to, Notes* notes, std::string* problem) {
  std::string from_text = param(params, "from"), to_text = param(params, "to");
  *from = span.first;
  *to = span.second;
  if (span.first == span.second) {  // an empty store: any range is cheap
    *from = ingest::kMinTimeUs;
    *to = ingest::kMaxTimeUs;
  }
  if (!from_text.empty() && !ingest::parse_rfc3339(from_text, from)) {
    *problem = "from '" + from_text + "' is not an RFC 3339 time";
    return false;
  }
  if (!to_text.empty() && !ingest::parse_rfc3339(to_text, to)) {
    *problem = "to '" + to_text + "' is not an RFC 3339 time";
    return false;
  }
  if (*from >= *to) {
    *problem = "from must be before to";
    return false;
  }
  // Stored events lie within the span: clip to it before judging the length.
  if (span.first != span.second) {
    *from = std::max(*from, span.first);
    *to = std::min(*to, span.second);
    if (*from >= *to) *from = *to - 1;  // nothing stored in the asked range
  }
  if (*to - *from > longest) {
    *from = *to - longest;
    notes->add("time range clamped to its newest " + std::to_string(longest / 3600000000LL) +
               " hours: from " + ingest::format_rfc3339(*from));
  }
  return true;
}

void optional_string(JsonWriter& j, std::string_view key, std::string_view value) {
  if (!value.empty()) j.string(key, value);
}

void event_fields(JsonWriter& j, const store::StoredEvent& s, std::string_view key) {
  const ingest::Event& e = s.event;
  j.time("ts", e.ts_us).string("key", key).string("source", e.source);
  optional_string(j, "id", e.id);
  if (e.has_seq) j.unsigned_number("seq", e.seq);
  j.string("agent", e.actor_id).string("actor_type", ingest::actor_type_name(e.actor_type));
  optional_string(j, "credential", e.credential_id);
  optional_string(j, "session", e.session);
  optional_string(j, "task", e.task);
  optional_string(j, "tool", e.tool);
  optional_string(j, "verb", e.verb);
  j.string("class", ingest::action_class_name(e.action_class));
  optional_string(j, "resource_type", e.resource_type);
  optional_string(j, "resource", e.resource_name);
  optional_string(j, "env", e.env);
  j.string("outcome", ingest::outcome_name(e.outcome));
  optional_string(j, "approval", e.approval);
  optional_string(j, "src_ip", e.src_ip);
}

std::string time_or_dash(int64_t t) {
  return t == detect::kBeginningOfTime || t == detect::kEndOfTime ? "-" : ingest::format_rfc3339(t);
}

std::string interval_text(const detect::Interval& i) {
  return "[" + time_or_dash(i.from) + ", " + time_or_dash(i.until) + ")";
}

std::string globs_text(const std::vector<rules::Glob>& globs) {
  if (globs.empty()) return "any";
  std::string out;
  for (const auto& g : globs) out += (out.empty() ? "" : ",") + g.pattern();
  return out;
}

bool any_matches(const std::vector<rules::Glob>& globs, std::string_view text) {
  if (globs.empty()) return true;
  for (const auto& g : globs) {
    if (g.matches(text)) return true;
  }
  return false;
}

std::string classes_text(detect::ClassMask mask) {
  if (mask == detect::kAllClasses) return "any";
  std::string out;
  for (int c = 1; c < ingest::kActionClassCount; ++c) {
    if (mask & (1u << c)) {
      out += (out.empty() ? "" : ",") +
             std::string(ingest::action_class_name(static_cast<ingest::ActionClass>(c)));
    }
  }
  return out;
}

// The registry as it applied at the event's time: the agent's version and which of its scopes
// cover the event, the credential's state, the active freeze and the covering approval.
void registry_state(JsonWriter& j, const detect::Registry& r, const ingest::Event& e) {
  j.key("registry").begin_object().time("at", e.ts_us);
  const detect::AgentVersion* agent = r.agent_at(e.actor_id, e.ts_us);
  if (agent == nullptr) {
    j.raw("agent", "null");
  } else {
    const detect::EnvMask env = r.env_bit(e.env);
    bool in_scope = false;
    j.key("agent")
        .begin_object()
        .string("id", e.actor_id)
        .string("status", detect::agent_status_name(agent->status))
        .string("owner", agent->owner)
        .string("kind", detect::agent_kind_name(agent->kind))
        .string("since", agent->from == detect::kBeginningOfTime
                             ? std::string("registry file")
                             : ingest::format_rfc3339(agent->from));
    j.begin_array("scopes");
    for (const detect::Scope& s : agent->scopes) {
      bool covers =
          any_matches(s.tools, e.tool) && (s.classes & detect::class_bit(e.action_class)) &&
          any_matches(s.resources, e.resource_name) && (s.envs & env) && s.valid.contains(e.ts_us);
      in_scope = in_scope || covers;
      j.begin_object_element()
          .string("tools", globs_text(s.tools))
          .string("classes", classes_text(s.classes))
          .string("resources", globs_text(s.resources))
          .string("valid", interval_text(s.valid))
          .boolean("covers_event", covers)
          .end_object();
    }
    j.end_array().boolean("in_scope", in_scope).end_object();
  }
  if (e.credential_id.empty()) {
    j.raw("credential", "null");
  } else if (const detect::Credential* c = r.credential(e.credential_id); c == nullptr) {
    j.key("credential")
        .begin_object()
        .string("id", e.credential_id)
        .string("state", "not registered")
        .end_object();
  } else {
    std::string state = "valid";
    if (c->revoked_at && *c->revoked_at <= e.ts_us) {
      state = "revoked";
    } else if (c->expires_at && *c->expires_at <= e.ts_us) {
      state = "expired";
    } else if (c->issued_at > e.ts_us) {
      state = "not yet issued";
    }
    j.key("credential")
        .begin_object()
        .string("id", c->id)
        .string("kind", detect::credential_kind_name(c->kind))
        .string("agent", c->agent)
        .string("env", c->env)
        .string("state", state);
    if (c->issued_at != detect::kBeginningOfTime) j.time("issued_at", c->issued_at);
    if (c->expires_at) j.time("expires_at", *c->expires_at);
    if (c->revoked_at) j.time("revoked_at", *c->revoked_at);
    j.end_object();
  }
  if (const detect::Freeze* f = r.freeze_at(r.env_bit(e.env), e.resource_name, e.ts_us)) {
    j.key("freeze")
        .begin_object()
        .string("id", f->id)
        .string("window", interval_text(f->window))
        .string("reason", f->reason)
        .end_object();
  } else {
    j.raw("freeze", "null");
  }
  if (const detect::Approval* a =
          r.approval_at(e.actor_id, e.action_class, e.resource_name, e.ts_us, false)) {
    std::string approvers;
    for (const auto& name : a->approvers) approvers += (approvers.empty() ? "" : ",") + name;
    j.key("approval")
        .begin_object()
        .string("id", a->id)
        .string("window", interval_text(a->window))
        .string("approvers", approvers)
        .boolean("break_glass", a->break_glass)
        .end_object();
  } else {
    j.raw("approval", "null");
  }
  j.end_object();
}

// The stored alerts' own JSON, as one array.
std::string json_array(const std::vector<store::StoredAlert>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) out += ',';
    out += alerts[i].json;
  }
  return out + "]";
}

bool parse_classes(const std::string& text, uint32_t* mask, std::string* problem) {
  *mask = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string name =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    ingest::ActionClass c = ingest::ActionClass::kUnset;
    if (!name.empty()) {
      // "unknown" names events whose class nothing could derive.
      if (name != ingest::action_class_name(ingest::ActionClass::kUnset) &&
          !ingest::parse_action_class(name, &c)) {
        *problem = "class '" + name + "' is not an action class";
        return false;
      }
      *mask |= 1u << static_cast<int>(c);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace

ServeApi::ServeApi(const store::EvidenceStore& store, const store::StoredRegistry& registry,
                   ServeLimits limits)
    : store_(store), registry_(registry), limits_(limits) {
  for (const auto& [id, c] : registry.registry.credentials()) ++credentials_per_agent_[c.agent];
}

ApiResponse ServeApi::timeline(const QueryParams& params) const {
  store::TimelineQuery q;
  int given = 0;
  for (auto [name, kind] : {std::pair{"agent", store::TimelineKind::kAgent},
                            std::pair{"credential", store::TimelineKind::kCredential},
                            std::pair{"resource", store::TimelineKind::kResource},
                            std::pair{"session", store::TimelineKind::kSession},
                            std::pair{"task", store::TimelineKind::kTask}}) {
    std::string value = param(params, name);
    if (value.empty()) continue;
    ++given;
    q.kind = kind;
    q.value = value;
  }
  if (given != 1) {
    return error(400, "give exactly one of agent, credential, resource, session, task");
  }
  Notes notes;
  std::string problem;
  size_t limit = 0;
  uint32_t classes = 0;
  if (!parse_limit(params, limits_, &limit, &notes, &problem) ||
      !parse_range(params, store_.time_span(), limits_.max_range_us, &q.from_us, &q.to_us, &notes,
                   &problem) ||
      !parse_classes(param(params, "class"), &classes, &problem)) {
    return error(400, problem);
  }
  q.newest_first = param(params, "order") != "oldest";
  // A class filter reads a bounded multiple of the page and filters it.
  q.limit = classes == 0 ? limit : limit * limits_.filter_scan_factor;
  auto timeline = store_.timeline(q);
  if (!timeline.ok()) return error(503, timeline.status().message());
  std::vector<const store::StoredEvent*> kept;
  for (const store::StoredEvent& s : timeline->events) {
    if (kept.size() == limit) break;
    if (classes == 0 || (classes & (1u << static_cast<int>(s.event.action_class)))) {
      kept.push_back(&s);
    }
  }
  if (classes != 0 && timeline->events.size() == q.limit && kept.size() < limit) {
    notes.add("class filter looked at the " + std::to_string(q.limit) +
              " events nearest the range's end; narrow the time range to see more");
  }
  std::vector<std::string> keys;
  keys.reserve(kept.size());
  for (const auto* s : kept) {
    keys.emplace_back();
    detect::append_event_key(s->event, &keys.back());
  }
  auto alerts = store_.alerts_for_events(keys);
  if (!alerts.ok()) return error(503, alerts.status().message());
  ApiResponse r;
  JsonWriter j(r.body);
  j.begin_object()
      .string("kind", store::timeline_kind_name(q.kind))
      .string("value", q.value)
      .time("from", q.from_us)
      .time("to", q.to_us)
      .unsigned_number("limit", limit)
      .unsigned_number("count", kept.size())
      .boolean("more", kept.size() == limit);
  notes.write(j);
  j.begin_array("events");
  for (size_t i = 0; i < kept.size(); ++i) {
    j.begin_object_element();
    event_fields(j, *kept[i], keys[i]);
    j.begin_array("alerts");
    for (const store::StoredAlert& a : (*alerts)[i]) {
      j.begin_object_element()
          .string("id", a.id)
          .string("rule", a.rule)
          .string("severity", rules::severity_name(a.severity))
          .boolean("retro", a.retro)
          .end_object();
    }
    j.end_array().end_object();
  }
  j.end_array().end_object();
  return r;
}

ApiResponse ServeApi::event(const std::string& key) const {
  auto found = store_.event(key);
  if (!found.ok()) {
    return error(found.status().code() == StatusCode::kNotFound ? 404 : 400,
                 found.status().message());
  }
  ApiResponse r;
  JsonWriter j(r.body);
  j.begin_object().string("key", found->key);
  j.key("event").begin_object();
  event_fields(j, found->stored, found->key);
  j.string("origin", found->stored.origin)
      .unsigned_number("line", found->stored.event.position.line)
      .unsigned_number("offset", found->stored.event.position.offset)
      .unsigned_number("batch", found->stored.batch)
      .raw("record", found->stored.event.raw)
      .end_object();
  j.raw("alerts", json_array(found->alerts));
  if (registry_.recorded) {
    registry_state(j, registry_.registry, found->stored.event);
  } else {
    j.raw("registry", "null").string("registry_note", registry_.note);
  }
  j.end_object();
  return r;
}

ApiResponse ServeApi::alerts(const QueryParams& params) const {
  store::AlertQuery q;
  Notes notes;
  std::string problem;
  size_t limit = 0;
  if (!parse_limit(params, limits_, &limit, &notes, &problem) ||
      !parse_range(params, store_.time_span(), limits_.max_range_us, &q.from_us, &q.to_us, &notes,
                   &problem)) {
    return error(400, problem);
  }
  std::string severity = param(params, "severity");
  if (!severity.empty() && !rules::parse_severity(severity, &q.min_severity)) {
    return error(400,
                 "severity '" + severity + "' is not one of info, low, medium, high, critical");
  }
  q.rule = param(params, "rule");
  q.agent = param(params, "agent");
  q.limit = limit;
  q.newest_first = param(params, "order") != "oldest";
  auto alerts = store_.alerts(q);
  if (!alerts.ok()) return error(503, alerts.status().message());
  ApiResponse r;
  JsonWriter j(r.body);
  j.begin_object()
      .time("from", q.from_us)
      .time("to", q.to_us)
      .unsigned_number("limit", limit)
      .unsigned_number("count", alerts->size())
      .boolean("more", alerts->size() == limit);
  notes.write(j);
  j.raw("alerts", json_array(*alerts)).end_object();
  return r;
}

ApiResponse ServeApi::agents(const QueryParams& params) const {
  Notes notes;
  std::string problem;
  size_t limit = 0;
  if (!parse_limit(params, limits_, &limit, &notes, &problem)) return error(400, problem);
  uint64_t offset = 0;
  std::string offset_text = param(params, "offset");
  if (!offset_text.empty()) {
    auto [end, ec] =
        std::from_chars(offset_text.data(), offset_text.data() + offset_text.size(), offset);
    if (ec != std::errc() || end != offset_text.data() + offset_text.size()) {
      return error(400, "offset must be a non-negative integer");
    }
  }
  // States as of `at`, by default the end of what the store holds.
  auto span = store_.time_span();
  int64_t at = span.first == span.second ? ingest::kMaxTimeUs - 1 : span.second - 1;
  std::string at_text = param(params, "at");
  if (!at_text.empty() && !ingest::parse_rfc3339(at_text, &at)) {
    return error(400, "at '" + at_text + "' is not an RFC 3339 time");
  }
  const std::string prefix = param(params, "q");
  std::vector<const detect::Agent*> matching;
  for (const auto& [id, agent] : registry_.registry.agents()) {
    if (id.starts_with(prefix)) matching.push_back(&agent);
  }
  std::sort(matching.begin(), matching.end(),
            [](const auto* a, const auto* b) { return a->id < b->id; });
  ApiResponse r;
  JsonWriter j(r.body);
  j.begin_object()
      .time("at", at)
      .unsigned_number("total", matching.size())
      .unsigned_number("offset", offset)
      .unsigned_number("limit", limit);
  notes.write(j);
  j.begin_array("agents");
  size_t count = 0;
  for (size_t i = offset; i < matching.size() && count < limit; ++i, ++count) {
    const detect::Agent& a = *matching[i];
    const detect::AgentVersion* v = registry_.registry.agent_at(a.id, at);
    j.begin_object_element().string("id", a.id);
    if (v == nullptr) {
      j.string("status", "not yet registered");
    } else {
      j.string("kind", detect::agent_kind_name(v->kind))
          .string("status", detect::agent_status_name(v->status))
          .string("owner", v->owner)
          .unsigned_number("scopes", v->scopes.size());
    }
    auto creds = credentials_per_agent_.find(a.id);
    j.unsigned_number("credentials", creds == credentials_per_agent_.end() ? 0 : creds->second);
    j.end_object();
  }
  j.end_array().unsigned_number("count", count).end_object();
  return r;
}

ApiResponse ServeApi::coverage(const QueryParams& params) const {
  Notes notes;
  std::string problem;
  store::CoverageOptions options;
  if (!parse_range(params, store_.time_span(), limits_.max_report_range_us, &options.from_us,
                   &options.to_us, &notes, &problem)) {
    return error(400, problem);
  }
  std::unique_lock<std::mutex> lock(report_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return error(503, "a coverage report is being computed; try again when it is done");
  }
  auto report = store::compute_coverage_report(store_, options);
  if (!report.ok()) return error(503, report.status().message());
  ApiResponse r;
  r.body = coverage_json(*report);
  // The report's own object, with the notes added as its last member.
  while (!r.body.empty() && (r.body.back() == '\n' || r.body.back() == '}')) {
    bool brace = r.body.back() == '}';
    r.body.pop_back();
    if (brace) break;
  }
  std::string tail;
  JsonWriter j(tail);
  j.begin_object();
  notes.write(j);
  j.end_object();
  r.body += "," + tail.substr(1);
  return r;
}

}  // namespace aw::tools
