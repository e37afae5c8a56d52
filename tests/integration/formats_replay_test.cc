// agentwatch replay on real log formats, run as a process with a registry: the scenarios of the
// formats issue (a revocation recorded by the log itself, a service account in a frozen
// cluster), whole-document files, --format auto, --assume-time, and the summary.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>

#include "tests/testing/run_binary.h"

namespace aw {
namespace {

struct AlertLine {
  std::string rule;
  std::string event_id;
  std::string agent;
};

std::vector<AlertLine> read_alerts(const std::string& text) {
  std::vector<AlertLine> alerts;
  simdjson::dom::parser parser;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    AlertLine alert;
    std::string_view s;
    if (doc["rule"].get(s) == simdjson::SUCCESS) alert.rule = s;
    if (doc["event_id"].get(s) == simdjson::SUCCESS) alert.event_id = s;
    if (doc["agent"].get(s) == simdjson::SUCCESS) alert.agent = s;
    alerts.push_back(alert);
  }
  return alerts;
}

bool has_alert(const std::vector<AlertLine>& alerts, const std::string& rule,
               const std::string& event_id) {
  for (const AlertLine& alert : alerts) {
    if (alert.rule == rule && alert.event_id == event_id) return true;
  }
  return false;
}

std::string cloudtrail_event(const std::string& id, const std::string& time,
                             const std::string& name, const std::string& user,
                             const std::string& key, const std::string& parameters) {
  return R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/)" +
         user + R"(","accountId":"111122223333","accessKeyId":")" + key + R"("},"eventTime":")" +
         time + R"(","eventSource":")" + (name == "DeleteAccessKey" ? "iam" : "s3") +
         R"(.amazonaws.com","eventName":")" + name + R"(","requestParameters":)" + parameters +
         R"(,"eventID":")" + id + R"(","readOnly":false,"recipientAccountId":"111122223333"})";
}

constexpr const char* kCloudTrailRegistry = R"(
agents:
  - id: agent-ci
    owner: team-platform
    kind: agent
    status: active
    scopes:
      - tools: ["s3:*"]
        classes: [read, write]
        resources: ["**"]
        envs: [prod]
  - id: alice
    owner: team-security
    kind: human
    status: active
    scopes:
      - tools: ["iam:*"]
        resources: ["**"]
credentials:
  - id: AKIACIBOT0000000001
    agent: agent-ci
    kind: jit
    env: prod
    issued_at: 2026-11-20T09:00:00Z
    expires_at: 2026-11-20T10:00:00Z
  - id: AKIAALICE0000000001
    agent: alice
    kind: human
    env: prod
    issued_at: 2026-11-20T09:00:00Z
    expires_at: 2026-11-20T10:00:00Z
)";

constexpr const char* kCloudTrailMapping = R"(
format: cloudtrail
env:
  accounts: {"111122223333": prod}
actors:
  - identity: "arn:aws:iam::111122223333:user/ci-bot"
    actor: agent-ci
    type: agent
  - identity: "arn:aws:iam::111122223333:user/alice"
    actor: alice
    type: human
)";

TEST(FormatsReplay, CloudTrailKeyDeletionThenUseOfTheKeyRaisesPostRevocation) {
  testing::TempDir dir;
  // A pretty-printed Records file: one document over many lines.
  std::string file =
      "{\n  \"Records\": [\n    " +
      cloudtrail_event("ev-1", "2026-11-20T09:10:00Z", "GetObject", "ci-bot", "AKIACIBOT0000000001",
                       R"({"bucketName":"reports"})") +
      ",\n    " +
      cloudtrail_event("ev-2", "2026-11-20T09:20:00Z", "DeleteAccessKey", "alice",
                       "AKIAALICE0000000001",
                       R"({"userName":"ci-bot","accessKeyId":"AKIACIBOT0000000001"})") +
      ",\n    " +
      cloudtrail_event("ev-3", "2026-11-20T09:30:00Z", "PutObject", "ci-bot", "AKIACIBOT0000000001",
                       R"({"bucketName":"reports"})") +
      "\n  ]\n}\n";
  auto input = dir.write("trail.json", file);
  auto registry = dir.write("registry.yaml", kCloudTrailRegistry);
  auto mapping = dir.write("mapping.yaml", kCloudTrailMapping);
  auto alerts_out = dir.file("alerts.jsonl");
  auto result =
      testing::run_agentwatch({"replay", "--format", "cloudtrail", "--mapping", mapping,
                               "--registry", registry, "--alerts-out", alerts_out, input});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("3 events, 1 registry updates, 0 dead-lettered"), std::string::npos)
      << result.err;
  auto alerts = read_alerts(testing::read_file(alerts_out));
  EXPECT_TRUE(has_alert(alerts, "post-revocation", "ev-3")) << testing::read_file(alerts_out);
  EXPECT_FALSE(has_alert(alerts, "post-revocation", "ev-1"));  // before the deletion
}

