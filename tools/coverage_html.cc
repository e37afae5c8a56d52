// The coverage report as one self-contained HTML file: inline CSS (with print rules), inline
// SVG charts (tools/svg_chart.h), no script and no external resource, so it opens offline and
// prints. Lists are cut at kHtmlRows rows; the JSON keeps up to the report's list limit.
#include <string>

#include "detect/registry.h"
#include "ingest/timestamp.h"
#include "tools/coverage_render.h"
#include "tools/svg_chart.h"

namespace aw::tools {
namespace {

using store::CoverageReport;
constexpr size_t kHtmlRows = 50;

// Severity colors, info .. critical; they stay distinct in grayscale print.
constexpr const char* kSeverityColors[store::kSeverityCount] = {"#9db4c0", "#5c9ead", "#e0a030",
                                                                "#d9622b", "#a4161a"};
constexpr const char* kGood = "#3a7d44";
constexpr const char* kBad = "#c0392b";
constexpr const char* kNeutral = "#7f8c8d";

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1d2329;line-height:1.4}
h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.2em;border-bottom:2px solid #d5dbe0;padding-bottom:3px;margin-top:32px}
.meta{color:#56616b}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #d5dbe0;border-radius:6px;padding:8px 12px;min-width:150px}
.card .v{font-size:1.5em;font-weight:600}.card .l{font-size:.85em;color:#56616b}
.card.warn .v{color:#c0392b}
table{border-collapse:collapse;margin:8px 0 12px;font-size:.85em}td{white-space:nowrap}th,td{border:1px solid #d5dbe0;padding:3px 8px;text-align:left}
th{background:#f1f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
svg.chart text{font-size:11px;fill:#1d2329}svg.chart .chart-title{font-size:13px;font-weight:600}
svg.chart .grid{stroke:#e3e7ea;stroke-width:1}svg.chart .axis{fill:#56616b}
.more{color:#56616b;font-size:.85em}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{page-break-after:avoid}
svg.chart,table,.cards{page-break-inside:avoid}.card{border-color:#999}}
)";

std::string n(uint64_t v) { return std::to_string(v); }
std::string t(int64_t us) { return ingest::format_rfc3339(us); }
// Times in lists, to the second: the JSON keeps microseconds.
std::string short_time(int64_t us) {
  std::string text = ingest::format_rfc3339(us);
  return text.substr(0, 10) + " " + text.substr(11, 8) + "Z";
}

class Html {
 public:
  void raw(std::string_view text) { out_ += text; }
  void heading(std::string_view id, std::string_view text) {
    out_ += "<h2 id=\"" + std::string(id) + "\">" + html_escape(text) + "</h2>\n";
  }
  void para(std::string_view text) { out_ += "<p>" + std::string(text) + "</p>\n"; }
  void cards_begin() { out_ += "<div class=\"cards\">"; }
  void card(std::string_view value, std::string_view label, bool warn = false) {
    out_ += std::string("<div class=\"card") + (warn ? " warn" : "") + "\"><div class=\"v\">" +
            html_escape(value) + "</div><div class=\"l\">" + html_escape(label) + "</div></div>";
  }
  void cards_end() { out_ += "</div>\n"; }
  void table(const std::vector<std::string>& header, const std::vector<bool>& numeric) {
    numeric_ = numeric;
    out_ += "<table><thead><tr>";
    for (const auto& h : header) out_ += "<th>" + html_escape(h) + "</th>";
    out_ += "</tr></thead><tbody>\n";
  }
  void row(const std::vector<std::string>& cells) {
    out_ += "<tr>";
    for (size_t i = 0; i < cells.size(); ++i) {
      bool number = i < numeric_.size() && numeric_[i];
      out_ += std::string(number ? "<td class=\"n\">" : "<td>") + html_escape(cells[i]) + "</td>";
    }
    out_ += "</tr>\n";
  }
  void table_end(size_t shown, uint64_t total) {
    out_ += "</tbody></table>\n";
    if (total > shown) {
      out_ += "<p class=\"more\">" + n(total - shown) + " more in the JSON report.</p>\n";
    }
  }
  void chart(const ChartSpec& spec) { out_ += svg_chart(spec) + "\n"; }
  std::string& text() { return out_; }

 private:
  std::string out_;
  std::vector<bool> numeric_;
};

std::string stats_sentence(const store::DurationStats& s) {
  if (s.count == 0) return "no cases";
  return n(s.count) + " cases: mean " + duration_text(s.mean_us) + ", p50 " +
         duration_text(s.p50_us) + ", p90 " + duration_text(s.p90_us) + ", max " +
         duration_text(s.max_us);
}

double pct(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

void identities(const CoverageReport& r, Html& h) {
  h.heading("identities", "Identities: registered vs seen");
  h.cards_begin();
  h.card(n(r.registered), "registered identities");
  h.card(n(r.seen), "identities seen in the logs");
  h.card(n(r.registered_not_seen), "registered, never seen");
  h.card(n(r.unregistered_seen), "unregistered identities acting", r.unregistered_seen > 0);
  h.cards_end();
  ChartSpec chart;
  chart.title = "Identities";
  chart.horizontal = true;
  chart.labels = {"registered and seen", "registered, not seen", "seen, unregistered"};
  chart.series = {
      {"identities",
       kNeutral,
       {static_cast<double>(r.seen_registered), static_cast<double>(r.registered_not_seen),
        static_cast<double>(r.unregistered_seen)}}};
  h.chart(chart);
  if (!r.unregistered.empty()) {
    h.table({"unregistered identity", "events", "first seen", "last seen", "source"},
            {false, true, false, false, false});
    size_t shown = 0;
    for (const auto& a : r.unregistered) {
      if (shown == kHtmlRows) break;
      ++shown;
      h.row({a.id, n(a.events), short_time(a.first_us), short_time(a.last_us), a.source});
    }
    h.table_end(shown, r.unregistered_seen);
  }
}

void ownership(const CoverageReport& r, Html& h) {
  h.heading("ownership", "Ownership, distinct credentials, production access");
  h.cards_begin();
  h.card(n(r.nhi), "non-human identities (agents, services, bots)");
  h.card(n(r.nhi_without_owner), "without a named owner", r.nhi_without_owner > 0);
  h.card(percent_text(r.nhi_own_distinct, r.nhi_using_credentials) + "%",
         "with their own distinct credential (" + n(r.nhi_own_distinct) + " of " +
             n(r.nhi_using_credentials) + ")");
  h.card(n(r.prod_writers), "able to write to prod", r.prod_writers > 0);
  h.cards_end();
  ChartSpec chart;
  chart.title = "NHIs that used credentials";
  chart.horizontal = true;
  chart.labels = {"own distinct credential", "shared, another's or a human's"};
  chart.series = {{"NHIs",
                   kNeutral,
                   {static_cast<double>(r.nhi_own_distinct),
                    static_cast<double>(r.nhi_using_credentials - r.nhi_own_distinct)}}};
  h.chart(chart);
  if (!r.without_owner.empty()) {
    h.table({"without owner", "kind"}, {false, false});
    size_t shown = 0;
    for (; shown < r.without_owner.size() && shown < kHtmlRows; ++shown) {
      h.row({r.without_owner[shown].id, r.without_owner[shown].kind});
    }
    h.table_end(shown, r.nhi_without_owner);
  }
  if (!r.not_distinct.empty()) {
    h.table({"actor", "credential", "why not distinct"}, {false, false, false});
    size_t shown = 0;
    for (; shown < r.not_distinct.size() && shown < kHtmlRows; ++shown) {
      const auto& p = r.not_distinct[shown];
      h.row({p.actor, p.credential, p.reason});
    }
    h.table_end(shown, r.nhi_using_credentials - r.nhi_own_distinct);
  }
  if (!r.prod_writer_list.empty()) {
    h.table({"able to write to prod", "kind", "owner"}, {false, false, false});
    size_t shown = 0;
    for (; shown < r.prod_writer_list.size() && shown < kHtmlRows; ++shown) {
      const auto& i = r.prod_writer_list[shown];
      h.row({i.id, i.kind, i.owner.empty() ? "-" : i.owner});
    }
    h.table_end(shown, r.prod_writers);
  }
}

void credentials(const CoverageReport& r, Html& h) {
  h.heading("credentials", "Credentials by kind and lifetime");
  h.para("Policy maximum lifetime: <b>" + html_escape(duration_text(r.max_credential_ttl_us)) +
         "</b>. " + n(r.credentials) + " credentials live in the period; <b>" +
         n(r.credentials_over_max) + " (" + percent_text(r.credentials_over_max, r.credentials) +
         "%)</b> exceed it or never expire.");
  ChartSpec chart;
  chart.title = "Credential lifetimes (red: above the policy maximum)";
  ChartSeries within{"within policy", kGood, {}}, over{"above policy", kBad, {}};
  for (const auto& b : r.lifetimes) {
    chart.labels.push_back(b.label);
    within.values.push_back(b.over_max ? 0 : static_cast<double>(b.count));
    over.values.push_back(b.over_max ? static_cast<double>(b.count) : 0);
  }
  chart.series = {within, over};
  chart.unit = " credentials";
  h.chart(chart);
  h.table({"kind", "count", "within max", "over max", "no expiry"},
          {false, true, true, true, true});
  for (const auto& k : r.credentials_by_kind) {
    h.row({k.kind, n(k.count), n(k.within_max), n(k.over_max), n(k.no_expiry)});
  }
  h.table_end(0, 0);
}

void revocation(const CoverageReport& r, Html& h) {
  h.heading("revocation", "Revocation");
  h.cards_begin();
  h.card(n(r.revoked), "credentials revoked in the period");
  h.card(n(r.used_after_revocation), "used at or after revocation", r.used_after_revocation > 0);
  h.card(r.revocation_to_last_use.count ? duration_text(r.revocation_to_last_use.p90_us) : "-",
         "revocation to last use, p90");
  h.card(
      r.first_alert_to_revocation.count ? duration_text(r.first_alert_to_revocation.p90_us) : "-",
      "first alert to revocation, p90");
  h.cards_end();
  h.para("Revocation to last use: " + html_escape(stats_sentence(r.revocation_to_last_use)) +
         ".<br>An agent's first alert to its credential's revocation: " +
         html_escape(stats_sentence(r.first_alert_to_revocation)) + ".");
  if (!r.used_after_list.empty()) {
    h.table({"credential", "agent", "revoked", "last use", "after"},
            {false, false, false, false, true});
    size_t shown = 0;
    for (; shown < r.used_after_list.size() && shown < kHtmlRows; ++shown) {
      const auto& u = r.used_after_list[shown];
      h.row({u.credential, u.agent, short_time(u.revoked_us), short_time(u.last_use_us),
             duration_text(u.last_use_us - u.revoked_us)});
    }
    h.table_end(shown, r.used_after_revocation);
  }
}

void destructive(const CoverageReport& r, Html& h) {
  h.heading("destructive", "Destructive actions: approval and snapshot");
  ChartSpec chart;
  chart.title = "Deletes with a covering approval / a recent snapshot, % by env";
  ChartSeries approval{"with approval %", kGood, {}}, snapshot{"with snapshot %", "#5c9ead", {}};
  for (const auto& e : r.destructive) {
    chart.labels.push_back(e.env + " approval");
    chart.labels.push_back(e.env + " snapshot");
    approval.values.push_back(pct(e.with_approval, e.deletes));
    approval.values.push_back(0);
    snapshot.values.push_back(0);
    snapshot.values.push_back(pct(e.with_snapshot, e.deletes));
  }
  chart.series = {approval, snapshot};
  chart.horizontal = true;
  chart.unit = "%";
  h.chart(chart);
  h.table({"env", "deletes", "with approval", "%", "with recent snapshot", "%", "policy requires"},
          {false, true, true, true, true, true, false});
  for (const auto& e : r.destructive) {
    std::string policy = std::string(e.approval_required ? "approval " : "") +
                         (e.snapshot_required ? "snapshot" : "");
    h.row({e.env, n(e.deletes), n(e.with_approval), percent_text(e.with_approval, e.deletes),
           n(e.with_snapshot), percent_text(e.with_snapshot, e.deletes),
           policy.empty() ? "-" : policy});
  }
  h.table_end(0, 0);
  if (!r.unprotected.empty()) {
    h.para("Deletes lacking what their env's policy requires:");
    h.table({"time", "actor", "resource", "env", "approval", "snapshot", "event"},
            {false, false, false, false, false, false, false});
    size_t shown = 0;
    for (; shown < r.unprotected.size() && shown < kHtmlRows; ++shown) {
      const auto& d = r.unprotected[shown];
      h.row({short_time(d.ts_us), d.actor, d.resource, d.env, d.approval ? "yes" : "NO",
             d.snapshot ? "yes" : "NO", d.event_key});
    }
    h.table_end(shown, r.unprotected.size());
  }
}

void freezes(const CoverageReport& r, Html& h) {
  h.heading("freezes", "Actions during freeze windows");
  h.cards_begin();
  h.card(n(r.frozen_events), "actions inside a freeze");
  h.card(n(r.frozen_changes - r.frozen_changes_break_glass), "changes without break-glass",
         r.frozen_changes > r.frozen_changes_break_glass);
  h.card(n(r.frozen_changes_break_glass), "changes covered by break-glass");
  h.cards_end();
  ChartSpec chart;
  chart.title = "Actions inside freezes by class";
  chart.horizontal = true;
  // Freezes forbid changes; other classes inside a freeze are shown, not flagged.
  ChartSeries covered{"change covered by break-glass", kGood, {}},
      uncovered{"change without break-glass", kBad, {}}, other{"not a change", kNeutral, {}};
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    if (r.frozen_by_class[c] == 0) continue;
    const auto action_class = static_cast<ingest::ActionClass>(c);
    const bool change = action_class == ingest::ActionClass::kWrite ||
                        action_class == ingest::ActionClass::kDelete ||
                        action_class == ingest::ActionClass::kAdmin ||
                        action_class == ingest::ActionClass::kEscalate;
    const double bg = static_cast<double>(r.frozen_break_glass_by_class[c]);
    const double rest = static_cast<double>(r.frozen_by_class[c]) - bg;
    chart.labels.emplace_back(ingest::action_class_name(action_class));
    covered.values.push_back(change ? bg : 0);
    uncovered.values.push_back(change ? rest : 0);
    other.values.push_back(change ? 0 : bg + rest);
  }
  chart.series = {covered, uncovered, other};
  h.chart(chart);
  if (!r.freezes.empty()) {
    h.table({"freeze", "actions", "changes", "changes with break-glass"},
            {false, true, true, true});
    for (const auto& f : r.freezes) {
      h.row({f.id, n(f.events), n(f.changes), n(f.changes_break_glass)});
    }
    h.table_end(0, 0);
  }
}

void alerts(const CoverageReport& r, Html& h) {
  h.heading("alerts", "Alerts by rule and severity over time");
  h.cards_begin();
  h.card(n(r.alerts), "alerts");
  for (int s = store::kSeverityCount - 1; s >= 0; --s) {
    h.card(n(r.alerts_by_severity[s]),
           std::string(rules::severity_name(static_cast<rules::Severity>(s))),
           s >= static_cast<int>(rules::Severity::kHigh) && r.alerts_by_severity[s] > 0);
  }
  h.cards_end();
  if (!r.alert_bins.empty()) {
    ChartSpec chart;
    chart.title = "Alerts over time (" + duration_text(r.bin_us) + " bins, by event time)";
    for (const auto& b : r.alert_bins) {
      std::string label = t(b.start_us);
      chart.labels.push_back(r.bin_us < 86400LL * 1000000 ? label.substr(5, 11)
                                                          : label.substr(0, 10));
    }
    for (int s = store::kSeverityCount - 1; s >= 0; --s) {
      ChartSeries series{std::string(rules::severity_name(static_cast<rules::Severity>(s))),
                         kSeverityColors[s],
                         {}};
      for (const auto& b : r.alert_bins)
        series.values.push_back(static_cast<double>(b.by_severity[s]));
      chart.series.push_back(std::move(series));
    }
    chart.unit = " alerts";
    h.chart(chart);
  }
  if (!r.alerts_by_rule.empty()) {
    ChartSpec chart;
    chart.title = "Alerts by rule";
    chart.horizontal = true;
    for (int s = store::kSeverityCount - 1; s >= 0; --s) {
      ChartSeries series{std::string(rules::severity_name(static_cast<rules::Severity>(s))),
                         kSeverityColors[s],
                         {}};
      for (const auto& a : r.alerts_by_rule) {
        series.values.push_back(static_cast<int>(a.severity) == s ? static_cast<double>(a.count)
                                                                  : 0);
      }
      chart.series.push_back(std::move(series));
    }
    for (const auto& a : r.alerts_by_rule) chart.labels.push_back(a.rule);
    h.chart(chart);
    h.table({"rule", "severity", "alerts", "retro"}, {false, false, true, true});
    for (const auto& a : r.alerts_by_rule) {
      h.row({a.rule, std::string(rules::severity_name(a.severity)), n(a.count), n(a.retro)});
    }
    h.table_end(0, 0);
  }
}

void audit(const CoverageReport& r, Html& h) {
  h.heading("audit", "Audit completeness per source");
  h.para(
      "A sequence gap is a run of missing <code>seq</code> numbers; a silent period is at "
      "least " +
      n(static_cast<uint64_t>(r.silence_minutes)) +
      " whole minutes without an event from the source.");
  ChartSpec chart;
  chart.title = "Share of events carrying a credential id, by source";
  chart.horizontal = true;
  chart.unit = "%";
  ChartSeries share{"with credential id", kNeutral, {}};
  for (const auto& s : r.sources) {
    chart.labels.push_back(s.source);
    share.values.push_back(pct(s.with_credential, s.events));
  }
  chart.series = {share};
  h.chart(chart);
  h.table({"source", "events", "seq gaps", "missing records", "silent periods", "longest silence",
           "with credential id %", "first", "last"},
          {false, true, true, true, true, true, true, false, false});
  for (const auto& s : r.sources) {
    h.row({s.source, n(s.events), n(s.seq_gaps), n(s.missing_records), n(s.silent_periods),
           s.silent_periods ? duration_text(s.longest_silence_us) : "-",
           percent_text(s.with_credential, s.events), short_time(s.first_us),
           short_time(s.last_us)});
  }
  h.table_end(0, 0);
}

}  // namespace

std::string coverage_html(const CoverageReport& r) {
  Html h;
  h.raw(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>agentwatch coverage report</title><style>");
  h.raw(kStyle);
  h.raw("</style></head><body>\n<h1>agentwatch coverage report</h1>\n");
  h.para("<span class=\"meta\">" + html_escape(period_text(r)) + ": " + n(r.events) + " events" +
         (r.events > 0 ? " from " + t(r.first_event_us) + " to " + t(r.last_event_us) : "") +
         ". Registry states as of " + t(r.as_of_us) + "." +
         (r.registry_note.empty() ? "" : " Registry: " + html_escape(r.registry_note) + ".") +
         "</span>");
  identities(r, h);
  ownership(r, h);
  credentials(r, h);
  revocation(r, h);
  destructive(r, h);
  freezes(r, h);
  alerts(r, h);
  audit(r, h);
  h.raw(
      "<p class=\"meta\">Definitions of every figure: README, \"Coverage report\". The same "
      "numbers as JSON: <code>agentwatch report coverage --format json</code>.</p>\n"
      "</body></html>\n");
  return std::move(h.text());
}

}  // namespace aw::tools
