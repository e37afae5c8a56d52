// agentwatch report coverage --store DIR [--from T] [--to T] [--format md|json|html] [-o FILE]
//                            [--silence-minutes N] [--list-limit N] [--threads N]
//
// Computes the coverage report (store/coverage_report.h) over the stored events of the period
// and writes it to stdout or FILE. The store is opened read-only, so a report may run beside
// the process writing the store. Errors print one line on stderr and exit 2.
#include "tools/report_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "ingest/timestamp.h"
#include "store/coverage_report.h"
#include "store/evidence_store.h"
#include "tools/command.h"
#include "tools/coverage_render.h"

namespace aw::tools {
namespace {

struct ReportOptions {
  std::string store;
  std::string from, to;
  std::string format = "md";
  std::string output;
  int64_t silence_minutes = 5;
  size_t list_limit = 200;
  int threads = 2;
};

int cannot_run(const std::string& message) {
  std::fprintf(stderr, "agentwatch report: %s\n", message.c_str());
  return kExitCannotRun;
}

int run_coverage(const ReportOptions& o) {
  store::CoverageOptions options;
  if (!o.from.empty() && !ingest::parse_rfc3339(o.from, &options.from_us)) {
    return cannot_run("--from '" + o.from +
                      "' is not an RFC 3339 time (such as 2026-11-20T00:00:00Z)");
  }
  if (!o.to.empty() && !ingest::parse_rfc3339(o.to, &options.to_us)) {
    return cannot_run("--to '" + o.to + "' is not an RFC 3339 time (such as 2026-11-21T00:00:00Z)");
  }
  if (options.from_us >= options.to_us) return cannot_run("--from must be before --to");
  options.silence_minutes = o.silence_minutes;
  options.list_limit = o.list_limit;
  options.threads = o.threads;

  store::StoreOptions store_options;
  store_options.path = o.store;
  store_options.read_only = true;
  auto store = store::EvidenceStore::open(store_options);
  if (!store.ok()) return cannot_run(store.status().message());
  auto report = store::compute_coverage_report(*store, options);
  if (!report.ok()) return cannot_run(report.status().message());

  std::string text = o.format == "json"   ? coverage_json(*report)
                     : o.format == "html" ? coverage_html(*report)
                                          : coverage_markdown(*report);
  std::FILE* out = stdout;
  if (!o.output.empty() && o.output != "-") {
    out = std::fopen(o.output.c_str(), "wb");
    if (out == nullptr) return cannot_run("cannot write " + o.output);
  }
  bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (out != stdout) written = std::fclose(out) == 0 && written;
  if (!written) return cannot_run("cannot write " + (o.output.empty() ? "stdout" : o.output));
  std::fprintf(stderr,
               "report: coverage of %llu events, %llu alerts, computed in %.3f s (registry %.3f "
               "s, events %.3f s)\n",
               static_cast<unsigned long long>(report->events),
               static_cast<unsigned long long>(report->alerts), report->seconds,
               report->registry_seconds, report->scan_seconds);
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* report = app.add_subcommand("report", "Reports on the evidence store");
  report->require_subcommand(1);
  CLI::App* coverage = report->add_subcommand(
      "coverage",
      "Are the agents governed? Identities, owners, credentials, revocation, "
      "approvals, snapshots, freezes, alerts and audit completeness");
  coverage->add_option("--store", o->store, "The evidence store directory")->required();
  coverage->add_option("--from", o->from, "Only events at or after this time (RFC 3339)");
  coverage->add_option("--to", o->to, "Only events before this time (RFC 3339)");
  coverage->add_option("--format", o->format, "md (terminals), json (tools) or html (one file)")
      ->check(CLI::IsMember({"md", "json", "html"}))
      ->capture_default_str();
  coverage->add_option("-o,--output", o->output, "Write here instead of stdout");
  coverage
      ->add_option("--silence-minutes", o->silence_minutes,
                   "A source silent this many whole minutes counts as a silent period")
      ->check(CLI::Range(int64_t{1}, int64_t{525600}))
      ->capture_default_str();
  coverage->add_option("--list-limit", o->list_limit, "Rows kept per list")
      ->check(CLI::Range(size_t{1}, size_t{1000000}))
      ->capture_default_str();
  coverage->add_option("--threads", o->threads, "Threads reading the store")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  coverage->callback([o, &exit_code] { exit_code = run_coverage(*o); });
}

}  // namespace aw::tools