TEST(FormatsReplay, ServiceAccountDeletingADeploymentInAFrozenClusterRaisesFreezeViolation) {
  testing::TempDir dir;
  auto registry = dir.write("registry.yaml", R"(
agents:
  - id: svc-deployer
    owner: team-platform
    kind: service
    status: active
    scopes:
      - tools: ["k8s.*"]
        classes: [read, write, delete]
        resources: ["k8s:prod-eu1/**"]
        envs: [prod]
freezes:
  - id: FRZ-HOLIDAY
    envs: [prod]
    resources: ["**"]
    from: 2026-11-20T00:00:00Z
    until: 2026-11-27T00:00:00Z
    reason: holiday code freeze
)");
  auto mapping = dir.write("mapping.yaml", R"(
cluster: prod-eu1
env:
  clusters: {prod-eu1: prod}
actors:
  - identity: "system:serviceaccount:ci:deployer"
    actor: svc-deployer
)");
  auto input = dir.write(
      "audit.log",
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b6f7c1e-aaaa-4bbb-8ccc-000000000001","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/payments/deployments/api","verb":"delete","user":{"username":"system:serviceaccount:ci:deployer","groups":["system:serviceaccounts"]},"sourceIPs":["10.0.0.7"],"objectRef":{"resource":"deployments","namespace":"payments","name":"api","apiGroup":"apps","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-21T10:00:00.000000Z","stageTimestamp":"2026-11-21T10:00:00.120000Z"})"
      "\n");
  auto alerts_out = dir.file("alerts.jsonl");
  // --format auto: the first record says Kubernetes audit.
  auto result =
      testing::run_agentwatch({"replay", "--format", "auto", "--mapping", mapping, "--registry",
                               registry, "--alerts-out", alerts_out, input});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto alerts = read_alerts(testing::read_file(alerts_out));
  EXPECT_TRUE(has_alert(alerts, "freeze-violation", "0b6f7c1e-aaaa-4bbb-8ccc-000000000001"))
      << testing::read_file(alerts_out);
  for (const AlertLine& alert : alerts) EXPECT_EQ(alert.agent, "svc-deployer");
}

TEST(FormatsReplay, HookPayloadsTakeTheAssumedTimeOrAreDeadLettered) {
  testing::TempDir dir;
  auto hooks = std::string(AW_SOURCE_DIR) +
               "/tests/data/formats/claude-code-hooks/mcp-venus-os_pre_tool_use.selected.json";
  auto dlq = dir.file("dlq.jsonl");
  auto without =
      testing::run_agentwatch({"replay", "--format", "claude-hooks", "--dlq-out", dlq, hooks});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_NE(without.err.find("0 events"), std::string::npos) << without.err;
  EXPECT_NE(without.err.find("missing_field 47"), std::string::npos) << without.err;

  auto with = testing::run_agentwatch(
      {"replay", "--format", "claude-hooks", "--assume-time", "2026-07-01T12:00:00Z", hooks});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.err.find("1 input, 1 records, 47 events"), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("2026-07-01T12:00:00"), std::string::npos) << with.err;  // stated
}

TEST(FormatsReplay, RefusesAnUnknownFormatABadTimeAndABadMapping) {
  testing::TempDir dir;
  auto input = dir.write("x.jsonl", "{}\n");
  auto bad_format = testing::run_agentwatch({"replay", "--format", "syslog", input});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("syslog"), std::string::npos);
  auto bad_time = testing::run_agentwatch({"replay", "--assume-time", "noon", input});
  EXPECT_EQ(bad_time.exit_code, 2);
  auto mapping = dir.write("m.yaml", "colour: blue\n");
  auto bad_mapping = testing::run_agentwatch({"replay", "--mapping", mapping, input});
  EXPECT_EQ(bad_mapping.exit_code, 2);
  EXPECT_NE(bad_mapping.err.find("m.yaml:1:1"), std::string::npos) << bad_mapping.err;
}

}  // namespace
}  // namespace aw
