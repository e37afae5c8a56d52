// Hostile records for every JSON format (issue 8's bad-input classes): a real sample record of
// each format, mutated — a 10 MB string, deep nesting, a known key given twice, a lone surrogate
// and a NUL byte in a known string, timestamps past the year 9999 and at the edges of the range.
// Each mutation must come out as the expected dead letter, or as an event that keeps every
// invariant the later stages rely on; none may crash (the fuzz target covers random bytes).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

struct FormatCase {
  Format format;
  const char* file;
  const char* seed_contains;  // the sample line to mutate contains this (JSON Lines files)
  bool whole;                 // the file is one document (CloudTrail's {"Records":[...]})
  const char* record_start;   // where the record's object starts ("" = the line's first byte)
  const char* known_key;      // a top-level key the decoder reads
  const char* string_key;     // a key whose string value the event carries
  const char* time_key;       // the key of an RFC 3339 time, or "" when the format has none
};

const FormatCase kCases[] = {
    {Format::kCloudTrail, "cloudtrail/invictus-stratus-selection.json", "", true, "\"Records\":[",
     "eventName", "eventName", "eventTime"},
    {Format::kK8sAudit, "k8s-audit/audit2rbac-demo.log", "\"auditID\"", false, "", "verb", "verb",
     "timestamp"},
    {Format::kClaudeHook, "claude-code-hooks/mcp-venus-os_pre_tool_use.selected.json", "", true, "",
     "tool_name", "tool_name", ""},
    {Format::kMcp, "mcp/spec-examples-2025-06-18_NOT-CAPTURED-TRAFFIC.jsonl", "tools/call", false,
     "", "method", "method", ""},
    {Format::kGithubAudit, "github-audit/constructed-from-docs.jsonl", "git.push", false, "",
     "action", "action", ""},
    {Format::kVaultAudit, "vault-audit/constructed-from-docs.jsonl", "\"type\":\"request\"", false,
     "", "type", "operation", "time"},
};

