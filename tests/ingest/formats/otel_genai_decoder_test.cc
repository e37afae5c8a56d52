// OpenTelemetry GenAI spans in OTLP/JSON: every converted sample trace, the execute_tool ->
// invoke_agent join (in one record, across records and batches, unjoined when never resolved),
// the attribute aliases and the bound on held spans.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::formats_data;
using testing::lines_of;
using testing::read_text;

const char* const kTraces[] = {"AGNO",   "GOOGLE",     "LANGCHAIN", "LLAMA_INDEX",
                               "OPENAI", "SMOLAGENTS", "TINYAGENT"};

std::string trace_path(const std::string& framework) {
  return formats_data("otel-genai/any-agent_" + framework + ".otlp.jsonl");
}

TEST(OtelGenAiDecoder, DecodesEveryConvertedSampleTrace) {
  const size_t tool_calls[] = {2, 3, 2, 3, 2, 3, 3};
  for (size_t i = 0; i < std::size(kTraces); ++i) {
    auto decoder = testing::make(Format::kOtelGenAi);
    auto records = lines_of(read_text(trace_path(kTraces[i])));
    EventBatch batch;
    testing::decode_all(*decoder, records, batch);
    EXPECT_EQ(batch.events.size(), tool_calls[i]) << kTraces[i];
    EXPECT_TRUE(batch.dead_letters.empty()) << kTraces[i];
    for (const Event& event : batch.events) {
      // Each tool span names no agent: the invoke_agent parent, which comes last, does. In the
      // GOOGLE trace the tool spans' parents were never exported: the trace's one agent acts.
      EXPECT_EQ(event.actor_id, "any_agent") << kTraces[i];
      EXPECT_EQ(event.actor_type, ActorType::kAgent);
      EXPECT_EQ(event.verb, "execute_tool");
      EXPECT_EQ(testing::attrs_have(event, "join", "trace"), std::string(kTraces[i]) == "GOOGLE")
          << kTraces[i];
      EXPECT_FALSE(testing::attrs_have(event, "join", "unjoined"));
      EXPECT_EQ(event.source, "otel.genai");
    }
  }
}

TEST(OtelGenAiDecoder, MapsAToolSpanWithTheOlderAttributeNames) {
  auto decoder = testing::make(Format::kOtelGenAi);
  auto records = lines_of(read_text(trace_path("OPENAI")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* e = testing::event_with_id(batch, "bdf28428cc0e8eb5");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->tool, "get_current_time");
  EXPECT_EQ(e->task, "4bedea77bb33b9c5f280371eae21ea97");
  EXPECT_EQ(e->ts_us, 1758026593450406);
  EXPECT_EQ(e->outcome, Outcome::kSuccess);
  // gen_ai.tool.args is the older name of gen_ai.tool.call.arguments.
  EXPECT_EQ(e->resource_name, R"({"timezone": "America/New_York"})");
  EXPECT_NE(e->attrs_json.find("America/New_York"), std::string_view::npos);
  EXPECT_EQ(e->raw.substr(0, 10), R"({"traceId")");
}

// A record of one span, OTLP/JSON.
std::string span_record(const std::string& span_id, const std::string& parent,
                        const std::string& operation, const std::string& extra_attributes = "") {
  std::string parent_field = parent.empty() ? "" : R"(,"parentSpanId":")" + parent + "\"";
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-bot"}},{"key":"deployment.environment.name","value":{"stringValue":"prod"}}]},"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":")" +
         span_id + "\"" + parent_field + R"(,"name":")" + operation +
         R"( x","startTimeUnixNano":"1763633700000000000","status":{"code":2},"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":")" +
         operation + "\"}}" + extra_attributes + "]}]}]}]}";
}

