// Secrets in records never reach alerts or log lines (issue 8, "Security"): `agentwatch replay`
// judges records whose commands, URLs, SQL and attributes carry an AWS key, a bearer token, a
// password and a GitHub token, under a registry that makes each of them raise alerts. The
// alerts file, the alerts read back from the store and stderr hold none of the secrets (and
// say [REDACTED:...] where they were); the store still holds every record byte for byte,
// because it is the evidence.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/run_binary.h"

namespace aw {
namespace {

constexpr const char* kAwsKeyId = "AKIAQ7RB5SXTEXAMPLE7";
constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
constexpr const char* kBearer = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC0wNDIxIn0.c2lnbmF0dXJlX3g";
constexpr const char* kPassword = "Tr0ub4dor&3xx";
constexpr const char* kDbUrlPassword = "pg-S3cretPass";
constexpr const char* kGithubToken = "ghp_R4nd0mT0kenV4lue0123456789abcdefABCD";

// Every secret above, as it must not appear outside the store.
std::vector<std::string> secrets() {
  return {kAwsKeyId, kAwsSecret, kBearer, kPassword, kDbUrlPassword, kGithubToken};
}

constexpr const char* kRegistry = R"(
policy:
  approval_required_envs: [prod]
agents:
  - id: agent-0421
    owner: team-payments
    kind: agent
    status: active
    scopes:
      - tools: ["sql.*"]
        classes: [read]
        resources: ["db:staging/**"]
        envs: [staging]
freezes:
  - id: FRZ-HOLIDAY
    envs: [prod]
    resources: ["**"]
    from: 2026-11-20T00:00:00Z
    until: 2026-11-27T00:00:00Z
    reason: holiday code freeze
)";

// One line per record; each carries a secret in what the alerts quote (the verb, the resource)
// and in its attributes.
std::string records() {
  std::string aws = std::string("AWS_ACCESS_KEY_ID=") + kAwsKeyId +
                    " AWS_SECRET_ACCESS_KEY=" + kAwsSecret +
                    " aws s3 rm s3://prod-exports --recursive";
  std::string curl = std::string("curl -X DELETE -H 'Authorization: Bearer ") + kBearer +
                     "' https://api.internal/v1/orders";
  std::string sql = std::string("ALTER USER app WITH PASSWORD '") + kPassword + "'";
  std::string push = std::string("git push --force https://") + kGithubToken +
                     "@github.com/acme/payments.git main";
  auto line = [](const std::string& id, const std::string& tool, const std::string& verb,
                 const std::string& action_class, const std::string& resource,
                 const std::string& attrs) {
    return R"({"ts":"2026-11-21T10:15:30Z","id":")" + id +
           R"(","source":"mcp-gateway-eu1","actor":{"id":"agent-0421","type":"agent"},)"
           R"("credential":{"id":"tok-9f3a"},"action":{"tool":")" +
           tool + R"(","verb":")" + verb + R"(","class":")" + action_class +
           R"("},"resource":{"type":"url","name":")" + resource +
           R"("},"env":"prod","outcome":"success","attrs":)" + attrs + "}\n";
  };
  std::string out;
  out += line("evt-aws", "Bash", aws, "delete", "s3://prod-exports",
              std::string(R"({"env":{"AWS_SECRET_ACCESS_KEY":")") + kAwsSecret + R"("}})");
  out += line("evt-bearer", "http.request", curl, "delete",
              std::string("https://api.internal/v1/orders?access_token=") + kBearer,
              std::string(R"({"headers":{"Authorization":"Bearer )") + kBearer + R"("}})");
  out += line("evt-sql", "sql.execute", sql, "admin",
              std::string("postgres://app:") + kDbUrlPassword + "@db.prod:5432/users",
              std::string(R"({"password":")") + kPassword + R"("})");
  out += line("evt-github", "Bash", push, "write", "repo:acme/payments",
              std::string(R"({"token":")") + kGithubToken + R"("})");
  // A record that is not JSON, carrying a secret: it is dead-lettered, and the dead-letter file
  // keeps it raw by design, but no operator line may quote it.
  out += std::string("{\"ts\": broken ") + kGithubToken + "\n";
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void expect_no_secret(const std::string& where, const std::string& text) {
  for (const std::string& secret : secrets()) {
    EXPECT_EQ(text.find(secret), std::string::npos) << where << " leaks " << secret << ":\n"
                                                    << text;
  }
}

class SecretsReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = dir_.write("records.jsonl", records());
    registry_ = dir_.write("registry.yaml", kRegistry);
    store_ = dir_.file("store");
    for (const char* format : {"native", "ocsf"}) {
      std::string alerts = dir_.file(std::string("alerts-") + format + ".jsonl");
      std::string store = store_ + (std::string(format) == "native" ? "" : "-ocsf");
      replays_.push_back(testing::run_agentwatch(
          {"replay", "--registry", registry_, "--store", store, "--alerts-out", alerts,
           "--alert-format", format, "--dlq-out", dir_.file("dlq.jsonl"), input_}));
      alerts_.push_back(testing::read_file(alerts));
    }
  }

  testing::TempDir dir_;
  std::string input_, registry_, store_;
  std::vector<testing::RunResult> replays_;
  std::vector<std::string> alerts_;  // native, then OCSF
};

TEST_F(SecretsReplayTest, ReplayRaisesAlertsForEveryRecord) {
  for (const testing::RunResult& run : replays_) {
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  std::vector<std::string> lines = lines_of(alerts_[0]);
  ASSERT_GE(lines.size(), 4u) << alerts_[0];
  for (const char* id : {"evt-aws", "evt-bearer", "evt-sql", "evt-github"}) {
    EXPECT_NE(alerts_[0].find(std::string("\"event_id\":\"") + id + "\""), std::string::npos)
        << id << " raised no alert:\n"
        << alerts_[0];
  }
}

TEST_F(SecretsReplayTest, AlertsHoldNoSecretAndStayValidJson) {
  simdjson::dom::parser parser;
  for (const std::string& alerts : alerts_) {
    ASSERT_FALSE(alerts.empty());
    expect_no_secret("the alerts file", alerts);
    for (const std::string& line : lines_of(alerts)) {
      simdjson::dom::element doc;
      EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    }
    for (const char* kind : {"[REDACTED:aws-access-key-id]", "[REDACTED:aws-secret-access-key]",
                             "[REDACTED:bearer-token]", "[REDACTED:password]",
                             "[REDACTED:url-password]", "[REDACTED:github-token]"}) {
      EXPECT_NE(alerts.find(kind), std::string::npos) << kind << " missing:\n" << alerts;
    }
  }
  // What is no secret stays readable: the agent, the credential id, the tool, the command.
  EXPECT_NE(alerts_[0].find("\"credential\":\"tok-9f3a\""), std::string::npos);
  EXPECT_NE(alerts_[0].find("aws s3 rm s3://prod-exports --recursive"), std::string::npos);
  EXPECT_NE(alerts_[0].find("ALTER USER app WITH PASSWORD '[REDACTED:password]'"),
            std::string::npos);
}

TEST_F(SecretsReplayTest, StderrHoldsNoSecret) {
  for (const testing::RunResult& run : replays_) {
    EXPECT_NE(run.err.find("dead-lettered"), std::string::npos) << run.err;
    expect_no_secret("stderr", run.err);
    expect_no_secret("stdout", run.out);
  }
}

TEST_F(SecretsReplayTest, AlertsReadBackFromTheStoreHoldNoSecret) {
  auto alerts = testing::run_agentwatch({"query", "alerts", "--store", store_});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  EXPECT_NE(alerts.out.find("evt-aws"), std::string::npos) << alerts.out;
  expect_no_secret("query alerts", alerts.out + alerts.err);
}

TEST_F(SecretsReplayTest, TheStoreKeepsEveryRecordRaw) {
  std::vector<std::string> input = lines_of(records());
  for (size_t i = 0; i < 4; ++i) {
    std::string id = i == 0 ? "evt-aws" : i == 1 ? "evt-bearer" : i == 2 ? "evt-sql" : "evt-github";
    auto event = testing::run_agentwatch(
        {"query", "event", "--store", store_, "--format", "json", "mcp-gateway-eu1/" + id});
    ASSERT_EQ(event.exit_code, 0) << event.err;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(event.out).get(doc), simdjson::SUCCESS) << event.out;
    simdjson::dom::element record;
    ASSERT_EQ(doc["event"]["record"].get(record), simdjson::SUCCESS) << event.out;
    // The stored record, re-serialized, equals the input line re-serialized: nothing redacted.
    simdjson::dom::parser input_parser;
    simdjson::dom::element original;
    ASSERT_EQ(input_parser.parse(input[i]).get(original), simdjson::SUCCESS);
    EXPECT_EQ(simdjson::minify(record), simdjson::minify(original));
  }
  // The dead-letter file keeps the broken record raw too, by design.
  EXPECT_NE(testing::read_file(dir_.file("dlq.jsonl")).find(kGithubToken), std::string::npos);
}

TEST_F(SecretsReplayTest, TheStoreIsTheUsersOnly) {
  namespace fs = std::filesystem;
  std::vector<fs::path> paths{store_};
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(store_)) {
    paths.push_back(entry.path());
  }
  ASSERT_GT(paths.size(), 3u);
  for (const fs::path& path : paths) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 077, 0u) << path << " mode " << std::oct << (st.st_mode & 0777);
  }
}

}  // namespace
}  // namespace aw