// The sample record to mutate, minified (so the mutations can find `"key":"`); documents keep
// only their first record (CloudTrail's Records, the hooks' array), so one record's fate is the
// whole batch's.
std::string seed_of(const FormatCase& c) {
  std::string text = testing::read_text(testing::formats_data(c.file));
  if (!c.whole) {
    size_t at = text.find(c.seed_contains);
    EXPECT_NE(at, std::string::npos) << c.file;
    size_t start = text.rfind('\n', at);
    start = start == std::string::npos ? 0 : start + 1;
    size_t end = text.find('\n', at);
    text = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  EXPECT_FALSE(parser.parse(padded).get(root)) << c.file;
  if (c.format == Format::kCloudTrail) {
    simdjson::dom::element first;
    EXPECT_FALSE(root["Records"].at(0).get(first)) << c.file;
    return "{\"Records\":[" + simdjson::minify(first) + "]}";
  }
  // The hook sample is an array of payloads: one payload, as one message carries it.
  simdjson::dom::element first;
  if (root.is_array() && !root.at(0).get(first)) return simdjson::minify(first);
  return simdjson::minify(root);
}

// `member` ("\"k\":v,") inserted as the record object's first member.
std::string with_first_member(const FormatCase& c, const std::string& seed,
                              const std::string& member) {
  size_t at = std::string_view(c.record_start).empty() ? 0 : seed.find(c.record_start);
  EXPECT_NE(at, std::string::npos);
  at = seed.find('{', at);
  return seed.substr(0, at + 1) + member + seed.substr(at + 1);
}

// The first string value of `key` replaced by `value` (a JSON string's body).
std::optional<std::string> with_string_value(const std::string& seed, const std::string& key,
                                             const std::string& value) {
  const std::string pattern = "\"" + key + "\":\"";
  size_t at = seed.find(pattern);
  if (at == std::string::npos) return std::nullopt;
  size_t begin = at + pattern.size();
  size_t end = seed.find('"', begin);
  return seed.substr(0, begin) + value + seed.substr(end);
}

std::string nested(int depth) {
  std::string text;
  for (int i = 1; i < depth; ++i) text += "{\"a\":";
  text += "{}";
  text.append(static_cast<size_t>(depth - 1), '}');
  return text;
}

bool utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// What came out of one record, with the record's buffer the events point into.
struct Output {
  testing::Records records;
  EventBatch batch;
};

// Decodes one hostile record and checks every invariant of what comes out.
Output decode_one(const FormatCase& c, const std::string& record) {
  FormatOptions options;
  options.assume_ts_us = testing::time_us("2026-11-20T10:00:00Z");  // hooks and MCP carry none
  auto decoder = testing::make(c.format, nullptr, options);
  Output out;
  if (decoder == nullptr) return out;
  out.records = c.whole ? testing::document_of(record) : testing::lines_of(record);
  EventBatch& batch = out.batch;
  testing::decode_all(*decoder, out.records, batch);
  for (const Event& e : batch.events) {
    EXPECT_FALSE(e.source.empty());
    EXPECT_FALSE(e.actor_id.empty());
    EXPECT_TRUE(!e.tool.empty() || !e.verb.empty());
    EXPECT_GE(e.ts_us, kMinTimeUs);
    EXPECT_LE(e.ts_us, kMaxTimeUs);
    for (std::string_view s :
         {e.id, e.source, e.actor_id, e.credential_id, e.session, e.task, e.tool, e.verb,
          e.resource_type, e.resource_name, e.env, e.approval, e.src_ip, e.attrs_json}) {
      EXPECT_TRUE(utf8(s)) << format_name(c.format) << ": an event field is not UTF-8";
    }
    if (!e.attrs_json.empty()) {
      simdjson::padded_string copy(e.attrs_json);
      simdjson::dom::parser parser;
      EXPECT_FALSE(parser.parse(copy).error()) << format_name(c.format) << ": " << e.attrs_json;
    }
  }
  for (const DeadLetter& letter : batch.dead_letters) EXPECT_NE(letter.reason, DecodeError::kNone);
  return out;
}

// The reason every dead letter of `batch` gives, or kNone when it holds events only.
DecodeError only_reason(const EventBatch& batch) {
  if (batch.dead_letters.empty()) return DecodeError::kNone;
  return batch.dead_letters.front().reason;
}

TEST(HostileInput, EverySeedDecodesUnmutated) {
  for (const FormatCase& c : kCases) {
    Output out = decode_one(c, seed_of(c));
    const EventBatch& batch = out.batch;
    EXPECT_FALSE(batch.events.empty()) << format_name(c.format);
    EXPECT_TRUE(batch.dead_letters.empty()) << format_name(c.format);
  }
}

TEST(HostileInput, ATenMegabyteStringIsTooLarge) {
  const std::string big = "\"zz_big\":\"" + std::string(10 << 20, 'A') + "\",";
  for (const FormatCase& c : kCases) {
    Output out = decode_one(c, with_first_member(c, seed_of(c), big));
    const EventBatch& batch = out.batch;
    EXPECT_TRUE(batch.events.empty()) << format_name(c.format);
    EXPECT_EQ(only_reason(batch), DecodeError::kTooLarge) << format_name(c.format);
  }
}

TEST(HostileInput, DeepNestingInAnUnreadFieldIsTooDeep) {
  const std::string deep = "\"zz_deep\":" + nested(5000) + ",";
  for (const FormatCase& c : kCases) {
    Output out = decode_one(c, with_first_member(c, seed_of(c), deep));
    const EventBatch& batch = out.batch;
    EXPECT_TRUE(batch.events.empty()) << format_name(c.format);
    EXPECT_EQ(only_reason(batch), DecodeError::kTooDeep) << format_name(c.format);
  }
}

TEST(HostileInput, DeepNestingInAKnownFieldIsRefused) {
  for (const FormatCase& c : kCases) {
    // The known key's value replaced by 5,000 nested objects: too deep, or the wrong type.
    auto mutated = with_string_value(seed_of(c), c.string_key, "");
    ASSERT_TRUE(mutated.has_value()) << format_name(c.format);
    const std::string pattern = std::string("\"") + c.string_key + "\":\"\"";
    size_t at = mutated->find(pattern);
    ASSERT_NE(at, std::string::npos);
    std::string record = mutated->substr(0, at) + "\"" + c.string_key + "\":" + nested(5000) +
                         mutated->substr(at + pattern.size());
    Output out = decode_one(c, record);
    const EventBatch& batch = out.batch;
    EXPECT_TRUE(batch.events.empty()) << format_name(c.format);
    DecodeError reason = only_reason(batch);
    EXPECT_TRUE(reason == DecodeError::kTooDeep || reason == DecodeError::kWrongType)
        << format_name(c.format) << ": " << decode_error_name(reason);
  }
}

TEST(HostileInput, AKnownKeyGivenTwiceIsADuplicate) {
  // Parsers disagree on which copy wins: an attacker could show us one value and the next
  // tool another.
  for (const FormatCase& c : kCases) {
    std::string dup = std::string("\"") + c.known_key + "\":\"decoy\",";
    Output out = decode_one(c, with_first_member(c, seed_of(c), dup));
    const EventBatch& batch = out.batch;
    EXPECT_TRUE(batch.events.empty()) << format_name(c.format);
    EXPECT_EQ(only_reason(batch), DecodeError::kDuplicateKey) << format_name(c.format);
  }
}

TEST(HostileInput, ALoneSurrogateNeverReachesAnEvent) {
  for (const FormatCase& c : kCases) {
    auto record = with_string_value(seed_of(c), c.string_key, "x\\ud800y");
    ASSERT_TRUE(record.has_value()) << format_name(c.format);
    Output out = decode_one(c, *record);
    const EventBatch& batch = out.batch;  // invariants: every event field is UTF-8
    if (batch.events.empty()) {
      EXPECT_EQ(only_reason(batch), DecodeError::kInvalidUtf8) << format_name(c.format);
    }
  }
}

TEST(HostileInput, NulBytesInAKnownStringAreKeptOrRefusedNeverCut) {
  for (const FormatCase& c : kCases) {
    // Escaped: valid JSON; the value keeps its NUL and its length.
    auto escaped = with_string_value(seed_of(c), c.string_key, "a\\u0000b");
    ASSERT_TRUE(escaped.has_value());
    Output out = decode_one(c, *escaped);
    const EventBatch& batch = out.batch;
    for (const Event& e : batch.events) {
      for (std::string_view s : {e.tool, e.verb, e.resource_name, e.actor_id}) {
        if (s.find('\0') != std::string_view::npos) {
          EXPECT_NE(s.find(std::string_view("a\0b", 3)), std::string_view::npos)
              << format_name(c.format);
        }
      }
    }
    // Raw: a control character inside a string is not JSON.
    auto raw = with_string_value(seed_of(c), c.string_key, std::string("a\0b", 3));
    ASSERT_TRUE(raw.has_value());
    Output raw_out = decode_one(c, *raw);
    const EventBatch& raw_batch = raw_out.batch;
    EXPECT_TRUE(raw_batch.events.empty()) << format_name(c.format);
    EXPECT_NE(only_reason(raw_batch), DecodeError::kNone) << format_name(c.format);
  }
}

TEST(HostileInput, TimesPastTheYear9999AreBadAndTheRangesEdgesAreKept) {
  for (const FormatCase& c : kCases) {
    if (std::string_view(c.time_key).empty()) continue;
    const std::string seed = seed_of(c);
    auto beyond = with_string_value(seed, c.time_key, "10000-01-01T00:00:00Z");
    ASSERT_TRUE(beyond.has_value()) << format_name(c.format);
    Output bad_out = decode_one(c, *beyond);
    const EventBatch& bad = bad_out.batch;
    EXPECT_TRUE(bad.events.empty()) << format_name(c.format);
    EXPECT_EQ(only_reason(bad), DecodeError::kBadTimestamp) << format_name(c.format);

    Output first_out = decode_one(c, *with_string_value(seed, c.time_key, "0001-01-01T00:00:00Z"));
    const EventBatch& first = first_out.batch;
    ASSERT_FALSE(first.events.empty()) << format_name(c.format);
    EXPECT_EQ(first.events.front().ts_us, kMinTimeUs) << format_name(c.format);
    Output last_out =
        decode_one(c, *with_string_value(seed, c.time_key, "9999-12-31T23:59:59.999999Z"));
    const EventBatch& last = last_out.batch;
    ASSERT_FALSE(last.events.empty()) << format_name(c.format);
    EXPECT_EQ(last.events.front().ts_us, kMaxTimeUs) << format_name(c.format);
  }
}

TEST(HostileInput, HugeNumbersAsTimesAreBad) {
  // GitHub's @timestamp is epoch milliseconds; a number past any time, or not a number at all.
  FormatCase c = kCases[4];
  ASSERT_EQ(c.format, Format::kGithubAudit);
  const std::string seed = seed_of(c);
  size_t at = seed.find("\"@timestamp\":");
  ASSERT_NE(at, std::string::npos);
  size_t begin = at + std::string_view("\"@timestamp\":").size();
  size_t end = seed.find(',', begin);
  for (const char* number : {"1e400", "123456789012345678901234567890", "-99999999999999999"}) {
    Output out = decode_one(c, seed.substr(0, begin) + number + seed.substr(end));
    const EventBatch& batch = out.batch;
    EXPECT_TRUE(batch.events.empty()) << number;
    EXPECT_NE(only_reason(batch), DecodeError::kNone) << number;
  }
}

}  // namespace
}  // namespace aw::ingest

