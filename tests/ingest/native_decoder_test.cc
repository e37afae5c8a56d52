#include "ingest/native_decoder.h"

#include <gtest/gtest.h>

#include <string>

#include "ingest/timestamp.h"

namespace aw::ingest {
namespace {

class NativeDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = NativeDecoder::make(options_);
    ASSERT_TRUE(made.ok()) << made.status().to_string();
    decoder_.emplace(std::move(made.value()));
  }

  // Decodes one record held in a buffer with the padding decoders expect.
  DecodeError decode(std::string_view json) {
    buffer_.assign(json);
    buffer_.append(kRecordPadding, '\0');
    RecordRef record{{buffer_.data(), json.size()}, json.size(), {1, 0, -1}};
    field_ = {};
    return decoder_->decode_one(record, event_, arena_, &field_);
  }

  static std::string with(std::string_view ts_json) {
    return R"({"ts":)" + std::string(ts_json) +
           R"(,"source":"gw","actor":{"id":"agent-1"},"action":{"tool":"sql.execute"}})";
  }

  DecoderOptions options_;
  std::optional<NativeDecoder> decoder_;
  std::string buffer_;
  Event event_;
  StringArena arena_;
  std::string_view field_;
};

constexpr std::string_view kFullEvent =
    R"({"ts":"2026-11-20T10:15:30.123456Z", "id":"evt-7f3a", "source":"mcp-gateway-eu1", "seq":184467,)"
    R"( "actor":{"id":"agent-0421","type":"agent"}, "credential":{"id":"tok-9f3a"}, "session":"sess-77",)"
    R"( "task":"CHG-1234", "action":{"tool":"sql.execute","verb":"DROP TABLE","class":"delete"},)"
    R"( "resource":{"type":"db.table","name":"db:prod/orders"}, "env":"prod", "outcome":"success",)"
    R"( "approval":"APR-552", "src_ip":"10.1.2.3", "attrs":{"rows":12,"q":{"a":[1,2]}}})";

TEST_F(NativeDecoderTest, DecodesEveryFieldOfTheDesignExample) {
  ASSERT_EQ(decode(kFullEvent), DecodeError::kNone) << field_;
  int64_t expected_ts;
  ASSERT_TRUE(parse_rfc3339("2026-11-20T10:15:30.123456Z", &expected_ts));
  EXPECT_EQ(event_.ts_us, expected_ts);
  EXPECT_EQ(event_.id, "evt-7f3a");
  EXPECT_EQ(event_.source, "mcp-gateway-eu1");
  EXPECT_TRUE(event_.has_seq);
  EXPECT_EQ(event_.seq, 184467u);
  EXPECT_EQ(event_.actor_id, "agent-0421");
  EXPECT_EQ(event_.actor_type, ActorType::kAgent);
  EXPECT_EQ(event_.credential_id, "tok-9f3a");
  EXPECT_EQ(event_.session, "sess-77");
  EXPECT_EQ(event_.task, "CHG-1234");
  EXPECT_EQ(event_.tool, "sql.execute");
  EXPECT_EQ(event_.verb, "DROP TABLE");
  EXPECT_EQ(event_.action_class, ActionClass::kDelete);
  EXPECT_TRUE(event_.class_from_record);
  EXPECT_EQ(event_.resource_type, "db.table");
  EXPECT_EQ(event_.resource_name, "db:prod/orders");
  EXPECT_EQ(event_.env, "prod");
  EXPECT_EQ(event_.outcome, Outcome::kSuccess);
  EXPECT_EQ(event_.approval, "APR-552");
  EXPECT_EQ(event_.src_ip, "10.1.2.3");
  EXPECT_EQ(event_.attrs_json, R"({"rows":12,"q":{"a":[1,2]}})");
  EXPECT_EQ(event_.raw, kFullEvent);
  EXPECT_EQ(event_.unknown_field_count, 0u);
}

TEST_F(NativeDecoderTest, AcceptsEveryTimestampForm) {
  struct Case {
    std::string_view json;
    std::string_view rfc3339;
  };
  for (const Case& c : {
           Case{R"("2026-11-20T10:15:30Z")", "2026-11-20T10:15:30Z"},
           Case{R"("2026-11-20T10:15:30.1Z")", "2026-11-20T10:15:30.100Z"},
           Case{R"("2026-11-20T10:15:30.123Z")", "2026-11-20T10:15:30.123Z"},
           Case{R"("2026-11-20T10:15:30.123456Z")", "2026-11-20T10:15:30.123456Z"},
           Case{R"("2026-11-20T10:15:30.123456789Z")", "2026-11-20T10:15:30.123456Z"},
           Case{R"("2026-11-20T12:15:30+02:00")", "2026-11-20T10:15:30Z"},
           Case{R"("2026-11-20T05:15:30.5-05:00")", "2026-11-20T10:15:30.5Z"},
           Case{R"("2026-11-20t10:15:30z")", "2026-11-20T10:15:30Z"},
           Case{R"(1763633730123)", "2025-11-20T10:15:30.123Z"},
           Case{R"(0)", "1970-01-01T00:00:00Z"},
       }) {
    ASSERT_EQ(decode(with(c.json)), DecodeError::kNone) << c.json;
    int64_t expected;
    ASSERT_TRUE(parse_rfc3339(c.rfc3339, &expected));
    EXPECT_EQ(event_.ts_us, expected) << c.json;
  }
}

