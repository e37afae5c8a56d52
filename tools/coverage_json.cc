// The coverage report as one JSON object: the same numbers as the Markdown and HTML renderings,
// with durations in seconds (microsecond precision) and times in RFC 3339.
#include <cstdio>

#include "detect/registry.h"
#include "ingest/json_writer.h"
#include "ingest/timestamp.h"
#include "tools/coverage_render.h"

namespace aw::tools {
namespace {

using store::CoverageReport;

std::string seconds(int64_t us) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.6f", static_cast<double>(us) / 1e6);
  return buffer;
}

// A ratio as a percentage with two decimals, or null when the whole is 0.
std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buffer;
}

void time_or_null(ingest::JsonWriter& j, std::string_view key, int64_t us, bool present) {
  if (present) {
    j.time(key, us);
  } else {
    j.raw(key, "null");
  }
}

void stats(ingest::JsonWriter& j, std::string_view key, const store::DurationStats& s) {
  j.key(key)
      .begin_object()
      .unsigned_number("count", s.count)
      .raw("mean_s", seconds(s.mean_us))
      .raw("p50_s", seconds(s.p50_us))
      .raw("p90_s", seconds(s.p90_us))
      .raw("max_s", seconds(s.max_us))
      .end_object();
}

void classes(ingest::JsonWriter& j, std::string_view key, uint16_t mask) {
  j.begin_array(key);
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (mask & (1u << c)) j.element(ingest::action_class_name(static_cast<ingest::ActionClass>(c)));
  }
  j.end_array();
}

void identity_list(ingest::JsonWriter& j, const std::vector<CoverageReport::Identity>& list,
                   bool with_owner) {
  j.begin_array("list");
  for (const auto& i : list) {
    j.begin_object_element().string("id", i.id).string("kind", i.kind);
    if (with_owner) j.string("owner", i.owner);
    j.end_object();
  }
  j.end_array();
}

}  // namespace

