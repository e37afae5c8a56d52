#include "store/event_block.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/store/store_testing.h"

namespace aw::store {
namespace {

constexpr std::string_view kLines =
    R"({"ts":"2026-11-20T10:15:30.123456Z","id":"evt-1","source":"gw","seq":7,"actor":{"id":"agent-1","type":"agent"},"credential":{"id":"tok-1"},"session":"s-1","task":"T-1","action":{"tool":"sql.execute","verb":"DROP TABLE","class":"delete"},"resource":{"type":"db.table","name":"db:prod/orders"},"env":"prod","outcome":"success","approval":"APR-1","src_ip":"10.0.0.1","attrs":{"rows":1},"extra":"kept"})"
    "\n"
    R"({"ts":"2026-11-20T10:15:31Z","id":"evt-\u0032","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"k8s.get"},"resource":{"name":"caf\u00e9"}})"
    "\n"
    R"({"ts":1795169731000,"source":"gw","actor":{"id":"agent-1"},"action":{"verb":"GET"},"outcome":"denied"})"
    "\n";

void expect_same(const ingest::Event& a, const ingest::Event& b) {
  EXPECT_EQ(a.ts_us, b.ts_us);
  for (int f = 0; f < kStringFieldCount; ++f) {
    EXPECT_EQ(string_field(a, f), string_field(b, f)) << "field " << f;
  }
  EXPECT_EQ(a.raw, b.raw);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.has_seq, b.has_seq);
  EXPECT_EQ(a.actor_type, b.actor_type);
  EXPECT_EQ(a.action_class, b.action_class);
  EXPECT_EQ(a.class_from_record, b.class_from_record);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.unknown_field_count, b.unknown_field_count);
  EXPECT_EQ(a.position.line, b.position.line);
  EXPECT_EQ(a.position.offset, b.position.offset);
  EXPECT_EQ(a.position.partition, b.position.partition);
}

class EventBlockTest : public ::testing::TestWithParam<BlockCodec> {};

TEST_P(EventBlockTest, RoundTripsEveryFieldAndTheRawRecord) {
  auto corpus = testing::decode_text(std::string(kLines), 100);
  const auto& events = corpus->batches[0].events;
  ASSERT_EQ(events.size(), 3u);
  // The unescaped id and resource live in the arena, not in the record.
  EXPECT_EQ(events[1].id, "evt-2");
  std::string text;
  std::vector<EventRecord> records(events.size());
  for (size_t i = 0; i < events.size(); ++i) copy_event(events[i], 0, &text, &records[i]);
  std::vector<uint32_t> order(events.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> origins = {"input.jsonl"};
  BlockEncoder encoder;
  std::string value;
  encoder.encode(text, records, order, origins, GetParam(), 1, &value);

  BlockHeader header;
  ASSERT_TRUE(parse_block_header(value, &header));
  EXPECT_EQ(header.count, 3u);
  EXPECT_EQ(header.min_ts, events[0].ts_us);
  EXPECT_EQ(header.max_ts, events[2].ts_us);

  BlockDecoder decoder;
  DecodedBlock block;
  ASSERT_TRUE(decoder.decode(value, &block).ok());
  ASSERT_EQ(block.events.size(), 3u);
  for (size_t i = 0; i < events.size(); ++i) expect_same(block.events[i], events[i]);
  EXPECT_EQ(block.origins[block.event_origin[2]], "input.jsonl");
}

TEST_P(EventBlockTest, RefusesDamagedBlocks) {
  auto corpus = testing::decode_text(std::string(kLines), 100);
  const auto& events = corpus->batches[0].events;
  std::string text;
  std::vector<EventRecord> records(events.size());
  for (size_t i = 0; i < events.size(); ++i) copy_event(events[i], 0, &text, &records[i]);
  std::vector<uint32_t> order = {0, 1, 2};
  std::vector<std::string> origins = {"x"};
  BlockEncoder encoder;
  std::string value;
  encoder.encode(text, records, order, origins, GetParam(), 1, &value);
  BlockDecoder decoder;
  DecodedBlock block;
  for (size_t cut : {size_t{0}, size_t{5}, value.size() / 2, value.size() - 1}) {
    Status status = decoder.decode(std::string_view(value).substr(0, cut), &block);
    EXPECT_FALSE(status.ok()) << cut;
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, EventBlockTest,
                         ::testing::Values(BlockCodec::kNone, BlockCodec::kLz4, BlockCodec::kZstd));

}  // namespace
}  // namespace aw::store