TEST_F(NativeDecoderTest, UnescapesStringsIntoTheArena) {
  ASSERT_EQ(decode(R"({"ts":0,"source":"gw","actor":{"id":"agent-\u0031\"x\""},)"
                   R"("action":{"tool":"a\/b"}})"),
            DecodeError::kNone);
  EXPECT_EQ(event_.actor_id, "agent-1\"x\"");
  EXPECT_EQ(event_.tool, "a/b");
  EXPECT_EQ(event_.source, "gw");
}

TEST_F(NativeDecoderTest, UnescapesEveryEscapeKind) {
  ASSERT_EQ(decode(R"({"ts":0,"source":"q\"b\\s\/b\bf\fn\nr\rt\t","actor":{"id":)"
                   R"("\u00e9\u20ac\ud83d\ude00"},"action":{"tool":"x"}})"),
            DecodeError::kNone)
      << field_;
  EXPECT_EQ(event_.source, "q\"b\\s/b\bf\fn\nr\rt\t");
  EXPECT_EQ(event_.actor_id, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST_F(NativeDecoderTest, KnownKeysSpelledWithEscapesStillCount) {
  ASSERT_EQ(decode(R"({"t\u0073":0,"source":"gw","\u0061ctor":{"\u0069d":"a"},)"
                   R"("action":{"tool":"x"}})"),
            DecodeError::kNone)
      << field_;
  EXPECT_EQ(event_.actor_id, "a");
  EXPECT_EQ(event_.unknown_field_count, 0u);
}

TEST_F(NativeDecoderTest, RegistryUpdatesAreControlRecordsInArrivalOrder) {
  std::string text = with("0") + "\n" +
                     R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-1",)"
                     R"("at":"2026-11-20T10:20:00Z"}})" +
                     "\n" + with("1") + "\n" + R"({"registry_update":"revoke"})" + "\n";
  text.append(kRecordPadding, '\0');
  std::vector<RecordRef> records;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    records.push_back(RecordRef{{text.data() + start, nl - start}, nl - start, {1, start, -1}});
  }
  EventBatch batch;
  decoder_->decode(records, batch);
  ASSERT_EQ(batch.events.size(), 2u);
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_EQ(batch.controls[0].before_event, 1u);
  EXPECT_NE(batch.controls[0].raw.find("tok-1"), std::string_view::npos);
  ASSERT_EQ(batch.dead_letters.size(), 1u);  // an update must be an object
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kWrongType);
  EXPECT_EQ(batch.dead_letters[0].field, "registry_update");
}

TEST_F(NativeDecoderTest, VerbAloneSatisfiesTheActionRequirement) {
  ASSERT_EQ(decode(R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"verb":"DELETE"}})"),
            DecodeError::kNone);
  EXPECT_EQ(event_.verb, "DELETE");
  EXPECT_EQ(event_.action_class, ActionClass::kUnset);
  EXPECT_FALSE(event_.class_from_record);
}

TEST_F(NativeDecoderTest, KeepsUnknownFieldsAsEvidence) {
  std::string json =
      R"({"ts":0,"source":"gw","extra":{"k":[1,{"x":null}]},"actor":{"id":"a","team":"t"},)"
      R"("action":{"tool":"x","args":"rm -rf /"},"n":1.5,"flag":true})";
  ASSERT_EQ(decode(json), DecodeError::kNone) << field_;
  EXPECT_EQ(event_.unknown_field_count, 5u);
  EXPECT_EQ(event_.raw, json);
}

TEST_F(NativeDecoderTest, NullCountsAsAbsentForOptionalFields) {
  ASSERT_EQ(decode(R"({"ts":0,"source":"gw","actor":{"id":"a","type":null},"credential":null,)"
                   R"("action":{"tool":"x"},"env":null,"attrs":null,"seq":null})"),
            DecodeError::kNone)
      << field_;
  EXPECT_TRUE(event_.credential_id.empty());
  EXPECT_TRUE(event_.env.empty());
  EXPECT_FALSE(event_.has_seq);
}

