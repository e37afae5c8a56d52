// Helpers for the format decoder tests: sample files as records (lines, as LineReader gives
// them, or one whole document), decoding them through make_decoder, and reading events' attrs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/format.h"
#include "ingest/formats/source_mapping.h"
#include "ingest/line_reader.h"
#include "ingest/timestamp.h"

namespace aw::testing {

inline std::string formats_data(const std::string& relative) {
  return std::string(AW_SOURCE_DIR) + "/tests/data/formats/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Records over one owned, padded buffer.
struct Records {
  std::unique_ptr<std::string> text;
  std::vector<ingest::RecordRef> refs;
};

// Splits `text` on '\n' like LineReader (empty lines skipped, '\r' dropped).
inline Records lines_of(std::string text) {
  Records records;
  size_t size = text.size();
  records.text = std::make_unique<std::string>(std::move(text));
  records.text->append(ingest::kRecordPadding, '\0');
  const std::string& t = *records.text;
  size_t start = 0;
  uint64_t line = 1;
  while (start < size) {
    size_t nl = t.find('\n', start);
    if (nl == std::string::npos || nl >= size) nl = size;
    size_t length = nl - start;
    if (length > 0 && t[start + length - 1] == '\r') --length;
    if (length > 0) {
      records.refs.push_back(
          ingest::RecordRef{{t.data() + start, length}, length, {line, start, -1}});
    }
    start = nl + 1;
    ++line;
  }
  return records;
}

// The whole text as one record (a Records file, a JSON array, a Kafka message).
inline Records document_of(std::string text) {
  Records records;
  size_t size = text.size();
  records.text = std::make_unique<std::string>(std::move(text));
  records.text->append(ingest::kRecordPadding, '\0');
  records.refs.push_back(ingest::RecordRef{{records.text->data(), size}, size, {1, 0, -1}});
  return records;
}

struct Decoded {
  ingest::EventBatch batch;
  std::unique_ptr<ingest::RecordDecoder> decoder;
};

inline std::unique_ptr<ingest::RecordDecoder> make(ingest::Format format,
                                                   const ingest::SourceMapping* mapping = nullptr,
                                                   ingest::FormatOptions options = {}) {
  auto made = ingest::make_decoder(format, ingest::DecoderOptions{}, mapping, options);
  EXPECT_TRUE(made.ok()) << made.status().message();
  return made.ok() ? std::move(made.value()) : nullptr;
}

// Decodes `records` in one batch and flushes the joins into it.
inline void decode_all(ingest::RecordDecoder& decoder, const Records& records,
                       ingest::EventBatch& batch) {
  decoder.decode(records.refs, batch);
  decoder.flush(batch);
}

inline ingest::SourceMapping mapping_of(const std::string& yaml) {
  auto parsed = ingest::SourceMapping::parse(yaml, "test-mapping.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? std::move(parsed.value()) : ingest::SourceMapping();
}

// The event with this id; fails the test when there is none.
inline const ingest::Event* event_with_id(const ingest::EventBatch& batch, std::string_view id) {
  for (const ingest::Event& event : batch.events) {
    if (event.id == id) return &event;
  }
  ADD_FAILURE() << "no event with id " << id;
  return nullptr;
}

inline int64_t time_us(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

inline bool attrs_have(const ingest::Event& event, std::string_view key, std::string_view value) {
  std::string needle = "\"" + std::string(key) + "\":\"" + std::string(value) + "\"";
  return event.attrs_json.find(needle) != std::string_view::npos;
}

}  // namespace aw::testing