namespace aw::ingest {
namespace {

TEST(HostileInput, PgauditLinesTooLongBadTimesAndBadBytesAreDeadLettered) {
  auto mapping = testing::mapping_of("log_line_prefix: \"%m [%p] \"\n");
  auto decoder = testing::make(Format::kPgaudit, &mapping);
  ASSERT_NE(decoder, nullptr);
  const std::string entry = "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,";
  std::string text;
  text += "2021-10-30 07:23:56.123 UTC [42] " + entry + std::string(10 << 20, 'x') + ",<none>\n";
  text += "10000-01-01 00:00:00 UTC [42] " + entry + "select 1,<none>\n";
  text += "2021-10-30 07:23:56 UTC [42] " + entry + "select '\xc3\x28',<none>\n";
  text += "2021-10-30 07:23:56 UTC [42] " + entry + "select 1,<none>\n";  // a good one
  EventBatch batch;
  auto records = testing::lines_of(text);
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.dead_letters.size(), 3u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kTooLarge);
  EXPECT_EQ(batch.dead_letters[1].reason, DecodeError::kBadTimestamp)
      << decode_error_name(batch.dead_letters[1].reason);
  EXPECT_EQ(batch.dead_letters[2].reason, DecodeError::kInvalidUtf8);
}

}  // namespace
}  // namespace aw::ingest
