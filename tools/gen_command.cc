// agentwatch gen: writes a labelled synthetic workload (registry, events, labels) for
// precision/recall tests and benchmarks. The generator itself is tools/workload_generator.h.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "ingest/timestamp.h"
#include "tools/command.h"
#include "tools/workload_generator.h"

namespace aw::tools {
namespace {

struct GenFlags {
  std::string out;
  std::string start = "2026-11-20T00:00:00Z";
  WorkloadOptions options;
};

int run_gen(GenFlags& flags) {
  if (!ingest::parse_rfc3339(flags.start, &flags.options.start_us)) {
    std::fprintf(stderr, "agentwatch gen: --start '%s' is not an RFC 3339 time\n",
                 flags.start.c_str());
    return kExitCannotRun;
  }
  WorkloadSummary summary;
  auto begin = std::chrono::steady_clock::now();
  Status status = generate_workload(flags.options, flags.out, &summary);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!status.ok()) {
    std::fprintf(stderr, "agentwatch gen: %s\n", status.message().c_str());
    return kExitCannotRun;
  }
  std::string per_rule;
  for (int r = 0; r < kWorkloadRuleCount; ++r) {
    per_rule += (r ? ", " : "") + std::string(kWorkloadRuleIds[r]) + " " +
                std::to_string(summary.labels_per_rule[r]);
  }
  std::fprintf(stderr,
               "gen: %llu events (%llu injected, %llu near-misses, %llu duplicates), %llu agents, "
               "%llu credentials, %llu labels (%s) in %.3f s, %.0f events/s, %.1f MB -> %s\n",
               static_cast<unsigned long long>(summary.events),
               static_cast<unsigned long long>(summary.injected_events),
               static_cast<unsigned long long>(summary.negative_events),
               static_cast<unsigned long long>(summary.duplicates),
               static_cast<unsigned long long>(summary.agents),
               static_cast<unsigned long long>(summary.credentials),
               static_cast<unsigned long long>(summary.labels), per_rule.c_str(), seconds,
               seconds > 0 ? summary.events / seconds : 0.0, summary.event_bytes / 1e6,
               flags.out.c_str());
  return kExitOk;
}

}  // namespace

void add_gen_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<GenFlags>();
  WorkloadOptions& o = flags->options;
  CLI::App* command = app.add_subcommand(
      "gen", "Write a seeded synthetic workload: registry.yaml, events.jsonl, labels.jsonl");
  command->add_option("--out", flags->out, "Directory to write into (created when missing)")
      ->required();
  command->add_option("--seed", o.seed, "Seed; the same flags give byte-identical files")
      ->capture_default_str();
  command->add_option("--events", o.events, "Lines of events.jsonl")->capture_default_str();
  command->add_option("--agents", o.agents, "Registry entities (agents, services, bots, humans)")
      ->capture_default_str();
  command
      ->add_option("--credentials-per-agent", o.credentials_per_agent,
                   "Consecutive JIT credentials per entity")
      ->capture_default_str();
  command->add_option("--start", flags->start, "First instant (RFC 3339)")->capture_default_str();
  command->add_option("--hours", o.hours, "Length of the workload")->capture_default_str();
  command
      ->add_option("--violations-per-rule", o.violations_per_rule,
                   "Injected violations of each built-in rule")
      ->capture_default_str();
  command->callback([flags, &exit_code] { exit_code = run_gen(*flags); });
}

}  // namespace aw::tools
