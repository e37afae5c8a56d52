// The coverage report as Markdown for people in terminals: each figure as a sentence or a small
// table, lists cut at kMarkdownRows rows (the JSON keeps up to the report's list limit).
#include <string>

#include "detect/registry.h"
#include "ingest/timestamp.h"
#include "tools/coverage_render.h"

namespace aw::tools {
namespace {

using store::CoverageReport;
constexpr size_t kMarkdownRows = 20;

std::string n(uint64_t v) { return std::to_string(v); }
std::string t(int64_t us) { return ingest::format_rfc3339(us); }

// Cells must not break the table.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

class Markdown {
 public:
  void heading(const std::string& text) { out_ += "\n## " + text + "\n\n"; }
  void line(const std::string& text) { out_ += text + "\n"; }
  void table(const std::vector<std::string>& header) {
    row(header);
    std::string rule = "|";
    for (size_t i = 0; i < header.size(); ++i) rule += "---|";
    out_ += rule + "\n";
  }
  void row(const std::vector<std::string>& cells) {
    std::string line = "|";
    for (const auto& c : cells) line += " " + cell(c) + " |";
    out_ += line + "\n";
  }
  // "... and N more" under a list that was cut.
  void more(size_t shown, uint64_t total) {
    if (total > shown) out_ += "\n(" + n(total - shown) + " more in the JSON report)\n";
  }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

std::string stats_text(const store::DurationStats& s) {
  if (s.count == 0) return "no cases";
  return n(s.count) + " cases: mean " + duration_text(s.mean_us) + ", p50 " +
         duration_text(s.p50_us) + ", p90 " + duration_text(s.p90_us) + ", max " +
         duration_text(s.max_us);
}

std::string class_list(uint16_t mask) {
  std::string out;
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (mask & (1u << c)) {
      out += (out.empty() ? "" : ",") +
             std::string(ingest::action_class_name(static_cast<ingest::ActionClass>(c)));
    }
  }
  return out;
}

}  // namespace

std::string coverage_markdown(const CoverageReport& r) {
  Markdown md;
  md.line("# agentwatch coverage report");
  md.line("");
  md.line(period_text(r) + "; " + n(r.events) + " events" +
          (r.events > 0 ? " from " + t(r.first_event_us) + " to " + t(r.last_event_us) : "") +
          ". Registry states as of " + t(r.as_of_us) + ".");
  if (!r.registry_recorded || !r.registry_note.empty()) {
    md.line("");
    md.line("Registry: " + (r.registry_note.empty() ? std::string("recorded") : r.registry_note));
  }

  md.heading("Identities");
  md.line("- registered: " + n(r.registered) + " (agent " + n(r.registered_by_kind[0]) +
          ", service " + n(r.registered_by_kind[1]) + ", bot " + n(r.registered_by_kind[2]) +
          ", human " + n(r.registered_by_kind[3]) + ")");
  md.line("- seen in the logs: " + n(r.seen) + "; registered and seen " + n(r.seen_registered) +
          "; registered, not seen " + n(r.registered_not_seen));
  md.line("- **unregistered identities seen: " + n(r.unregistered_seen) + "**");
  if (!r.unregistered.empty()) {
    md.line("");
    md.table({"unregistered id", "events", "first", "last", "classes", "source"});
    size_t shown = 0;
    for (const auto& a : r.unregistered) {
      if (shown++ == kMarkdownRows) break;
      md.row({a.id, n(a.events), t(a.first_us), t(a.last_us), class_list(a.classes), a.source});
    }
    md.more(std::min(r.unregistered.size(), kMarkdownRows), r.unregistered_seen);
  }

  md.heading("Ownership and credentials of non-human identities");
  md.line("- NHIs (agents, services, bots): " + n(r.nhi) + "; **without a named owner: " +
          n(r.nhi_without_owner) + "** (" + percent_text(r.nhi_without_owner, r.nhi) + "%)");
  if (!r.without_owner.empty()) {
    std::string ids;
    for (size_t i = 0; i < r.without_owner.size() && i < kMarkdownRows; ++i) {
      ids += (i ? ", " : "") + r.without_owner[i].id;
    }
    md.line("  - " + ids + (r.nhi_without_owner > kMarkdownRows ? ", ..." : ""));
  }
  md.line("- with their own distinct credential: " + n(r.nhi_own_distinct) + " of " +
          n(r.nhi_using_credentials) + " NHIs that used credentials (" +
          percent_text(r.nhi_own_distinct, r.nhi_using_credentials) + "%)");
  if (!r.not_distinct.empty()) {
    md.line("");
    md.table({"actor", "credential", "why not distinct"});
    for (size_t i = 0; i < r.not_distinct.size() && i < kMarkdownRows; ++i) {
      const auto& p = r.not_distinct[i];
      md.row({p.actor, p.credential, p.reason});
    }
    md.more(std::min(r.not_distinct.size(), kMarkdownRows),
            r.nhi_using_credentials - r.nhi_own_distinct);
    md.line("");
  }
  md.line("- **able to write to prod: " + n(r.prod_writers) + "** NHIs");
  if (!r.prod_writer_list.empty()) {
    std::string ids;
    for (size_t i = 0; i < r.prod_writer_list.size() && i < kMarkdownRows; ++i) {
      ids += (i ? ", " : "") + r.prod_writer_list[i].id;
    }
    md.line("  - " + ids + (r.prod_writers > kMarkdownRows ? ", ..." : ""));
  }

  md.heading("Credentials by kind and lifetime");
  md.line("Policy maximum lifetime: " + duration_text(r.max_credential_ttl_us) + ". " +
          n(r.credentials) + " credentials live in the period; **" + n(r.credentials_over_max) +
          " (" + percent_text(r.credentials_over_max, r.credentials) +
          "%) exceed it or never expire**.");
  md.line("");
  md.table({"kind", "count", "within max", "over max", "no expiry"});
  for (const auto& k : r.credentials_by_kind) {
    md.row({k.kind, n(k.count), n(k.within_max), n(k.over_max), n(k.no_expiry)});
  }
  md.line("");
  md.table({"lifetime", "credentials", "above policy"});
  for (const auto& b : r.lifetimes) md.row({b.label, n(b.count), b.over_max ? "yes" : ""});

  md.heading("Revocation");
  md.line("- revoked in the period: " + n(r.revoked) +
          "; **used at or after revocation: " + n(r.used_after_revocation) + "**");
  md.line("- revocation to last use: " + stats_text(r.revocation_to_last_use));
  md.line("- an agent's first alert to its credential's revocation: " +
          stats_text(r.first_alert_to_revocation));
  if (!r.used_after_list.empty()) {
    md.line("");
    md.table({"credential", "agent", "revoked", "last use", "after"});
    for (size_t i = 0; i < r.used_after_list.size() && i < kMarkdownRows; ++i) {
      const auto& u = r.used_after_list[i];
      md.row({u.credential, u.agent, t(u.revoked_us), t(u.last_use_us),
              duration_text(u.last_use_us - u.revoked_us)});
    }
    md.more(std::min(r.used_after_list.size(), kMarkdownRows), r.used_after_revocation);
  }

  md.heading("Destructive actions (class delete)");
  md.table({"env", "deletes", "with approval", "%", "with recent snapshot", "%", "policy"});
  for (const auto& e : r.destructive) {
    std::string policy = e.approval_required && e.snapshot_required ? "approval, snapshot"
                         : e.approval_required                      ? "approval"
                         : e.snapshot_required                      ? "snapshot"
                                                                    : "";
    md.row({e.env, n(e.deletes), n(e.with_approval), percent_text(e.with_approval, e.deletes),
            n(e.with_snapshot), percent_text(e.with_snapshot, e.deletes),
            policy.empty() ? "-" : "requires " + policy});
  }
  if (!r.unprotected.empty()) {
    md.line("");
    md.line("Deletes lacking what their env's policy requires:");
    md.line("");
    md.table({"time", "actor", "resource", "env", "approval", "snapshot", "event"});
    for (size_t i = 0; i < r.unprotected.size() && i < kMarkdownRows; ++i) {
      const auto& d = r.unprotected[i];
      md.row({t(d.ts_us), d.actor, d.resource, d.env, d.approval ? "yes" : "**no**",
              d.snapshot ? "yes" : "**no**", d.event_key});
    }
  }

  md.heading("Actions during freeze windows");
  md.line("- " + n(r.frozen_events) + " actions inside a freeze; " + n(r.frozen_changes) +
          " changes (write, delete, admin, escalate), of which **" +
          n(r.frozen_changes - r.frozen_changes_break_glass) + " without break-glass** and " +
          n(r.frozen_changes_break_glass) + " covered by it");
  md.line("");
  md.table({"class", "actions in freeze", "covered by break-glass"});
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (r.frozen_by_class[c] == 0) continue;
    md.row({std::string(ingest::action_class_name(static_cast<ingest::ActionClass>(c))),
            n(r.frozen_by_class[c]), n(r.frozen_break_glass_by_class[c])});
  }
  if (!r.freezes.empty()) {
    md.line("");
    md.table({"freeze", "actions", "changes", "changes with break-glass"});
    for (const auto& f : r.freezes) {
      md.row({f.id, n(f.events), n(f.changes), n(f.changes_break_glass)});
    }
  }

