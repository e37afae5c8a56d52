// Detection end to end through the real binary: shipped rule fixtures, the labelled workload
// (precision and recall), determinism, and the OCSF output.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/testing/run_binary.h"

namespace aw {
namespace {

using RuleEvent = std::pair<std::string, std::string>;

std::set<RuleEvent> read_pairs(const std::string& path) {
  std::set<RuleEvent> pairs;
  simdjson::dom::parser parser;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line.substr(0, 200);
    std::string_view rule, event;
    EXPECT_EQ(doc["rule"].get(rule), simdjson::SUCCESS);
    EXPECT_EQ(doc["event_id"].get(event), simdjson::SUCCESS);
    pairs.emplace(std::string(rule), std::string(event));
  }
  return pairs;
}

TEST(Detection, ShippedRuleFixturesPass) {
  auto result =
      testing::run_agentwatch({"rules", "test", std::string(AW_SOURCE_DIR) + "/rules/tests"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(" 0 failed"), std::string::npos) << result.out;
  // Every built-in rule has fixtures.
  auto check = testing::run_agentwatch({"rules", "check"});
  EXPECT_NE(check.out.find("15 rules enabled"), std::string::npos) << check.out;
  EXPECT_NE(result.out.find("15 fixture files"), std::string::npos) << result.out;
}

TEST(Detection, RulesTestReportsAWrongExpectation) {
  testing::TempDir dir;
  dir.write("wrong.yaml", R"(rule: unregistered-actor
cases:
  - name: expects the wrong event
    events: |
      {"ts":"2026-11-20T09:00:00Z","id":"e1","source":"gw","actor":{"id":"nobody"},"action":{"tool":"x"}}
    expect: [e2]
)");
  auto result = testing::run_agentwatch({"rules", "test", dir.path().string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("FAIL  unregistered-actor: expects the wrong event"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("expected [e2], fired [e1]"), std::string::npos) << result.out;
}

// The generator's labelled violations are exactly what replay finds: precision and recall 1.
TEST(Detection, LabelledWorkloadIsFoundExactly) {
  testing::TempDir dir;
  auto gen = testing::run_agentwatch(
      {"gen", "--out", dir.path().string(), "--events", "100000", "--seed", "11"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto replay =
      testing::run_agentwatch({"replay", "--registry", dir.file("registry.yaml"), "--alerts-out",
                               dir.file("alerts.jsonl"), dir.file("events.jsonl")});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  auto labels = read_pairs(dir.file("labels.jsonl"));
  auto alerts = read_pairs(dir.file("alerts.jsonl"));
  size_t true_positives = 0;
  for (const auto& alert : alerts) true_positives += labels.count(alert);
  double precision = alerts.empty() ? 0 : double(true_positives) / alerts.size();
  double recall = labels.empty() ? 0 : double(true_positives) / labels.size();
  std::printf("labelled workload: %zu labels, %zu alerts, precision %.4f, recall %.4f\n",
              labels.size(), alerts.size(), precision, recall);
  EXPECT_GE(labels.size(), 300u);  // 20 per rule and more
  for (const auto& alert : alerts) {
    EXPECT_TRUE(labels.count(alert))
        << "unexplained alert " << alert.first << " on " << alert.second;
  }
  for (const auto& label : labels) {
    EXPECT_TRUE(alerts.count(label)) << "missed " << label.first << " on " << label.second;
  }
  EXPECT_EQ(precision, 1.0);
  EXPECT_EQ(recall, 1.0);
}

TEST(Detection, ReplayIsDeterministicWithAPinnedClock) {
  testing::TempDir dir;
  std::string registry = std::string(AW_SOURCE_DIR) + "/examples/registry.yaml";
  std::string input = std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl";
  for (const char* name : {"a.jsonl", "b.jsonl"}) {
    auto result =
        testing::run_agentwatch({"replay", "--registry", registry, "--alerts-out", dir.file(name),
                                 "--detected-at", "2026-11-21T00:00:00Z", input});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  std::string a = testing::read_file(dir.file("a.jsonl"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, testing::read_file(dir.file("b.jsonl")));
}

TEST(Detection, IncidentRaisesTheStoryAlerts) {
  testing::TempDir dir;
  const std::vector<std::string> args = {"replay",
                                         "--registry",
                                         std::string(AW_SOURCE_DIR) + "/examples/registry.yaml",
                                         "--alerts-out",
                                         dir.file("alerts.jsonl"),
                                         "--store",
                                         dir.file("store"),
                                         std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"};
  auto result = testing::run_agentwatch(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto alerts = read_pairs(dir.file("alerts.jsonl"));
  for (const RuleEvent& expected : std::vector<RuleEvent>{
           {"freeze-violation", "evt-7f3a"},
           {"destructive-without-approval", "evt-7f3a"},
           {"destructive-without-snapshot", "evt-7f3a"},
           {"long-lived-credential", "evt-7f3a"},
           {"unregistered-actor", "evt-0007"},
           {"audit-gap", "evt-0007"},
       }) {
    EXPECT_TRUE(alerts.count(expected)) << expected.first << " on " << expected.second;
  }
  // The revocation is recorded after evt-0006 was judged; re-judging the stored event raises
  // post-revocation as a retro alert, once.
  std::string text = testing::read_file(dir.file("alerts.jsonl"));
  size_t retro = text.find(R"("rule":"post-revocation","event_id":"evt-0006")");
  ASSERT_NE(retro, std::string::npos) << text;
  EXPECT_NE(text.find(R"("retro":true)", retro), std::string::npos);
  EXPECT_NE(result.err.find("1 retro alerts"), std::string::npos) << result.err;
  // A second replay into the same store raises no new retro alert.
  auto again = testing::run_agentwatch(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("retro alerts"), std::string::npos) << again.err;
}

TEST(Detection, WithoutAStoreLateUpdatesAreReported) {
  auto result = testing::run_agentwatch({"replay", "--registry",
                                         std::string(AW_SOURCE_DIR) + "/examples/registry.yaml",
                                         std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("1 registry updates took effect before events already judged"),
            std::string::npos)
      << result.err;
}

TEST(Detection, OcsfAlertsAreDetectionFindings) {
  testing::TempDir dir;
  auto result = testing::run_agentwatch(
      {"replay", "--registry", std::string(AW_SOURCE_DIR) + "/examples/registry.yaml",
       "--alerts-out", dir.file("ocsf.jsonl"), "--alert-format", "ocsf",
       std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(dir.file("ocsf.jsonl"));
  simdjson::dom::parser parser;
  size_t lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    int64_t class_uid = 0;
    EXPECT_EQ(doc["class_uid"].get(class_uid), simdjson::SUCCESS);
    EXPECT_EQ(class_uid, 2004);
  }
  EXPECT_GT(lines, 5u);
}

TEST(Detection, BadRegistryIsACommandThatCannotRun) {
  testing::TempDir dir;
  auto registry = dir.write("bad.yaml", "agents:\n  - id: a\n    kind: robot\n");
  auto result = testing::run_agentwatch(
      {"replay", "--registry", registry, std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bad.yaml:3:11: agent.kind: 'robot'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace aw