TEST(OtelGenAiDecoder, JoinsAToolSpanToAnAncestorThatArrivesInALaterBatch) {
  auto decoder = testing::make(Format::kOtelGenAi);
  // tool -> chat -> invoke_agent, each in its own record, children first.
  auto tool =
      lines_of(span_record("00000000000000c1", "00000000000000b1", "execute_tool",
                           R"(,{"key":"gen_ai.tool.name","value":{"stringValue":"sql.query"}})"));
  auto chat = lines_of(span_record("00000000000000b1", "00000000000000a1", "chat"));
  auto agent =
      lines_of(span_record("00000000000000a1", "", "invoke_agent",
                           R"(,{"key":"gen_ai.agent.id","value":{"stringValue":"agent-42"}})"));
  EventBatch first;
  decoder->decode(tool.refs, first);
  decoder->decode(chat.refs, first);
  EXPECT_TRUE(first.events.empty());  // held until its agent is known
  EventBatch second;
  decoder->decode(agent.refs, second);
  ASSERT_EQ(second.events.size(), 1u);
  const Event& e = second.events[0];
  EXPECT_EQ(e.id, "00000000000000c1");
  EXPECT_EQ(e.actor_id, "agent-42");
  EXPECT_EQ(e.tool, "sql.query");
  EXPECT_EQ(e.env, "prod");                 // deployment.environment.name
  EXPECT_EQ(e.outcome, Outcome::kFailure);  // status ERROR
  EXPECT_EQ(e.position.line, 1u);
}

TEST(OtelGenAiDecoder, FlushEmitsSpansWhoseAncestorNeverCameUnjoined) {
  auto decoder = testing::make(Format::kOtelGenAi);
  auto tool = lines_of(span_record("00000000000000c1", "00000000000000b1", "execute_tool",
                                   R"(,{"key":"gen_ai.tool.name","value":{"stringValue":"t"}})"));
  EventBatch batch;
  decoder->decode(tool.refs, batch);
  EXPECT_TRUE(batch.events.empty());
  decoder->flush(batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].actor_id, "support-bot");  // the service, for want of an agent
  EXPECT_TRUE(testing::attrs_have(batch.events[0], "join", "unjoined"));
}

TEST(OtelGenAiDecoder, HoldsAtMostMaxPendingSpansAndEmitsTheOldestUnjoined) {
  FormatOptions options;
  options.max_pending = 2;
  auto decoder = testing::make(Format::kOtelGenAi, nullptr, options);
  EventBatch batch;
  for (int i = 0; i < 5; ++i) {
    auto tool = lines_of(span_record("000000000000000" + std::to_string(i), "00000000000000ff",
                                     "execute_tool",
                                     R"(,{"key":"gen_ai.tool.name","value":{"stringValue":"t"}})"));
    decoder->decode(tool.refs, batch);
  }
  ASSERT_EQ(batch.events.size(), 3u);  // 5 held, bound 2: the 3 oldest went out
  EXPECT_EQ(batch.events[0].id, "0000000000000000");
  for (const Event& e : batch.events) EXPECT_TRUE(testing::attrs_have(e, "join", "unjoined"));
  decoder->flush(batch);
  EXPECT_EQ(batch.events.size(), 5u);
}

TEST(OtelGenAiDecoder, BadSpansAreDeadLettered) {
  auto decoder = testing::make(Format::kOtelGenAi);
  std::string bad_time = span_record("00000000000000d1", "", "execute_tool");
  bad_time.replace(bad_time.find("1763633700000000000"), 19, "17636337000000000x0");
  auto records =
      lines_of(bad_time + "\n" + R"({"resourceSpans":{}})" + "\n" +
               R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"1","spanId":"2"}]}]}]})" +
               "\n" + R"({"spans":[]})" + "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.events.empty());
  ASSERT_EQ(batch.dead_letters.size(), 4u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kBadTimestamp);
  EXPECT_EQ(batch.dead_letters[1].reason, DecodeError::kWrongType);
  EXPECT_EQ(batch.dead_letters[2].reason, DecodeError::kDuplicateKey);
  EXPECT_EQ(batch.dead_letters[3].field, "resourceSpans");
}

}  // namespace
}  // namespace aw::ingest
