// The nesting scan the format decoders use on values they leave unread.
#include "ingest/formats/json_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "ingest/line_reader.h"

namespace aw::ingest::formats {
namespace {

// `text` followed by exactly kRecordPadding bytes of `fill`, in a buffer of its own so that
// AddressSanitizer catches a read past the padding.
std::string padded(std::string_view text, char fill) {
  std::string buffer(text);
  buffer.append(kRecordPadding, fill);
  return buffer;
}

TEST(JsonReader, NestingCountsObjectsAndArraysOutsideStrings) {
  std::string text = padded(R"({"a":[{"b":"[[{{"}],"c":"\"]"})", ' ');
  EXPECT_EQ(deepest_nesting(std::string_view(text.data(), text.size() - kRecordPadding)), 3u);
}

TEST(JsonReader, NestingStopsAtTheEndOfASpanThatEndsInsideAString) {
  // On malformed input On-Demand can hand over a raw span that ends inside a string (the format
  // fuzzer found one); the scan must stop at the span's end, not look for the closing quote
  // in the padding and beyond.
  std::string text = padded(R"({"a":{"b":"no closing quote here)", 'x');
  EXPECT_EQ(deepest_nesting(std::string_view(text.data(), text.size() - kRecordPadding)), 2u);
}

}  // namespace
}  // namespace aw::ingest::formats
