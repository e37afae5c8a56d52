// Bad input never crashes and never takes good records down with it: a file mixing good records
// with every kind of bad one, read by the LineReader and decoded in batches.
#include <gtest/gtest.h>

#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "tests/testing/bad_input_corpus.h"
#include "tests/testing/temp_dir.h"

namespace aw::ingest {
namespace {

TEST(BadInput, EveryGoodRecordDecodedEveryBadOneDeadLetteredWithItsReason) {
  auto corpus = testing::bad_input_corpus();
  testing::TempDir dir;
  auto path = dir.write("mixed.jsonl", testing::corpus_text(corpus));

  auto reader = LineReader::open_file(path, {});
  ASSERT_TRUE(reader.ok());
  auto decoder = NativeDecoder::make({});
  ASSERT_TRUE(decoder.ok());
  std::vector<RecordRef> records;
  std::vector<std::pair<uint64_t, DecodeError>> outcome_by_line;
  std::vector<std::string> good_ids;
  EventBatch batch;
  while (true) {
    auto more = reader->next(records);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    batch.clear();
    decoder->decode(records, batch);
    for (const Event& e : batch.events) {
      outcome_by_line.emplace_back(e.position.line, DecodeError::kNone);
      good_ids.emplace_back(e.id);
    }
    for (const DeadLetter& d : batch.dead_letters) {
      outcome_by_line.emplace_back(d.position.line, d.reason);
    }
  }
  std::sort(outcome_by_line.begin(), outcome_by_line.end());
  ASSERT_EQ(outcome_by_line.size(), corpus.size());
  size_t good = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    EXPECT_EQ(outcome_by_line[i].first, i + 1);
    EXPECT_EQ(outcome_by_line[i].second, corpus[i].expected)
        << "line " << i + 1 << ": got " << decode_error_name(outcome_by_line[i].second)
        << ", expected " << decode_error_name(corpus[i].expected) << " for "
        << corpus[i].bytes.substr(0, 120);
    if (corpus[i].expected == DecodeError::kNone) ++good;
  }
  EXPECT_EQ(good_ids.size(), good);
}

}  // namespace
}  // namespace aw::ingest
