#include "detect/correlation_state.h"

#include <gtest/gtest.h>

namespace aw::detect {
namespace {

constexpr int64_t kSecond = 1000000;

TEST(CorrelationState, DuplicatesBySourceAndId) {
  CorrelationState state;
  EXPECT_FALSE(state.is_duplicate("gw-1", "evt-1", "{...}"));
  EXPECT_TRUE(state.is_duplicate("gw-1", "evt-1", "{different bytes}"));
  EXPECT_FALSE(state.is_duplicate("gw-2", "evt-1", "{...}"));  // another source, another event
  // The field boundary is part of the key.
  EXPECT_FALSE(state.is_duplicate("gw-1e", "vt-1", "{...}"));
}

TEST(CorrelationState, RecordsWithoutIdMergeOnlyWhenByteIdentical) {
  CorrelationState state;
  EXPECT_FALSE(state.is_duplicate("gw", "", R"({"a":1})"));
  EXPECT_TRUE(state.is_duplicate("gw", "", R"({"a":1})"));
  EXPECT_FALSE(state.is_duplicate("gw", "", R"({"a":2})"));
}

TEST(CorrelationState, RemembersAtLeastOneGenerationOfEvents) {
  CorrelationState state(CorrelationOptions{.dedupe_generation = 4});
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(state.is_duplicate("gw", std::to_string(i), ""));
  for (int i = 4; i < 8; ++i) EXPECT_FALSE(state.is_duplicate("gw", std::to_string(i), ""));
  // The last 4 (one generation) are always remembered.
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(state.is_duplicate("gw", std::to_string(i), ""));
}

TEST(CorrelationState, LastSnapshotAtOrBeforeATime) {
  CorrelationState state;
  EXPECT_FALSE(state.last_snapshot("db:prod/orders", 100 * kSecond).has_value());
  state.record_snapshot("db:prod/orders", 50 * kSecond);
  state.record_snapshot("db:prod/orders", 150 * kSecond);  // after the delete we ask about
  EXPECT_EQ(state.last_snapshot("db:prod/orders", 100 * kSecond), 50 * kSecond);
  EXPECT_EQ(state.last_snapshot("db:prod/orders", 150 * kSecond), 150 * kSecond);
  EXPECT_FALSE(state.last_snapshot("db:prod/orders", 49 * kSecond).has_value());
  EXPECT_FALSE(state.last_snapshot("db:prod/users", 100 * kSecond).has_value());
}

TEST(CorrelationState, CodeWritesCountPerTaskAndPerSession) {
  CorrelationState state;
  state.record_code_write("agent-1", "CHG-1", "sess-1", 100 * kSecond);
  EXPECT_TRUE(state.code_written("agent-1", "CHG-1", "", 100 * kSecond));
  EXPECT_TRUE(state.code_written("agent-1", "", "sess-1", 200 * kSecond));
  EXPECT_FALSE(state.code_written("agent-1", "CHG-1", "sess-1", 99 * kSecond));  // not earlier
  EXPECT_FALSE(state.code_written("agent-2", "CHG-1", "sess-1", 200 * kSecond));
  EXPECT_FALSE(state.code_written("agent-1", "CHG-2", "sess-2", 200 * kSecond));
}

TEST(CorrelationState, SequenceGapsAfterTheHighestSeen) {
  CorrelationState state;
  uint64_t expected = 0;
  EXPECT_FALSE(state.sequence_gap("gw", 10, &expected));  // first record
  EXPECT_FALSE(state.sequence_gap("gw", 11, &expected));
  EXPECT_FALSE(state.sequence_gap("gw", 11, &expected));  // a retry
  EXPECT_TRUE(state.sequence_gap("gw", 14, &expected));
  EXPECT_EQ(expected, 12u);
  EXPECT_FALSE(state.sequence_gap("gw", 12, &expected));  // late, not a new gap
  EXPECT_FALSE(state.sequence_gap("gw", 15, &expected));
  EXPECT_FALSE(state.sequence_gap("other", 1000, &expected));
}

// Two partitions carry one source's numbers, each in order, interleaved in chunks: nothing is a
// gap until both partitions are past a missing number; then the record that confirmed it says so.
TEST(CorrelationState, SequenceGapsAcrossPartitionsWaitForTheWatermark) {
  CorrelationOptions options;
  options.seq_reorder_window = 100;
  CorrelationState state(options);
  state.set_expected_partitions(2);
  uint64_t expected = 0;
  // 1..999: odd numbers on partition 0, even on partition 1, in chunks of 40 (odd first);
  // 500 never arrives.
  int gaps = 0;
  for (uint64_t chunk = 0; chunk < 1000; chunk += 40) {
    for (uint64_t parity : {1u, 0u}) {
      for (uint64_t n = chunk + parity; n < chunk + 40; n += 2) {
        if (n == 0 || n == 500) continue;
        if (state.sequence_gap("gw", n, &expected, static_cast<int32_t>(1 - parity))) {
          ++gaps;
          EXPECT_EQ(expected, 500u);
          EXPECT_EQ(n, 502u);  // partition 1 passed 500; partition 0 was at 519 already
        }
      }
    }
  }
  EXPECT_EQ(gaps, 1);
  // Until both partitions have been seen, nothing is confirmed (the second may be behind).
  EXPECT_FALSE(state.sequence_gap("other", 10, &expected, 0));
  EXPECT_FALSE(state.sequence_gap("other", 20, &expected, 0));
  EXPECT_TRUE(state.sequence_gap("other", 15, &expected, 1));  // 11..14 and 16..19 missing
  EXPECT_EQ(expected, 11u);
  // The backstop: a jump of more than the window is a gap at once, even with a partition behind.
  EXPECT_TRUE(state.sequence_gap("gw", 5000, &expected, 0));
  EXPECT_EQ(expected, 1000u);
}

// One ordered input (a file: partition -1) with a window: a skipped number is a gap at once.
TEST(CorrelationState, SequenceGapsOfOneOrderedInputWithAWindowAreImmediate) {
  CorrelationOptions options;
  options.seq_reorder_window = 100;
  CorrelationState state(options);
  uint64_t expected = 0;
  EXPECT_FALSE(state.sequence_gap("gw", 10, &expected));
  EXPECT_FALSE(state.sequence_gap("gw", 11, &expected));
  EXPECT_FALSE(state.sequence_gap("gw", 11, &expected));  // a retry
  EXPECT_TRUE(state.sequence_gap("gw", 14, &expected));
  EXPECT_EQ(expected, 12u);
  EXPECT_FALSE(state.sequence_gap("gw", 12, &expected));  // late, not a new gap
  EXPECT_FALSE(state.sequence_gap("gw", 15, &expected));
}

TEST(CorrelationState, ThresholdFiresOnceWhenCountIsExceeded) {
  CorrelationState state;
  const int64_t window = 60 * kSecond;
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(state.threshold_crossed(0, "agent-1", i * kSecond, window, 20)) << i;
  }
  EXPECT_TRUE(state.threshold_crossed(0, "agent-1", 20 * kSecond, window, 20));   // the 21st
  EXPECT_FALSE(state.threshold_crossed(0, "agent-1", 21 * kSecond, window, 20));  // still above
  // Other groups and other rules count apart.
  EXPECT_FALSE(state.threshold_crossed(0, "agent-2", 21 * kSecond, window, 20));
  EXPECT_FALSE(state.threshold_crossed(1, "agent-1", 21 * kSecond, window, 20));
}

TEST(CorrelationState, ThresholdWindowIsHalfOpenAndReArms) {
  CorrelationState state;
  const int64_t window = 60 * kSecond;
  for (int i = 0; i < 3; ++i) state.threshold_crossed(0, "a", i * kSecond, window, 3);
  // The event at 60 s sees (0 s, 60 s]: the one at 0 s has left, so 3 remain: no alert.
  EXPECT_FALSE(state.threshold_crossed(0, "a", 60 * kSecond, window, 3));
  // At 60.5 s the window (0.5 s, 60.5 s] holds 1, 2, 60 and 60.5: more than 3.
  EXPECT_TRUE(state.threshold_crossed(0, "a", 60 * kSecond + kSecond / 2, window, 3));
  // After a quiet spell the count drops and the rule re-arms.
  EXPECT_FALSE(state.threshold_crossed(0, "a", 500 * kSecond, window, 3));
  for (int i = 1; i < 3; ++i) state.threshold_crossed(0, "a", (500 + i) * kSecond, window, 3);
  EXPECT_TRUE(state.threshold_crossed(0, "a", 503 * kSecond, window, 3));
}

}  // namespace
}  // namespace aw::detect
