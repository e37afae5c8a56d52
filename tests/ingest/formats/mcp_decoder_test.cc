// MCP JSON-RPC: the spec examples, request/result pairing by (session, id), unanswered calls.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::lines_of;

FormatOptions assumed() {
  FormatOptions options;
  options.assume_ts_us = testing::time_us("2026-11-20T10:00:00Z");
  return options;
}

TEST(McpDecoder, DecodesEveryMessageOfTheSpecExamples) {
  auto decoder = testing::make(Format::kMcp, nullptr, assumed());
  auto records = lines_of(testing::read_text(
      testing::formats_data("mcp/spec-examples-2025-06-18_NOT-CAPTURED-TRAFFIC.jsonl")));
  ASSERT_EQ(records.refs.size(), 8u);
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.dead_letters.empty());
  // One tools/call, answered; the rest are listings, a notification and answers to calls
  // this excerpt does not hold.
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& e = batch.events[0];
  EXPECT_EQ(e.id, "2");
  EXPECT_EQ(e.tool, "get_weather");
  EXPECT_EQ(e.verb, "tools/call");
  EXPECT_EQ(e.outcome, Outcome::kSuccess);
  EXPECT_EQ(e.resource_name, R"({"location":"New York"})");
  EXPECT_EQ(e.actor_id, "mcp-client");
  EXPECT_EQ(e.source, "mcp.jsonrpc");
  EXPECT_EQ(e.position.line, 3u);  // the request's own line
}

TEST(McpDecoder, PairsByIdWithinASessionAndReportsErrors) {
  auto decoder = testing::make(Format::kMcp, nullptr, assumed());
  auto records = lines_of(
      R"({"jsonrpc":"2.0","session":"s1","id":7,"method":"tools/call","params":{"name":"db.drop","arguments":{"table":"orders"}}})"
      "\n"
      R"({"jsonrpc":"2.0","session":"s2","id":7,"method":"tools/call","params":{"name":"fs.read"}})"
      "\n"
      R"({"jsonrpc":"2.0","session":"s2","id":7,"result":{"content":[],"isError":true}})"
      "\n"
      R"({"jsonrpc":"2.0","session":"s1","id":7,"error":{"code":-32000,"message":"denied"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"never.answered"}})"
      "\n");
  EventBatch batch;
  decoder->decode(records.refs, batch);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].id, "s2/7");
  EXPECT_EQ(batch.events[0].tool, "fs.read");
  EXPECT_EQ(batch.events[0].outcome, Outcome::kFailure);  // isError
  EXPECT_EQ(batch.events[1].id, "s1/7");
  EXPECT_EQ(batch.events[1].tool, "db.drop");
  EXPECT_EQ(batch.events[1].outcome, Outcome::kFailure);  // error
  decoder->flush(batch);
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[2].tool, "never.answered");
  EXPECT_EQ(batch.events[2].outcome, Outcome::kUnset);
  EXPECT_TRUE(testing::attrs_have(batch.events[2], "join", "unjoined"));
}

TEST(McpDecoder, RefusesWhatIsNotJsonRpc) {
  auto decoder = testing::make(Format::kMcp, nullptr, assumed());
  auto records = lines_of(R"({"id":1,"method":"tools/call"})"
                          "\n"
                          "[1,2"
                          "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.dead_letters.size(), 2u);
  EXPECT_EQ(batch.dead_letters[0].field, "jsonrpc");
  EXPECT_EQ(batch.dead_letters[1].reason, DecodeError::kTruncated);
}

}  // namespace
}  // namespace aw::ingest
