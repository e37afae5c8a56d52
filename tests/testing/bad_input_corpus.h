// A JSON Lines corpus that mixes good native events with one record of every kind of bad input,
// each labelled with the reason the decoder must give. Shared by the unit-level bad-input test
// and the replay integration test.
#pragma once

#include <string>
#include <vector>

#include "ingest/decode_error.h"

namespace aw::testing {

struct CorpusLine {
  std::string bytes;
  ingest::DecodeError expected;  // kNone for a good record
};

inline std::string good_event(int n) {
  return R"({"ts":"2026-11-20T10:15:)" + std::string(n % 60 < 10 ? "0" : "") +
         std::to_string(n % 60) + R"(.5Z","id":"evt-)" + std::to_string(n) +
         R"(","source":"gw-1","seq":)" + std::to_string(n) + R"(,"actor":{"id":"agent-)" +
         std::to_string(n % 7) +
         R"(","type":"agent"},"credential":{"id":"tok-1"},"action":{"tool":"sql.execute",)"
         R"("verb":"SELECT"},"resource":{"type":"db.table","name":"db:prod/orders"},"env":"prod",)"
         R"("outcome":"success","attrs":{"rows":)" +
         std::to_string(n) + "}}";
}

// {"a":{"a":...{}...}} nested `depth` objects deep.
inline std::string nested_objects(int depth) {
  std::string text;
  for (int i = 1; i < depth; ++i) text += "{\"a\":";
  text += "{}";
  text.append(static_cast<size_t>(depth - 1), '}');
  return text;
}

inline std::vector<CorpusLine> bad_input_corpus() {
  using ingest::DecodeError;
  const std::string tail = R"("source":"gw","actor":{"id":"a"},"action":{"tool":"x"}})";
  std::vector<CorpusLine> bad = {
      {"this is not json", DecodeError::kNotJson},
      {R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"tool":"x"}} trailing)",
       DecodeError::kNotJson},
      {R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"tool":)", DecodeError::kTruncated},
      {R"({"ts":0,"source":"unterminated)", DecodeError::kTruncated},
      {R"({"ts":0,"deep":)" + std::string(5000, '[') + std::string(5000, ']') + "," + tail,
       DecodeError::kTooDeep},
      {R"({"ts":0,"attrs":)" + nested_objects(5000) + "," + tail, DecodeError::kTooDeep},
      {R"({"ts":0,"actor":{"id":"a","x":)" + nested_objects(5000) +
           R"(},"source":"gw","action":{"tool":"x"}})",
       DecodeError::kTooDeep},
      {R"({"ts":0,"source":"gw","actor":{"id":"a"},"action":{"tool":")" +
           std::string(2 << 20, 'A') + R"("}})",
       DecodeError::kTooLarge},
      {"{" + tail, DecodeError::kMissingField},
      {R"({"ts":0,"source":"gw","actor":{"id":"a"}})", DecodeError::kMissingField},
      {R"({"ts":0,"source":["gw"],"actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kWrongType},
      {"[" + good_event(1) + "]", DecodeError::kWrongType},
      {R"({"ts":"yesterday",)" + tail, DecodeError::kBadTimestamp},
      {R"({"ts":"2026-02-30T00:00:00Z",)" + tail, DecodeError::kBadTimestamp},
      {"{\"ts\":0,\"source\":\"gw\xc3\x28\",\"actor\":{\"id\":\"a\"},\"action\":{\"tool\":\"x\"}}",
       DecodeError::kInvalidUtf8},
      {R"({"ts":0,"outcome":"exploded",)" + tail, DecodeError::kInvalidValue},
      {R"({"ts":0,"source":"a","source":"b","actor":{"id":"a"},"action":{"tool":"x"}})",
       DecodeError::kDuplicateKey},
  };
  // Interleave: good, bad, good, bad, ... then a few more good records at the end.
  std::vector<CorpusLine> corpus;
  int n = 0;
  for (auto& line : bad) {
    corpus.push_back({good_event(n++), DecodeError::kNone});
    corpus.push_back(std::move(line));
  }
  for (int i = 0; i < 50; ++i) corpus.push_back({good_event(n++), DecodeError::kNone});
  return corpus;
}

inline std::string corpus_text(const std::vector<CorpusLine>& corpus) {
  std::string text;
  for (const auto& line : corpus) {
    text += line.bytes;
    text += '\n';
  }
  return text;
}

}  // namespace aw::testing