struct BadCase {
  std::string_view name;
  std::string json;
  DecodeError reason;
  std::string_view field;
};

TEST_F(NativeDecoderTest, ReportsTheReasonOfEveryBadRecord) {
  const std::string ok_tail = R"("source":"gw","actor":{"id":"a"},"action":{"tool":"x"}})";
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  std::vector<BadCase> cases = {
      {"not json", "hello world", DecodeError::kNotJson, ""},
      {"bad literal", R"({"ts":0,"source":tru,"actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kNotJson, "source"},
      {"bad number", R"({"ts":0,"source":1.2.3,"actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kNotJson, "source"},
      // Found by the fuzzer: a malformed atom where a string or null belongs once threw.
      {"malformed null", R"({"ts":0,"source":"gw","actor":{"id":null"b"},"action":{"tool":"x"}})",
       DecodeError::kNotJson, "actor.id"},
      {"trailing content", R"({"ts":0,)" + ok_tail + " {}", DecodeError::kNotJson, ""},
      {"bad escape", R"({"ts":0,"source":"g\qw","actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kNotJson, "source"},
      {"truncated object", R"({"ts":0,"source":"gw","actor":{"id":"a"})", DecodeError::kTruncated,
       ""},
      {"truncated string", R"({"ts":0,"source":"g)", DecodeError::kTruncated, ""},
      {"too deep unknown", R"({"ts":0,"x":)" + deep + "," + ok_tail, DecodeError::kTooDeep, ""},
      {"too deep attrs", R"({"ts":0,"attrs":{"a":)" + deep + "}," + ok_tail, DecodeError::kTooDeep,
       "attrs"},
      {"missing ts", "{" + ok_tail, DecodeError::kMissingField, "ts"},
      {"null ts", R"({"ts":null,)" + ok_tail, DecodeError::kMissingField, "ts"},
      {"missing source", R"({"ts":0,"actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kMissingField, "source"},
      {"missing actor", R"({"ts":0,"source":"gw","action":{"tool":"x"}})",
       DecodeError::kMissingField, "actor.id"},
      {"empty actor id", R"({"ts":0,"source":"gw","actor":{"id":""},"action":{"tool":"x"}})",
       DecodeError::kMissingField, "actor.id"},
      {"missing action", R"({"ts":0,"source":"gw","actor":{"id":"a"}})", DecodeError::kMissingField,
       "action.tool"},
      {"root array", "[1,2]", DecodeError::kWrongType, ""},
      {"root string", R"("event")", DecodeError::kWrongType, ""},
      {"numeric actor id", R"({"ts":0,"source":"gw","actor":{"id":7},"action":{"tool":"x"}})",
       DecodeError::kWrongType, "actor.id"},
      {"actor not object", R"({"ts":0,"source":"gw","actor":"a","action":{"tool":"x"}})",
       DecodeError::kWrongType, "actor"},
      {"ts boolean", R"({"ts":true,)" + ok_tail, DecodeError::kWrongType, "ts"},
      {"seq string", R"({"ts":0,"seq":"5",)" + ok_tail, DecodeError::kWrongType, "seq"},
      {"seq negative", R"({"ts":0,"seq":-5,)" + ok_tail, DecodeError::kWrongType, "seq"},
      {"attrs array", R"({"ts":0,"attrs":[],)" + ok_tail, DecodeError::kWrongType, "attrs"},
      {"bad month", R"({"ts":"2026-13-01T00:00:00Z",)" + ok_tail, DecodeError::kBadTimestamp, "ts"},
      {"no zone", R"({"ts":"2026-11-20T10:15:30",)" + ok_tail, DecodeError::kBadTimestamp, "ts"},
      {"fractional ms", R"({"ts":1.5,)" + ok_tail, DecodeError::kBadTimestamp, "ts"},
      {"ms out of range", R"({"ts":99999999999999999,)" + ok_tail, DecodeError::kBadTimestamp,
       "ts"},
      {"invalid utf8",
       "{\"ts\":0,\"source\":\"g\xff\xfe\",\"actor\":{\"id\":\"a\"},"
       "\"action\":{\"tool\":\"x\"}}",
       DecodeError::kInvalidUtf8, ""},
      {"lone surrogate bytes",
       "{\"ts\":0,\"source\":\"\xed\xa0\x80\",\"actor\":{\"id\":\"a\"},"
       "\"action\":{\"tool\":\"x\"}}",
       DecodeError::kInvalidUtf8, ""},
      {"unknown actor type",
       R"({"ts":0,"source":"gw","actor":{"id":"a","type":"robot"},"action":{"tool":"x"}})",
       DecodeError::kInvalidValue, "actor.type"},
      {"unknown class",
       R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"tool":"x","class":"nuke"}})",
       DecodeError::kInvalidValue, "action.class"},
      {"unknown outcome", R"({"ts":0,"outcome":"maybe",)" + ok_tail, DecodeError::kInvalidValue,
       "outcome"},
      {"duplicate ts", R"({"ts":0,"ts":1,)" + ok_tail, DecodeError::kDuplicateKey, "ts"},
      {"duplicate ts spelled with an escape", R"({"ts":0,"t\u0073":1,)" + ok_tail,
       DecodeError::kDuplicateKey, "ts"},
      {"lone surrogate escape",
       R"({"ts":0,"source":"\ud800","actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kInvalidUtf8, "source"},
      {"escaped timestamp", R"({"ts":"2026-11-20T10:15:30\u005a",)" + ok_tail,
       DecodeError::kBadTimestamp, "ts"},
      {"duplicate actor id",
       R"({"ts":0,"source":"gw","actor":{"id":"a","id":"b"},"action":{"tool":"x"}})",
       DecodeError::kDuplicateKey, "actor.id"},
  };
  for (const BadCase& c : cases) {
    EXPECT_EQ(decode(c.json), c.reason)
        << c.name << ": got " << decode_error_name(decode(c.json)) << " for " << c.json;
    EXPECT_EQ(field_, c.field) << c.name;
  }
}

