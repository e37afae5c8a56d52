// Format names, detection from the first record, the auto decoder, the native decoder behind the
// common interface, and the mapping file.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::formats_data;
using testing::read_text;

TEST(Format, ParsesEveryNameAndRefusesOthers) {
  for (Format f : {Format::kAuto, Format::kNative, Format::kCloudTrail, Format::kK8sAudit,
                   Format::kOtelGenAi, Format::kClaudeHook, Format::kMcp, Format::kGithubAudit,
                   Format::kVaultAudit, Format::kPgaudit}) {
    auto parsed = parse_format(format_name(f));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, f);
  }
  auto bad = parse_format("syslog");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cloudtrail"), std::string::npos);
}

TEST(Format, DetectsEachSampleFromItsFirstRecord) {
  struct Case {
    const char* file;
    Format format;
    bool whole;  // the file is one document
  } cases[] = {
      {"cloudtrail/invictus-stratus-selection.json", Format::kCloudTrail, true},
      {"k8s-audit/audit2rbac-demo.log", Format::kK8sAudit, false},
      {"k8s-audit/falco-trace-files/exec_pod.json", Format::kK8sAudit, false},
      {"otel-genai/any-agent_OPENAI.otlp.jsonl", Format::kOtelGenAi, false},
      {"claude-code-hooks/mcp-venus-os_pre_tool_use.selected.json", Format::kClaudeHook, true},
      {"mcp/spec-examples-2025-06-18_NOT-CAPTURED-TRAFFIC.jsonl", Format::kMcp, false},
      {"github-audit/constructed-from-docs.jsonl", Format::kGithubAudit, false},
      {"vault-audit/constructed-from-docs.jsonl", Format::kVaultAudit, false},
      {"pgaudit/pgaudit-regression-expected.audit-lines.log", Format::kPgaudit, false},
  };
  for (const Case& c : cases) {
    std::string text = read_text(formats_data(c.file));
    std::string first = c.whole ? text : text.substr(0, text.find('\n'));
    EXPECT_EQ(detect_format(first), c.format) << c.file;
  }
  EXPECT_EQ(detect_format(
                read_text(std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl").substr(0, 300)),
            Format::kNative);
  EXPECT_EQ(detect_format("not json at all"), Format::kNative);
  EXPECT_EQ(detect_format(""), Format::kNative);
  // Found by the format fuzzer: an empty top-level array has no first record to read keys from.
  EXPECT_EQ(detect_format("[ ]"), Format::kNative);
  EXPECT_EQ(detect_format("[\n ]trailing"), Format::kNative);
}

TEST(Format, AutoDecoderPicksTheFormatFromTheFirstRecord) {
  auto decoder = testing::make(Format::kAuto);
  EXPECT_EQ(decoder->format(), Format::kAuto);
  auto records = testing::lines_of(read_text(formats_data("k8s-audit/audit2rbac-demo.log")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_EQ(decoder->format(), Format::kK8sAudit);
  EXPECT_EQ(batch.events.size(), 37u);
}

TEST(Format, NativeDecoderWorksBehindTheInterface) {
  auto decoder = testing::make(Format::kNative);
  auto records =
      testing::lines_of(read_text(std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_GT(batch.events.size(), 5u);
  EXPECT_EQ(batch.controls.size(), 1u);  // the incident's registry update
  EXPECT_FALSE(batch.dead_letters.empty());
}

TEST(Format, RefusesBadOptions) {
  DecoderOptions options;
  options.max_record_bytes = 0;
  EXPECT_FALSE(make_decoder(Format::kCloudTrail, options, nullptr).ok());
  EXPECT_FALSE(make_decoder(Format::kAuto, options, nullptr).ok());
  FormatOptions no_room;
  no_room.max_pending = 0;
  EXPECT_FALSE(make_decoder(Format::kVaultAudit, DecoderOptions{}, nullptr, no_room).ok());
}

TEST(SourceMapping, ReportsEveryProblemWithItsLine) {
  auto parsed = SourceMapping::parse(R"(format: syslog
env:
  accounts: [1, 2]
  planets: {mars: prod}
actors:
  - identity: "a*"
    credential: "x"
    actor: a
  - actor: b
    type: robot
action_classes:
  "s3:*": destroy
colour: blue
)",
                                     "m.yaml");
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.status().message();
  for (const char* expected :
       {"m.yaml:1:9: format", "m.yaml:3:13: env.accounts", "m.yaml:4:3: env.planets",
        "exactly one of identity", "'robot' is not", "'destroy' is not", "m.yaml:13:1: colour"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << " in\n" << message;
  }
}

TEST(SourceMapping, LooksUpActorsCredentialsEnvsAndClasses) {
  auto mapping = testing::mapping_of(R"(
format: cloudtrail
source: aws-prod
actors:
  - identity: "arn:aws:iam::1:role/ci-*"
    actor: agent-ci
  - identity: "exact-user"
    actor: agent-exact
    type: service
  - credential: AKIA1
    actor: agent-by-key
credentials: {AKIA1: tok-1}
env:
  default: dev
  accounts: {"1": prod}
action_classes: {"iam:*": admin}
)");
  EXPECT_EQ(mapping.format(), Format::kCloudTrail);
  EXPECT_EQ(mapping.source(), "aws-prod");
  EXPECT_EQ(mapping.actor_for("arn:aws:iam::1:role/ci-deploy/s", "")->id, "agent-ci");
  EXPECT_EQ(mapping.actor_for("exact-user", "")->type, ActorType::kService);
  EXPECT_EQ(mapping.actor_for("someone", "AKIA1")->id, "agent-by-key");
  EXPECT_EQ(mapping.actor_for("someone", "AKIA2"), nullptr);
  EXPECT_EQ(mapping.credential_for("AKIA1"), "tok-1");
  EXPECT_EQ(mapping.credential_for("AKIA2"), "AKIA2");
  EXPECT_EQ(mapping.env_for(EnvKey::kAccount, "1"), "prod");
  EXPECT_EQ(mapping.env_for(EnvKey::kAccount, "2"), "");
  EXPECT_EQ(mapping.default_env(), "dev");
  ActionClass c;
  EXPECT_TRUE(mapping.class_for("iam:DeleteRole", &c));
  EXPECT_EQ(c, ActionClass::kAdmin);
  EXPECT_FALSE(mapping.class_for("s3:GetObject", &c));
  EXPECT_TRUE(SourceMapping::glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(SourceMapping::glob_match("a*b", "aXXbc"));
  EXPECT_TRUE(SourceMapping::glob_match("*", ""));
}

TEST(SourceMapping, ShippedExampleLoads) {
  auto mapping = SourceMapping::load_file(std::string(AW_SOURCE_DIR) + "/examples/mapping.yaml");
  ASSERT_TRUE(mapping.ok()) << mapping.status().message();
  EXPECT_FALSE(SourceMapping::load_file("/nonexistent/mapping.yaml").ok());
  auto directory = SourceMapping::load_file(std::string(AW_SOURCE_DIR) + "/examples");
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("it is a directory"), std::string::npos);
}

}  // namespace
}  // namespace aw::ingest

namespace aw::ingest {
namespace {

// Nesting deeper than max_depth is refused in every JSON format, also inside fields the
// decoder never reads (On-Demand skips those without looking).
TEST(Format, TooDeepRecordsAreDeadLetteredInEveryJsonFormat) {
  std::string deep(70, '[');
  deep += std::string(70, ']');
  struct Case {
    Format format;
    std::string record;
  } cases[] = {
      {Format::kCloudTrail,
       R"({"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"x":)" +
           deep + "}}"},
      {Format::kK8sAudit,
       R"({"auditID":"a","verb":"get","user":{"username":"u"},"requestObject":)" + deep +
           R"(,"stageTimestamp":"2026-11-20T10:00:00Z"})"},
      {Format::kOtelGenAi,
       R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"x","value":{"arrayValue":)" +
           deep + "}}]}]}]}]}"},
      {Format::kClaudeHook,
       R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"x":)" + deep + "}}"},
      {Format::kMcp,
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":)" + deep +
           "}}"},
      {Format::kGithubAudit,
       R"({"@timestamp":1,"action":"git.push","actor":"a","data":)" + deep + "}"},
      {Format::kVaultAudit,
       R"({"time":"2026-11-20T10:00:00Z","type":"response","request":{"id":"1","operation":"read","data":)" +
           deep + "}}"},
  };
  for (const Case& c : cases) {
    FormatOptions options;
    options.assume_ts_us = 0;
    auto decoder = testing::make(c.format, nullptr, options);
    auto records = testing::lines_of(c.record);
    EventBatch batch;
    testing::decode_all(*decoder, records, batch);
    ASSERT_EQ(batch.dead_letters.size(), 1u) << format_name(c.format);
    EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kTooDeep) << format_name(c.format);
    EXPECT_TRUE(batch.events.empty());
  }
}

}  // namespace
}  // namespace aw::ingest
