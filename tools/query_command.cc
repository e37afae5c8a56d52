// agentwatch query: the responder's view of the evidence store.
//
//   query timeline --store DIR (--agent|--credential|--resource|--session|--task X)
//                  [--from T] [--to T] [--limit N] [--oldest-first] [--format table|json]
//   query event    --store DIR ID [--format table|json]
//   query alerts   --store DIR [--rule R] [--severity S] [--agent X] [--from T] [--to T]
//                  [--limit N] [--oldest-first] [--format table|json]
//
// Tables are aligned for people; --format json prints one JSON object per line for tools.
// Times are RFC 3339; ranges are half-open [from, to). The store is opened read-only, so a
// query may run beside the process writing it (it sees the store as of its opening).
// Errors (no store, unknown id, bad time or flag) print one line on stderr and exit 2.
#include "tools/query_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detect/alert.h"
#include "detect/registry.h"
#include "detect/registry_loader.h"
#include "ingest/json_writer.h"
#include "ingest/timestamp.h"
#include "store/evidence_store.h"
#include "tools/command.h"

namespace aw::tools {
namespace {

struct QueryOptions {
  std::string store;
  std::string format = "table";
  std::string from, to;
  size_t limit = 100;
  bool oldest_first = false;
  // timeline
  std::string agent, credential, resource, session, task;
  // event
  std::string key;
  // alerts
  std::string rule, severity, alert_agent;
};

int cannot_run(const std::string& message) {
  std::fprintf(stderr, "agentwatch query: %s\n", message.c_str());
  return kExitCannotRun;
}

// Parses --from/--to; false (with the message) for a bad time.
bool parse_range(const QueryOptions& o, int64_t* from, int64_t* to, std::string* error) {
  *from = ingest::kMinTimeUs;
  *to = ingest::kMaxTimeUs;
  if (!o.from.empty() && !ingest::parse_rfc3339(o.from, from)) {
    *error = "--from '" + o.from + "' is not an RFC 3339 time (such as 2026-11-20T10:15:00Z)";
    return false;
  }
  if (!o.to.empty() && !ingest::parse_rfc3339(o.to, to)) {
    *error = "--to '" + o.to + "' is not an RFC 3339 time (such as 2026-11-20T11:00:00Z)";
    return false;
  }
  if (*from >= *to) {
    *error = "--from must be before --to";
    return false;
  }
  return true;
}

Result<store::EvidenceStore> open_store(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  return store::EvidenceStore::open(options);
}

// ---- output ----

// Columns aligned to their widest cell; cells longer than kMaxCell are cut with "...", except in
// the last column, which nothing follows.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::FILE* out) const {
    constexpr size_t kMaxCell = 48;
    std::vector<size_t> widths(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) {
        widths[c] = std::max(widths[c], std::min(row[c].size(), kMaxCell));
      }
    }
    std::string line;
    for (const auto& row : rows_) {
      line.clear();
      for (size_t c = 0; c < row.size(); ++c) {
        std::string cell = row[c];
        const bool last = c + 1 == row.size();
        if (!last && cell.size() > kMaxCell) cell = cell.substr(0, kMaxCell - 3) + "...";
        line += cell;
        if (!last) line.append(widths[c] - cell.size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      std::fprintf(out, "%s\n", line.c_str());
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string time_text(int64_t us) { return ingest::format_rfc3339(us); }

std::string action_text(const ingest::Event& e) {
  std::string out(e.tool);
  if (!e.tool.empty() && !e.verb.empty()) out += ' ';
  out += e.verb;
  return out;
}

std::string event_key_text(const ingest::Event& e) {
  std::string key;
  detect::append_event_key(e, &key);
  return key;
}

void optional_string(ingest::JsonWriter& json, std::string_view key, std::string_view value) {
  if (!value.empty()) json.string(key, value);
}

// The normalized fields, then the original record.
void event_json(const store::StoredEvent& s, std::string_view key, std::string* out) {
  const ingest::Event& e = s.event;
  ingest::JsonWriter json(*out);
  json.begin_object().time("ts", e.ts_us).string("key", key).string("source", e.source);
  optional_string(json, "id", e.id);
  if (e.has_seq) json.unsigned_number("seq", e.seq);
  json.string("agent", e.actor_id).string("actor_type", ingest::actor_type_name(e.actor_type));
  optional_string(json, "credential", e.credential_id);
  optional_string(json, "session", e.session);
  optional_string(json, "task", e.task);
  optional_string(json, "tool", e.tool);
  optional_string(json, "verb", e.verb);
  json.string("class", ingest::action_class_name(e.action_class));
  optional_string(json, "resource_type", e.resource_type);
  optional_string(json, "resource", e.resource_name);
  optional_string(json, "env", e.env);
  json.string("outcome", ingest::outcome_name(e.outcome));
  optional_string(json, "approval", e.approval);
  optional_string(json, "src_ip", e.src_ip);
  json.string("origin", s.origin)
      .unsigned_number("line", e.position.line)
      .unsigned_number("offset", e.position.offset)
      .unsigned_number("batch", s.batch)
      .raw("record", e.raw)
      .end_object();
}

// ---- timeline ----

int run_timeline(const QueryOptions& o) {
  store::TimelineQuery q;
  int given = 0;
  auto pick = [&](const std::string& value, store::TimelineKind kind) {
    if (value.empty()) return;
    ++given;
    q.kind = kind;
    q.value = value;
  };
  pick(o.agent, store::TimelineKind::kAgent);
  pick(o.credential, store::TimelineKind::kCredential);
  pick(o.resource, store::TimelineKind::kResource);
  pick(o.session, store::TimelineKind::kSession);
  pick(o.task, store::TimelineKind::kTask);
  if (given != 1) {
    return cannot_run(
        "timeline needs exactly one of --agent, --credential, --resource, "
        "--session, --task");
  }
  std::string error;
  if (!parse_range(o, &q.from_us, &q.to_us, &error)) return cannot_run(error);
  q.limit = o.limit;
  q.newest_first = !o.oldest_first;
  auto store = open_store(o.store);
  if (!store.ok()) return cannot_run(store.status().message());
  auto timeline = store->timeline(q);
  if (!timeline.ok()) return cannot_run(timeline.status().message());
  if (o.format == "json") {
    std::string line;
    for (const store::StoredEvent& e : timeline->events) {
      line.clear();
      event_json(e, event_key_text(e.event), &line);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return kExitOk;
  }
  Table table(
      {"TIME", "AGENT", "CREDENTIAL", "ACTION", "CLASS", "RESOURCE", "ENV", "OUTCOME", "EVENT"});
  for (const store::StoredEvent& s : timeline->events) {
    const ingest::Event& e = s.event;
    table.add({time_text(e.ts_us), std::string(e.actor_id), std::string(e.credential_id),
               action_text(e), std::string(ingest::action_class_name(e.action_class)),
               std::string(e.resource_name), std::string(e.env),
               std::string(ingest::outcome_name(e.outcome)), event_key_text(e)});
  }
  table.print(stdout);
  std::fprintf(stderr, "query: %zu events (%s %s%s)\n", timeline->events.size(),
               std::string(store::timeline_kind_name(q.kind)).c_str(), q.value.c_str(),
               q.limit != 0 && timeline->events.size() == q.limit ? ", --limit reached" : "");
  return kExitOk;
}

// ---- event ----

// The registry as the store recorded it: the last registry file loaded, then every update in
// arrival order. Empty when the store recorded none.
std::optional<detect::Registry> stored_registry(const store::EvidenceStore& store,
                                                std::string* note) {
  auto history = store.registry_history();
  if (!history.ok()) {
    *note = history.status().message();
    return std::nullopt;
  }
  if (history->empty()) {
    *note = "the runs that wrote this store recorded no registry";
    return std::nullopt;
  }
  size_t start = 0;
  for (size_t i = 0; i < history->size(); ++i) {
    if ((*history)[i].op == "load") start = i;
  }
  std::optional<detect::Registry> registry;
  if ((*history)[start].op == "load") {
    auto parsed = detect::parse_registry((*history)[start].text, "stored registry");
    if (!parsed.ok()) {
      *note = "the stored registry does not load: " + parsed.status().message();
      return std::nullopt;
    }
    registry.emplace(std::move(parsed.value()));
    ++start;
  } else {
    registry.emplace();
  }
  size_t refused = 0;
  for (size_t i = start; i < history->size(); ++i) {
    const store::StoredRegistryChange& change = (*history)[i];
    if (change.op == "load") continue;
    if (!detect::apply_registry_update(*registry, change.text, "stored update").ok()) ++refused;
  }
  if (refused > 0) *note = std::to_string(refused) + " stored updates did not apply";
  return registry;
}

std::string interval_text(const detect::Interval& i) {
  std::string from = i.from == detect::kBeginningOfTime ? "-" : time_text(i.from);
  std::string until = i.until == detect::kEndOfTime ? "-" : time_text(i.until);
  return "[" + from + ", " + until + ")";
}

std::string globs_text(const std::vector<rules::Glob>& globs) {
  if (globs.empty()) return "any";
  std::string out;
  for (const auto& g : globs) out += (out.empty() ? "" : ",") + g.pattern();
  return out;
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

// "registry state at the event's time": lines of (what, detail), and the same as JSON.
void registry_state(const detect::Registry& r, const ingest::Event& e,
                    std::vector<std::pair<std::string, std::string>>* lines, std::string* json) {
  ingest::JsonWriter j(*json);
  j.begin_object().time("at", e.ts_us);
  const detect::AgentVersion* agent = r.agent_at(e.actor_id, e.ts_us);
  if (agent == nullptr) {
    lines->emplace_back("agent", std::string(e.actor_id) + ": not registered at this time");
    j.raw("agent", "null");
  } else {
    lines->emplace_back(
        "agent", std::string(e.actor_id) + ": " +
                     std::string(detect::agent_status_name(agent->status)) + ", owner " +
                     agent->owner + ", kind " + std::string(detect::agent_kind_name(agent->kind)) +
                     ", since " +
                     (agent->from == detect::kBeginningOfTime ? std::string("the registry file")
                                                              : time_text(agent->from)));
    j.key("agent")
        .begin_object()
        .string("id", e.actor_id)
        .string("status", detect::agent_status_name(agent->status))
        .string("owner", agent->owner)
        .string("kind", detect::agent_kind_name(agent->kind));
    j.begin_array("scopes");
    const detect::EnvMask env = r.env_bit(e.env);
    for (const detect::Scope& scope : agent->scopes) {
      bool env_covered = (scope.envs & env) != 0;
      lines->emplace_back("  scope", "tools " + globs_text(scope.tools) + "; classes " +
                                         classes_text(scope.classes) + "; resources " +
                                         globs_text(scope.resources) + "; valid " +
                                         interval_text(scope.valid) + "; env " +
                                         std::string(e.env) +
                                         (env_covered ? " covered" : " not covered"));
      j.begin_object_element()
          .string("tools", globs_text(scope.tools))
          .string("classes", classes_text(scope.classes))
          .string("resources", globs_text(scope.resources))
          .string("valid", interval_text(scope.valid))
          .boolean("env_covered", env_covered)
          .end_object();
    }
    j.end_array().end_object();
  }
  if (!e.credential_id.empty()) {
    const detect::Credential* c = r.credential(e.credential_id);
    if (c == nullptr) {
      lines->emplace_back("credential", std::string(e.credential_id) + ": not registered");
      j.raw("credential", "null");
    } else {
      std::string text = c->id + ": " + std::string(detect::credential_kind_name(c->kind)) +
                         " of " + c->agent + ", env " + c->env + ", issued " +
                         (c->issued_at == detect::kBeginningOfTime ? "-" : time_text(c->issued_at));
      text += ", expires " + (c->expires_at ? time_text(*c->expires_at) : std::string("never"));
      text += ", revoked " + (c->revoked_at ? time_text(*c->revoked_at) : std::string("no"));
      lines->emplace_back("credential", text);
      j.key("credential")
          .begin_object()
          .string("id", c->id)
          .string("kind", detect::credential_kind_name(c->kind))
          .string("agent", c->agent)
          .string("env", c->env);
      if (c->issued_at != detect::kBeginningOfTime) j.time("issued_at", c->issued_at);
      if (c->expires_at) j.time("expires_at", *c->expires_at);
      if (c->revoked_at) j.time("revoked_at", *c->revoked_at);
      j.end_object();
    }
  }
  const detect::Freeze* freeze = r.freeze_at(r.env_bit(e.env), e.resource_name, e.ts_us);
  if (freeze != nullptr) {
    lines->emplace_back("freeze",
                        freeze->id + " " + interval_text(freeze->window) + ": " + freeze->reason);
    j.key("freeze")
        .begin_object()
        .string("id", freeze->id)
        .string("window", interval_text(freeze->window))
        .string("reason", freeze->reason)
        .end_object();
  } else {
    lines->emplace_back("freeze", "none active on this env and resource");
    j.raw("freeze", "null");
  }
  const detect::Approval* approval =
      r.approval_at(e.actor_id, e.action_class, e.resource_name, e.ts_us, false);
  if (approval != nullptr) {
    std::string approvers;
    for (const auto& a : approval->approvers) approvers += (approvers.empty() ? "" : ",") + a;
    lines->emplace_back("approval", approval->id + " " + interval_text(approval->window) + " by " +
                                        approvers +
                                        (approval->break_glass ? " (break-glass)" : ""));
    j.key("approval")
        .begin_object()
        .string("id", approval->id)
        .string("window", interval_text(approval->window))
        .boolean("break_glass", approval->break_glass)
        .end_object();
  } else {
    lines->emplace_back("approval", "none covering this action");
    j.raw("approval", "null");
  }
  j.end_object();
}

int run_event(const QueryOptions& o) {
  auto store = open_store(o.store);
  if (!store.ok()) return cannot_run(store.status().message());
  auto found = store->event(o.key);
  if (!found.ok()) return cannot_run(found.status().message());
  const store::StoredEvent& s = found->stored;
  const ingest::Event& e = s.event;
  std::string note;
  std::optional<detect::Registry> registry = stored_registry(*store, &note);
  std::vector<std::pair<std::string, std::string>> registry_lines;
  std::string registry_json;
  if (registry) registry_state(*registry, e, &registry_lines, &registry_json);

  if (o.format == "json") {
    std::string line = "{\"key\":";
    ingest::JsonWriter::append_escaped(line, found->key);
    line += ",\"event\":";
    event_json(s, found->key, &line);
    line += ",\"alerts\":[";
    for (size_t i = 0; i < found->alerts.size(); ++i) {
      if (i > 0) line += ',';
      line += found->alerts[i].json;
    }
    line += "],\"registry\":";
    line += registry ? registry_json : std::string("null");
    if (!note.empty()) {
      line += ",\"registry_note\":";
      ingest::JsonWriter::append_escaped(line, note);
    }
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    return kExitOk;
  }
  Table fields({"FIELD", "VALUE"});
  auto add = [&](const char* name, std::string_view value) {
    if (!value.empty()) fields.add({name, std::string(value)});
  };
  add("event", found->key);
  add("time", time_text(e.ts_us));
  add("agent",
      std::string(e.actor_id) + " (" + std::string(ingest::actor_type_name(e.actor_type)) + ")");
  add("credential", e.credential_id);
  add("session", e.session);
  add("task", e.task);
  add("action", action_text(e));
  add("class", std::string(ingest::action_class_name(e.action_class)) +
                   (e.class_from_record ? "" : " (derived)"));
  add("resource", std::string(e.resource_type) + (e.resource_type.empty() ? "" : " ") +
                      std::string(e.resource_name));
  add("env", e.env);
  add("outcome", ingest::outcome_name(e.outcome));
  add("approval", e.approval);
  add("src_ip", e.src_ip);
  if (e.has_seq) add("seq", std::to_string(e.seq));
  add("stored from", std::string(s.origin) + " line " + std::to_string(e.position.line) +
                         " offset " + std::to_string(e.position.offset) + ", batch " +
                         std::to_string(s.batch));
  fields.print(stdout);
  std::printf("\nrecord\n  %.*s\n", static_cast<int>(e.raw.size()), e.raw.data());
  std::printf("\nalerts (%zu)\n", found->alerts.size());
  if (!found->alerts.empty()) {
    Table alerts({"  SEVERITY", "RULE", "DETECTED", "RETRO", "ALERT"});
    for (const store::StoredAlert& a : found->alerts) {
      alerts.add({"  " + std::string(rules::severity_name(a.severity)), a.rule,
                  time_text(a.detected_at_us), a.retro ? "retro" : "", a.id});
    }
    alerts.print(stdout);
  }
  std::printf("\nregistry at %s\n", time_text(e.ts_us).c_str());
  if (!registry) {
    std::printf("  unknown: %s\n", note.c_str());
  } else {
    Table state({"  WHAT", "STATE"});
    for (auto& [what, detail] : registry_lines) state.add({"  " + what, detail});
    state.print(stdout);
    if (!note.empty()) std::printf("  note: %s\n", note.c_str());
  }
  return kExitOk;
}

// ---- alerts ----

int run_alerts(const QueryOptions& o) {
  store::AlertQuery q;
  std::string error;
  if (!parse_range(o, &q.from_us, &q.to_us, &error)) return cannot_run(error);
  if (!o.severity.empty() && !rules::parse_severity(o.severity, &q.min_severity)) {
    return cannot_run("--severity '" + o.severity +
                      "' is not one of info, low, medium, high, critical");
  }
  q.rule = o.rule;
  q.agent = o.alert_agent;
  q.limit = o.limit;
  q.newest_first = !o.oldest_first;
  auto store = open_store(o.store);
  if (!store.ok()) return cannot_run(store.status().message());
  auto alerts = store->alerts(q);
  if (!alerts.ok()) return cannot_run(alerts.status().message());
  if (o.format == "json") {
    for (const store::StoredAlert& a : *alerts) std::printf("%s\n", a.json.c_str());
    return kExitOk;
  }
  Table table({"EVENT TIME", "SEVERITY", "RULE", "AGENT", "EVENT", "RETRO", "ALERT"});
  for (const store::StoredAlert& a : *alerts) {
    table.add({time_text(a.event_time_us), std::string(rules::severity_name(a.severity)), a.rule,
               a.agent, a.event_key, a.retro ? "retro" : "", a.id});
  }
  table.print(stdout);
  std::fprintf(stderr, "query: %zu alerts%s\n", alerts->size(),
               q.limit != 0 && alerts->size() == q.limit ? " (--limit reached)" : "");
  return kExitOk;
}

void common_options(CLI::App* command, QueryOptions* o, bool ranged) {
  command->add_option("--store", o->store, "The evidence store directory")->required();
  command->add_option("--format", o->format, "Output: table (aligned, for people) or json (lines)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  if (ranged) {
    command->add_option("--from", o->from, "Only events at or after this time (RFC 3339)");
    command->add_option("--to", o->to, "Only events before this time (RFC 3339)");
    command->add_option("--limit", o->limit, "At most this many rows; 0 for all")
        ->capture_default_str();
    command->add_flag("--oldest-first", o->oldest_first, "Oldest first (default: newest first)");
  }
}

}  // namespace

void add_query_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<QueryOptions>();
  CLI::App* query = app.add_subcommand("query", "Query the evidence store");
  query->require_subcommand(1);

  CLI::App* timeline = query->add_subcommand(
      "timeline", "What one agent, credential, resource, session or task did");
  common_options(timeline, o.get(), true);
  timeline->add_option("--agent", o->agent, "The agent (actor id)");
  timeline->add_option("--credential", o->credential, "The credential id");
  timeline->add_option("--resource", o->resource, "The resource name");
  timeline->add_option("--session", o->session, "The session id");
  timeline->add_option("--task", o->task, "The task id");
  timeline->callback([o, &exit_code] { exit_code = run_timeline(*o); });

  CLI::App* event = query->add_subcommand(
      "event", "One event: its record, normalized fields, alerts and the registry at its time");
  common_options(event, o.get(), false);
  event->add_option("id", o->key, "source/id, or a bare id held by one source")->required();
  event->callback([o, &exit_code] { exit_code = run_event(*o); });

  CLI::App* alerts =
      query->add_subcommand("alerts", "Stored alerts, by rule, severity, agent, time");
  common_options(alerts, o.get(), true);
  alerts->add_option("--rule", o->rule, "Only this rule id");
  alerts->add_option("--severity", o->severity, "Only this severity or higher");
  alerts->add_option("--agent", o->alert_agent, "Only alerts about this agent");
  alerts->callback([o, &exit_code] { exit_code = run_alerts(*o); });
}

}  // namespace aw::tools