  md.heading("Alerts");
  std::string severities;
  for (int s = store::kSeverityCount - 1; s >= 0; --s) {
    severities += std::string(s == store::kSeverityCount - 1 ? "" : ", ") +
                  std::string(rules::severity_name(static_cast<rules::Severity>(s))) + " " +
                  n(r.alerts_by_severity[s]);
  }
  md.line(n(r.alerts) + " alerts: " + severities + ".");
  md.line("");
  md.table({"rule", "severity", "alerts", "retro"});
  for (const auto& a : r.alerts_by_rule) {
    md.row({a.rule, std::string(rules::severity_name(a.severity)), n(a.count), n(a.retro)});
  }
  if (!r.alert_bins.empty()) {
    md.line("");
    md.line("Over time (" + duration_text(r.bin_us) + " bins, by the events' time):");
    md.line("");
    md.table({"from", "critical", "high", "medium", "low", "info"});
    size_t shown = 0;
    for (const auto& b : r.alert_bins) {
      if (shown++ == 48) break;
      md.row({t(b.start_us), n(b.by_severity[4]), n(b.by_severity[3]), n(b.by_severity[2]),
              n(b.by_severity[1]), n(b.by_severity[0])});
    }
    md.more(std::min<size_t>(r.alert_bins.size(), 48), r.alert_bins.size());
  }

  md.heading("Audit completeness per source");
  md.line("A silent period is at least " + n(static_cast<uint64_t>(r.silence_minutes)) +
          " whole minutes without an event from the source.");
  md.line("");
  md.table({"source", "events", "seq gaps", "missing records", "silent periods", "longest silence",
            "with credential id %"});
  for (const auto& s : r.sources) {
    md.row({s.source, n(s.events), n(s.seq_gaps), n(s.missing_records), n(s.silent_periods),
            s.silent_periods ? duration_text(s.longest_silence_us) : "-",
            percent_text(s.with_credential, s.events)});
  }
  return md.text();
}

}  // namespace aw::tools
