// Crash safety of `replay --store`: kill -9 the real binary at random points, run it again each
// time, and compare the store with one written by an uninterrupted run: exactly the input's
// events (none lost, none twice), the same alert ids, and a chain that verifies.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "store/evidence_store.h"
#include "tests/testing/run_binary.h"

namespace aw {
namespace {

struct StoreContents {
  std::multiset<std::string> event_keys;  // a multiset: a key stored twice shows up twice
  std::set<std::string> alert_ids;
  bool verified = false;
  std::string verify_problem;
};

StoreContents read_store(const std::string& path) {
  StoreContents contents;
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  options.create_if_missing = false;
  auto opened = store::EvidenceStore::open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().message();
  if (!opened.ok()) return contents;
  store::TimelineQuery query;
  query.kind = store::TimelineKind::kAll;
  auto cursor = opened->scan(query);
  EXPECT_TRUE(cursor.ok()) << cursor.status().message();
  std::vector<ingest::Event> events;
  while (cursor.ok()) {
    auto more = cursor->next(&events);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    for (const auto& e : events) {
      contents.event_keys.insert(std::string(e.source) + "/" + std::string(e.id));
    }
  }
  store::AlertQuery alerts_query;
  alerts_query.limit = 0;
  auto alerts = opened->alerts(alerts_query);
  EXPECT_TRUE(alerts.ok()) << alerts.status().message();
  if (alerts.ok()) {
    for (const auto& a : *alerts) contents.alert_ids.insert(a.id);
  }
  auto report = opened->verify();
  EXPECT_TRUE(report.ok()) << report.status().message();
  if (report.ok()) {
    contents.verified = report->ok;
    if (!report->problems.empty()) contents.verify_problem = report->problems[0].reason;
  }
  return contents;
}

// Starts the binary and kills it with SIGKILL after `delay`; true when it was still running.
bool run_and_kill(const std::vector<std::string>& args, std::chrono::milliseconds delay) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = AW_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(delay);
  bool running = ::kill(pid, SIGKILL) == 0;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return running && WIFSIGNALED(status);
}

TEST(CrashSafety, KillNineAtRandomPointsLosesAndDuplicatesNothing) {
  testing::TempDir dir;
  auto gen = testing::run_agentwatch(
      {"gen", "--out", dir.path().string(), "--events", "150000", "--seed", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::vector<std::string> common = {"--registry", dir.file("registry.yaml"), "--detected-at",
                                           "2026-11-21T00:00:00Z", dir.file("events.jsonl")};
  auto args_for = [&](const std::string& store) {
    std::vector<std::string> args = {"replay", "--store", store};
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };

  // The reference: one uninterrupted run, timed to aim the kills inside a run.
  auto start = std::chrono::steady_clock::now();
  auto reference_run = testing::run_agentwatch(args_for(dir.file("reference")));
  ASSERT_EQ(reference_run.exit_code, 0) << reference_run.err;
  auto full = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);

  std::mt19937 random(20261122);
  std::uniform_int_distribution<int> at(20, std::max(40, static_cast<int>(full.count() * 9 / 10)));
  // At least 20 kills that land while the process runs (a run that finishes first does not
  // count), at most 60 attempts.
  int killed = 0;
  int attempts = 0;
  for (; killed < 20 && attempts < 60; ++attempts) {
    killed += run_and_kill(args_for(dir.file("crashed")), std::chrono::milliseconds(at(random)));
  }
  auto final_run = testing::run_agentwatch(args_for(dir.file("crashed")));
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  std::printf("crash test: %d of %d runs killed mid-run (full run %lld ms)\n", killed, attempts,
              static_cast<long long>(full.count()));
  EXPECT_GE(killed, 20);

  StoreContents reference = read_store(dir.file("reference"));
  StoreContents crashed = read_store(dir.file("crashed"));
  EXPECT_TRUE(reference.verified) << reference.verify_problem;
  EXPECT_TRUE(crashed.verified) << crashed.verify_problem;
  // No event twice, and exactly the distinct events of the input.
  std::set<std::string> distinct(crashed.event_keys.begin(), crashed.event_keys.end());
  EXPECT_EQ(distinct.size(), crashed.event_keys.size()) << "an event was stored twice";
  EXPECT_EQ(crashed.event_keys, reference.event_keys);
  EXPECT_GT(reference.event_keys.size(), 140000u);
  EXPECT_EQ(crashed.alert_ids, reference.alert_ids);
  EXPECT_GT(reference.alert_ids.size(), 100u);
}

}  // namespace
}  // namespace aw
