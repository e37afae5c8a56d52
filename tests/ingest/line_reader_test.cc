#include "ingest/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace aw::ingest {
namespace {

struct Line {
  std::string bytes;
  uint64_t record_bytes;
  uint64_t line;
  uint64_t offset;
};

std::vector<Line> read_all(LineReader& reader, size_t* calls = nullptr) {
  std::vector<Line> lines;
  std::vector<RecordRef> records;
  size_t n = 0;
  while (true) {
    auto more = reader.next(records);
    EXPECT_TRUE(more.ok()) << more.status().to_string();
    if (!more.ok() || !*more) break;
    ++n;
    for (const RecordRef& r : records) {
      // The padding after every record is readable (ASan would object otherwise).
      volatile char last = r.bytes.data()[r.bytes.size() + kRecordPadding - 1];
      (void)last;
      lines.push_back(
          Line{std::string(r.bytes), r.record_bytes, r.position.line, r.position.offset});
    }
  }
  if (calls) *calls = n;
  return lines;
}

TEST(LineReader, SplitsLinesWithPositions) {
  testing::TempDir dir;
  auto path = dir.write("in.jsonl", "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}");
  auto reader = LineReader::open_file(path, {});
  ASSERT_TRUE(reader.ok());
  auto lines = read_all(*reader);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].bytes, "{\"a\":1}");
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[0].offset, 0u);
  EXPECT_EQ(lines[1].bytes, "{\"b\":2}");  // \r stripped, blank line skipped
  EXPECT_EQ(lines[1].line, 3u);
  EXPECT_EQ(lines[1].offset, 9u);
  EXPECT_EQ(lines[2].bytes, "{\"c\":3}");  // no final newline
  EXPECT_EQ(lines[2].line, 4u);
  EXPECT_EQ(lines[2].offset, 18u);
}

TEST(LineReader, CarriesLinesAcrossChunks) {
  testing::TempDir dir;
  std::string content;
  for (int i = 0; i < 5000; ++i)
    content += "{\"n\":" + std::to_string(i) + ",\"pad\":\"xxxxxxx\"}\n";
  auto path = dir.write("in.jsonl", content);
  LineReaderOptions options;
  options.chunk_bytes = 1000;
  options.max_record_bytes = 100;
  auto reader = LineReader::open_file(path, options);
  ASSERT_TRUE(reader.ok());
  size_t calls = 0;
  auto lines = read_all(*reader, &calls);
  ASSERT_EQ(lines.size(), 5000u);
  EXPECT_GT(calls, 10u);
  uint64_t offset = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string expected = "{\"n\":" + std::to_string(i) + ",\"pad\":\"xxxxxxx\"}";
    ASSERT_EQ(lines[i].bytes, expected);
    ASSERT_EQ(lines[i].line, static_cast<uint64_t>(i + 1));
    ASSERT_EQ(lines[i].offset, offset);
    offset += expected.size() + 1;
  }
}

TEST(LineReader, ReportsOversizedLinesOnceAndSkipsTheirRest) {
  testing::TempDir dir;
  std::string huge(10000, 'x');
  auto path = dir.write("in.jsonl", "first\n" + huge + "\nlast\n");
  LineReaderOptions options;
  options.chunk_bytes = 2048;
  options.max_record_bytes = 512;
  options.oversized_prefix_bytes = 16;
  auto reader = LineReader::open_file(path, options);
  ASSERT_TRUE(reader.ok());
  auto lines = read_all(*reader);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].bytes, "first");
  EXPECT_EQ(lines[1].bytes, std::string(16, 'x'));
  EXPECT_GT(lines[1].record_bytes, 512u);
  EXPECT_EQ(lines[1].line, 2u);
  EXPECT_EQ(lines[1].offset, 6u);
  EXPECT_EQ(lines[2].bytes, "last");
  EXPECT_EQ(lines[2].line, 3u);
  EXPECT_EQ(lines[2].offset, 6u + 10001u);
}

TEST(LineReader, OversizedLineThatFitsTheBufferKeepsItsFullSize) {
  testing::TempDir dir;
  auto path = dir.write("in.jsonl", std::string(600, 'y') + "\nok\n");
  LineReaderOptions options;
  options.max_record_bytes = 512;
  options.oversized_prefix_bytes = 8;
  auto reader = LineReader::open_file(path, options);
  ASSERT_TRUE(reader.ok());
  auto lines = read_all(*reader);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].bytes, std::string(8, 'y'));
  EXPECT_EQ(lines[0].record_bytes, 600u);
  EXPECT_EQ(lines[1].bytes, "ok");
}

TEST(LineReader, ReadsFromAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string content = "{\"a\":1}\n{\"b\":2}\n";
  ASSERT_EQ(::write(fds[1], content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::close(fds[1]);
  auto reader = LineReader::open_fd(fds[0], "<pipe>", {});
  ASSERT_TRUE(reader.ok());
  auto lines = read_all(*reader);
  ::close(fds[0]);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].bytes, "{\"b\":2}");
}

TEST(LineReader, MissingFileIsNotFound) {
  auto reader = LineReader::open_file("/nonexistent/agentwatch/in.jsonl", {});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find("/nonexistent/agentwatch/in.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace aw::ingest
