#include "ingest/timestamp.h"

#include <gtest/gtest.h>

namespace aw::ingest {
namespace {

constexpr int64_t kBase = 1763633730LL * 1000000;  // 2025-11-20T10:15:30Z

int64_t parse(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(parse_rfc3339(text, &us)) << text;
  return us;
}

TEST(Timestamp, ParsesUtcWithoutFraction) { EXPECT_EQ(parse("2025-11-20T10:15:30Z"), kBase); }

TEST(Timestamp, ParsesEveryFractionLength) {
  EXPECT_EQ(parse("2025-11-20T10:15:30.1Z"), kBase + 100000);
  EXPECT_EQ(parse("2025-11-20T10:15:30.12Z"), kBase + 120000);
  EXPECT_EQ(parse("2025-11-20T10:15:30.123Z"), kBase + 123000);
  EXPECT_EQ(parse("2025-11-20T10:15:30.123456Z"), kBase + 123456);
  // Nanoseconds and beyond are truncated to microseconds.
  EXPECT_EQ(parse("2025-11-20T10:15:30.123456789Z"), kBase + 123456);
  EXPECT_EQ(parse("2025-11-20T10:15:30.1234567891234Z"), kBase + 123456);
}

TEST(Timestamp, AppliesUtcOffsets) {
  EXPECT_EQ(parse("2025-11-20T12:15:30+02:00"), kBase);
  EXPECT_EQ(parse("2025-11-20T05:45:30-04:30"), kBase);
  EXPECT_EQ(parse("2025-11-20T10:15:30+00:00"), kBase);
  EXPECT_EQ(parse("2025-11-20T10:15:30.5-00:00"), kBase + 500000);
  EXPECT_EQ(parse("2025-11-21T00:15:30+14:00"), kBase);
}

TEST(Timestamp, AcceptsLowercaseAndSpaceSeparators) {
  EXPECT_EQ(parse("2025-11-20t10:15:30z"), kBase);
  EXPECT_EQ(parse("2025-11-20 10:15:30Z"), kBase);
}

TEST(Timestamp, LeapSecondIsStartOfNextMinute) {
  EXPECT_EQ(parse("2016-12-31T23:59:60Z"), parse("2017-01-01T00:00:00Z"));
}

TEST(Timestamp, ValidatesCalendar) {
  int64_t us;
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-02-29T00:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("1900-02-29T00:00:00Z", &us));
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-13-01T00:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-04-31T00:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-11-20T24:00:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-11-20T10:60:00Z", &us));
  EXPECT_FALSE(parse_rfc3339("2025-11-20T10:15:61Z", &us));
  EXPECT_FALSE(parse_rfc3339("0000-01-01T00:00:00Z", &us));
}

TEST(Timestamp, RejectsMalformedText) {
  int64_t us;
  for (std::string_view bad :
       {"", "2025-11-20", "2025-11-20T10:15:30", "2025-11-20T10:15:30.Z",
        "2025-11-20T10:15:30+0200", "2025-11-20T10:15:30+02", "2025-11-20T10:15:30Zjunk",
        "2025/11/20T10:15:30Z", "2025-11-20X10:15:30Z", "20251120T101530Z",
        "2025-11-20T10:15:30+24:00", "2025-1-20T10:15:30Z", "2025-11-20T10:15:3aZ"}) {
    EXPECT_FALSE(parse_rfc3339(bad, &us)) << bad;
  }
}

TEST(Timestamp, EpochMillisecondsBecomeMicroseconds) {
  int64_t us;
  ASSERT_TRUE(epoch_ms_to_us(1763633730123, &us));
  EXPECT_EQ(us, kBase + 123000);
  ASSERT_TRUE(epoch_ms_to_us(0, &us));
  EXPECT_EQ(us, 0);
  EXPECT_FALSE(epoch_ms_to_us(INT64_MAX, &us));
  EXPECT_FALSE(epoch_ms_to_us(INT64_MIN, &us));
}

TEST(Timestamp, FormatsWithMicroseconds) {
  EXPECT_EQ(format_rfc3339(kBase + 123456), "2025-11-20T10:15:30.123456Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(kMaxTimeUs), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(kMinTimeUs), "0001-01-01T00:00:00.000000Z");
}

TEST(Timestamp, FormatRoundTripsAcrossTheRange) {
  for (int64_t us : {kMinTimeUs, int64_t{-86400000001}, int64_t{0}, kBase, int64_t{951782400000000},
                     kMaxTimeUs}) {
    EXPECT_EQ(parse(format_rfc3339(us)), us);
  }
}

}  // namespace
}  // namespace aw::ingest