std::string coverage_json(const CoverageReport& r) {
  std::string out;
  ingest::JsonWriter j(out);
  j.begin_object().string("report", "coverage");
  j.key("period").begin_object();
  time_or_null(j, "from", r.from_us, r.from_us != ingest::kMinTimeUs);
  time_or_null(j, "to", r.to_us, r.to_us != ingest::kMaxTimeUs);
  time_or_null(j, "as_of", r.as_of_us, true);
  time_or_null(j, "first_event", r.first_event_us, r.events > 0);
  time_or_null(j, "last_event", r.last_event_us, r.events > 0);
  j.unsigned_number("events", r.events).end_object();

  j.key("registry")
      .begin_object()
      .boolean("recorded", r.registry_recorded)
      .string("note", r.registry_note)
      .raw("max_credential_ttl_s", seconds(r.max_credential_ttl_us))
      .raw("snapshot_window_s", seconds(r.snapshot_window_us))
      .end_object();

  j.key("identities").begin_object().unsigned_number("registered", r.registered);
  j.key("registered_by_kind").begin_object();
  for (int k = 0; k < 4; ++k) {
    j.unsigned_number(detect::agent_kind_name(static_cast<detect::AgentKind>(k)),
                      r.registered_by_kind[k]);
  }
  j.end_object()
      .unsigned_number("seen", r.seen)
      .unsigned_number("seen_registered", r.seen_registered)
      .unsigned_number("registered_not_seen", r.registered_not_seen)
      .unsigned_number("unregistered_seen", r.unregistered_seen);
  j.begin_array("unregistered");
  for (const auto& a : r.unregistered) {
    j.begin_object_element()
        .string("id", a.id)
        .unsigned_number("events", a.events)
        .time("first", a.first_us)
        .time("last", a.last_us)
        .string("source", a.source);
    classes(j, "classes", a.classes);
    j.end_object();
  }
  j.end_array().end_object();

  j.key("owners")
      .begin_object()
      .unsigned_number("nhi", r.nhi)
      .unsigned_number("without_owner", r.nhi_without_owner)
      .raw("without_owner_pct", percent(r.nhi_without_owner, r.nhi));
  identity_list(j, r.without_owner, false);
  j.end_object();

  j.key("distinct_credentials")
      .begin_object()
      .unsigned_number("nhi_using_credentials", r.nhi_using_credentials)
      .unsigned_number("own_distinct", r.nhi_own_distinct)
      .raw("own_distinct_pct", percent(r.nhi_own_distinct, r.nhi_using_credentials));
  j.begin_array("not_distinct");
  for (const auto& p : r.not_distinct) {
    j.begin_object_element()
        .string("actor", p.actor)
        .string("credential", p.credential)
        .string("reason", p.reason)
        .end_object();
  }
  j.end_array().end_object();

  j.key("prod_writers").begin_object().unsigned_number("count", r.prod_writers);
  j.time("as_of", r.as_of_us);
  identity_list(j, r.prod_writer_list, true);
  j.end_object();

  j.key("credentials")
      .begin_object()
      .unsigned_number("total", r.credentials)
      .unsigned_number("over_max", r.credentials_over_max)
      .raw("over_max_pct", percent(r.credentials_over_max, r.credentials));
  j.begin_array("by_kind");
  for (const auto& k : r.credentials_by_kind) {
    j.begin_object_element()
        .string("kind", k.kind)
        .unsigned_number("count", k.count)
        .unsigned_number("within_max", k.within_max)
        .unsigned_number("over_max", k.over_max)
        .unsigned_number("no_expiry", k.no_expiry)
        .end_object();
  }
  j.end_array().begin_array("lifetimes");
  for (const auto& b : r.lifetimes) {
    j.begin_object_element()
        .string("label", b.label)
        .unsigned_number("count", b.count)
        .boolean("over_max", b.over_max)
        .end_object();
  }
  j.end_array().begin_array("over_max_list");
  for (const auto& id : r.over_max_list) j.element(id);
  j.end_array().end_object();

  j.key("revocation")
      .begin_object()
      .unsigned_number("revoked", r.revoked)
      .unsigned_number("used_after_revocation", r.used_after_revocation);
  stats(j, "revocation_to_last_use", r.revocation_to_last_use);
  j.begin_array("used_after_list");
  for (const auto& u : r.used_after_list) {
    j.begin_object_element()
        .string("credential", u.credential)
        .string("agent", u.agent)
        .time("revoked_at", u.revoked_us)
        .time("last_use", u.last_use_us)
        .end_object();
  }
  j.end_array();
  stats(j, "first_alert_to_revocation", r.first_alert_to_revocation);
  j.begin_array("alert_to_revocation_list");
  for (const auto& a : r.alert_to_revocation_list) {
    j.begin_object_element()
        .string("agent", a.agent)
        .string("credential", a.credential)
        .time("first_alert", a.first_alert_us)
        .time("revoked_at", a.revoked_us)
        .end_object();
  }
  j.end_array().end_object();

  j.key("destructive").begin_object().begin_array("by_env");
  for (const auto& e : r.destructive) {
    j.begin_object_element()
        .string("env", e.env)
        .unsigned_number("deletes", e.deletes)
        .unsigned_number("with_approval", e.with_approval)
        .raw("with_approval_pct", percent(e.with_approval, e.deletes))
        .unsigned_number("with_snapshot", e.with_snapshot)
        .raw("with_snapshot_pct", percent(e.with_snapshot, e.deletes))
        .boolean("approval_required", e.approval_required)
        .boolean("snapshot_required", e.snapshot_required)
        .end_object();
  }
  j.end_array().begin_array("unprotected");
  for (const auto& d : r.unprotected) {
    j.begin_object_element()
        .string("event", d.event_key)
        .time("ts", d.ts_us)
        .string("actor", d.actor)
        .string("resource", d.resource)
        .string("env", d.env)
        .boolean("approval", d.approval)
        .boolean("snapshot", d.snapshot)
        .end_object();
  }
  j.end_array().end_object();

  j.key("freezes")
      .begin_object()
      .unsigned_number("events", r.frozen_events)
      .unsigned_number("changes", r.frozen_changes)
      .unsigned_number("changes_break_glass", r.frozen_changes_break_glass)
      .raw("changes_break_glass_pct", percent(r.frozen_changes_break_glass, r.frozen_changes));
  j.begin_array("by_class");
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (r.frozen_by_class[c] == 0) continue;
    j.begin_object_element()
        .string("class", ingest::action_class_name(static_cast<ingest::ActionClass>(c)))
        .unsigned_number("events", r.frozen_by_class[c])
        .unsigned_number("break_glass", r.frozen_break_glass_by_class[c])
        .end_object();
  }
  j.end_array().begin_array("by_freeze");
  for (const auto& f : r.freezes) {
    j.begin_object_element()
        .string("id", f.id)
        .unsigned_number("events", f.events)
        .unsigned_number("changes", f.changes)
        .unsigned_number("changes_break_glass", f.changes_break_glass)
        .end_object();
  }
  j.end_array().end_object();

  j.key("alerts").begin_object().unsigned_number("total", r.alerts);
  j.key("by_severity").begin_object();
  for (int s = 0; s < store::kSeverityCount; ++s) {
    j.unsigned_number(rules::severity_name(static_cast<rules::Severity>(s)),
                      r.alerts_by_severity[s]);
  }
  j.end_object().begin_array("by_rule");
  for (const auto& a : r.alerts_by_rule) {
    j.begin_object_element()
        .string("rule", a.rule)
        .string("severity", rules::severity_name(a.severity))
        .unsigned_number("count", a.count)
        .unsigned_number("retro", a.retro)
        .end_object();
  }
  j.end_array().raw("bin_s", seconds(r.bin_us)).begin_array("over_time");
  for (const auto& b : r.alert_bins) {
    j.begin_object_element().time("start", b.start_us);
    for (int s = 0; s < store::kSeverityCount; ++s) {
      j.unsigned_number(rules::severity_name(static_cast<rules::Severity>(s)), b.by_severity[s]);
    }
    j.end_object();
  }
  j.end_array().end_object();

  j.key("audit").begin_object().number("silence_minutes", r.silence_minutes);
  j.begin_array("sources");
  for (const auto& s : r.sources) {
    j.begin_object_element()
        .string("source", s.source)
        .unsigned_number("events", s.events)
        .unsigned_number("with_seq", s.with_seq)
        .unsigned_number("seq_gaps", s.seq_gaps)
        .unsigned_number("missing_records", s.missing_records)
        .unsigned_number("silent_periods", s.silent_periods)
        .raw("longest_silence_s", seconds(s.longest_silence_us))
        .unsigned_number("with_credential", s.with_credential)
        .raw("with_credential_pct", percent(s.with_credential, s.events))
        .time("first", s.first_us)
        .time("last", s.last_us)
        .end_object();
  }
  j.end_array().end_object();
  j.unsigned_number("list_limit", r.list_limit)
      .raw("computed_in_s", seconds(static_cast<int64_t>(r.seconds * 1e6)));
  j.end_object();
  out += '\n';
  return out;
}

}  // namespace aw::tools
