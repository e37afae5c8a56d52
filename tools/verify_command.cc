// agentwatch verify --store DIR: recomputes the evidence chain and checks every stored key
// against its batch's manifest (store/chain.h). Exit 0 when everything matches, 1 when something
// does not (the first problems are printed, the first one naming its batch and key), 2 when the
// check cannot run (no store, unreadable store).
#include "tools/verify_command.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "store/evidence_store.h"
#include "tools/command.h"

namespace aw::tools {
namespace {

struct VerifyOptions {
  std::string store;
  size_t max_problems = 10;
};

int run_verify(const VerifyOptions& o) {
  store::StoreOptions options;
  options.path = o.store;
  options.read_only = true;
  auto store = store::EvidenceStore::open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "agentwatch verify: %s\n", store.status().message().c_str());
    return kExitCannotRun;
  }
  auto start = std::chrono::steady_clock::now();
  auto report = store->verify(o.max_problems);
  if (!report.ok()) {
    std::fprintf(stderr, "agentwatch verify: %s\n", report.status().message().c_str());
    return kExitCannotRun;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const store::VerifyProblem& p : report->problems) {
    std::printf("MISMATCH batch %llu: %s: %s\n", static_cast<unsigned long long>(p.batch),
                p.key.c_str(), p.reason.c_str());
  }
  std::printf("verify: %s: %llu batches, %llu events, %llu keys checked in %.1f s; chain head %s\n",
              report->ok ? "ok" : "FAILED", static_cast<unsigned long long>(report->batches),
              static_cast<unsigned long long>(report->events),
              static_cast<unsigned long long>(report->keys), seconds, report->head.c_str());
  return report->ok ? kExitOk : kExitCheckFailed;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* command = app.add_subcommand(
      "verify", "Check the evidence chain: exit 0 intact, 1 changed or missing data, 2 cannot run");
  command->add_option("--store", o->store, "The evidence store directory")->required();
  command->add_option("--max-problems", o->max_problems, "Report at most this many problems")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace aw::tools
