#include "ingest/json_writer.h"

#include <gtest/gtest.h>

#include "ingest/dead_letter_writer.h"

namespace aw::ingest {
namespace {

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  JsonWriter::append_escaped(out, std::string_view("a\"b\\c\n\t\x01\x7f", 9));
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u007f")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  JsonWriter::append_escaped(out, "caf\xc3\xa9 \xf0\x9f\x94\x91 \xff \xed\xa0\x80");
  EXPECT_EQ(out,
            "\"caf\xc3\xa9 \xf0\x9f\x94\x91 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST(JsonWriter, Base64MatchesRfc4648Vectors) {
  for (auto [in, expected] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"", "\"\""},
           {"f", "\"Zg==\""},
           {"fo", "\"Zm8=\""},
           {"foo", "\"Zm9v\""},
           {"foobar", "\"Zm9vYmFy\""}}) {
    std::string out;
    JsonWriter::append_base64(out, in);
    EXPECT_EQ(out, expected);
  }
}

TEST(JsonWriter, ValidatesUtf8) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}

TEST(DeadLetterWriter, FormatsPositionReasonAndBytes) {
  std::string out;
  DeadLetter letter{DecodeError::kBadTimestamp, "ts", "{\"ts\":\"x\"}", 10, {7, 120, -1}, {}};
  DeadLetterWriter::format(out, "in.jsonl", letter);
  EXPECT_EQ(out,
            R"({"reason":"bad_timestamp","field":"ts","source":"in.jsonl","line":7,"offset":120,)"
            R"("record_bytes":10,"truncated":false,"record":"{\"ts\":\"x\"}"})");
}

TEST(DeadLetterWriter, KeepsNonUtf8RecordsExactlyAsBase64) {
  std::string out;
  DeadLetter letter{DecodeError::kInvalidUtf8, "", "a\xff", 2, {1, 0, -1}, {}};
  DeadLetterWriter::format(out, "in", letter);
  EXPECT_NE(out.find(R"("record_base64":"Yf8=")"), std::string::npos) << out;
}

}  // namespace
}  // namespace aw::ingest
