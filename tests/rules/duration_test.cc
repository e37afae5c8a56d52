#include "rules/duration.h"

#include <gtest/gtest.h>

namespace aw::rules {
namespace {

constexpr int64_t kSecond = 1000000;

int64_t parse(std::string_view text) {
  int64_t us = -1;
  EXPECT_TRUE(parse_duration(text, &us)) << text;
  return us;
}

bool parses(std::string_view text) {
  int64_t us = 0;
  return parse_duration(text, &us);
}

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(parse("7us"), 7);
  EXPECT_EQ(parse("250ms"), 250000);
  EXPECT_EQ(parse("60s"), 60 * kSecond);
  EXPECT_EQ(parse("15m"), 900 * kSecond);
  EXPECT_EQ(parse("1h"), 3600 * kSecond);
  EXPECT_EQ(parse("7d"), 7 * 86400 * kSecond);
}

TEST(Duration, ParsesCompoundDurations) {
  EXPECT_EQ(parse("1h30m"), 5400 * kSecond);
  EXPECT_EQ(parse("1d2h3m4s5ms6us"), ((86400 + 7200 + 180 + 4) * kSecond) + 5006);
}

TEST(Duration, RefusesMalformedText) {
  EXPECT_FALSE(parses(""));
  EXPECT_FALSE(parses("60"));
  EXPECT_FALSE(parses("s"));
  EXPECT_FALSE(parses("5y"));
  EXPECT_FALSE(parses("-5m"));
  EXPECT_FALSE(parses("5 m"));
  EXPECT_FALSE(parses("1h30"));
  EXPECT_FALSE(parses("1.5h"));
}

TEST(Duration, RefusesMoreThanTheMaximum) {
  EXPECT_TRUE(parses("36500d"));
  EXPECT_FALSE(parses("36501d"));
  EXPECT_FALSE(parses("99999999999999999999999d"));
}

TEST(Duration, FormatsLargestUnitsFirst) {
  EXPECT_EQ(format_duration(5400 * kSecond), "1h30m");
  EXPECT_EQ(format_duration(60 * kSecond), "1m");
  EXPECT_EQ(format_duration(250000), "250ms");
  EXPECT_EQ(format_duration(86400 * kSecond + 1), "1d1us");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(-90 * kSecond), "-1m30s");
}

TEST(Duration, FormatsTheExtremesWithinTheBuffer) {
  EXPECT_LE(format_duration(INT64_MIN).size(), kMaxDurationLength);
  EXPECT_LE(format_duration(INT64_MAX).size(), kMaxDurationLength);
}

TEST(Duration, FormatThenParseRoundTrips) {
  for (int64_t us : {int64_t{1}, int64_t{999}, 61 * kSecond + 1000, 123456789 * kSecond}) {
    EXPECT_EQ(parse(format_duration(us)), us);
  }
}

}  // namespace
}  // namespace aw::rules