TEST_F(NativeDecoderTest, RejectsRecordsOverTheSizeLimit) {
  options_.max_record_bytes = 256;
  SetUp();
  std::string big = R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"tool":")" +
                    std::string(300, 'x') + R"("}})";
  EXPECT_EQ(decode(big), DecodeError::kTooLarge);
  // A record the reader already cut to a prefix is too large by its full size.
  buffer_.assign(big.substr(0, 100));
  buffer_.append(kRecordPadding, '\0');
  RecordRef prefix{{buffer_.data(), 100}, big.size(), {1, 0, -1}};
  EXPECT_EQ(decoder_->decode_one(prefix, event_, arena_, &field_), DecodeError::kTooLarge);
}

TEST_F(NativeDecoderTest, DepthLimitCountsTheRecordItself) {
  options_.max_depth = 4;
  SetUp();
  // Record (1) > attrs (2) > [ (3) > [ (4): allowed; one more level is not.
  EXPECT_EQ(decode(R"({"ts":0,"attrs":{"a":[[1]]},"source":"gw","actor":{"id":"a"},)"
                   R"("action":{"tool":"x"}})"),
            DecodeError::kNone);
  EXPECT_EQ(decode(R"({"ts":0,"attrs":{"a":[[[1]]]},"source":"gw","actor":{"id":"a"},)"
                   R"("action":{"tool":"x"}})"),
            DecodeError::kTooDeep);
  EXPECT_EQ(decode(R"({"ts":0,"x":[[[1]]],"source":"gw","actor":{"id":"a"},)"
                   R"("action":{"tool":"x"}})"),
            DecodeError::kNone);
  EXPECT_EQ(decode(R"({"ts":0,"x":[[[[1]]]],"source":"gw","actor":{"id":"a"},)"
                   R"("action":{"tool":"x"}})"),
            DecodeError::kTooDeep);
}

TEST_F(NativeDecoderTest, BatchSeparatesEventsFromDeadLetters) {
  std::string text = std::string(kFullEvent) + "\n" + "garbage\n" + with("0") + "\n";
  text.append(kRecordPadding, '\0');
  std::vector<RecordRef> records;
  size_t start = 0;
  uint64_t line = 1;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    records.push_back(
        RecordRef{{text.data() + start, nl - start}, nl - start, {line++, start, -1}});
  }
  EventBatch batch;
  decoder_->decode(records, batch);
  ASSERT_EQ(batch.events.size(), 2u);
  ASSERT_EQ(batch.dead_letters.size(), 1u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kNotJson);
  EXPECT_EQ(batch.dead_letters[0].position.line, 2u);
  EXPECT_EQ(batch.dead_letters[0].raw, "garbage");
  EXPECT_EQ(batch.events[1].position.line, 3u);
  EXPECT_EQ(batch.events[0].id, "evt-7f3a");
}

TEST(NativeDecoderOptions, RejectsNonsenseLimits) {
  DecoderOptions options;
  options.max_record_bytes = 0;
  EXPECT_FALSE(NativeDecoder::make(options).ok());
  options = DecoderOptions();
  options.max_depth = 1;
  EXPECT_FALSE(NativeDecoder::make(options).ok());
}

}  // namespace
}  // namespace aw::ingest
