#include "store/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace aw::store::keys {
namespace {

std::string enc_i64(int64_t v) {
  std::string s;
  put_i64(&s, v);
  return s;
}

std::string enc_str(std::string_view v) {
  std::string s;
  put_string(&s, v);
  return s;
}

TEST(Keys, SignedIntegersSortLikeNumbers) {
  std::vector<int64_t> values = {
      std::numeric_limits<int64_t>::min(), -1000000, -256, -1, 0, 1, 255, 256, 1LL << 40,
      std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    EXPECT_LT(enc_i64(values[i]), enc_i64(values[i + 1])) << values[i] << " vs " << values[i + 1];
  }
  std::mt19937_64 rng(1);
  for (int i = 0; i < 10000; ++i) {
    int64_t a = static_cast<int64_t>(rng()), b = static_cast<int64_t>(rng());
    EXPECT_EQ(a < b, enc_i64(a) < enc_i64(b));
    std::string encoded = enc_i64(a);  // a view of the temporary would dangle
    std::string_view rest = encoded;
    int64_t back = 0;
    ASSERT_TRUE(get_i64(&rest, &back));
    EXPECT_EQ(back, a);
  }
}

TEST(Keys, UnsignedIntegersAreBigEndian) {
  std::string a, b;
  put_u64(&a, 255);
  put_u64(&b, 256);
  EXPECT_LT(a, b);
  put_u32(&a, 1);
  EXPECT_EQ(a.size(), 12u);
}

TEST(Keys, StringsSortLikeStringsAndNeverRunIntoTheNextField) {
  // A shorter string sorts before its extensions, also when followed by more fields.
  std::vector<std::string> values = {"",
                                     std::string("\0", 1),
                                     std::string("a\0", 2),
                                     std::string("a\0b", 3),
                                     "a",
                                     "a\x01",
                                     "ab",
                                     "b",
                                     "\xff"};
  std::vector<std::string> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    std::string x = enc_str(sorted[i]), y = enc_str(sorted[i + 1]);
    EXPECT_LT(x, y) << i;
    // Followed by the largest possible next field, x still sorts before y.
    EXPECT_LT(x + std::string(8, '\xff'), y) << i;
  }
  for (const std::string& v : values) {
    std::string e = enc_str(v) + "tail";
    std::string_view in = e;
    std::string back;
    ASSERT_TRUE(get_string(&in, &back));
    EXPECT_EQ(back, v);
    EXPECT_EQ(in, "tail");
  }
}

TEST(Keys, RejectsBrokenStringEncodings) {
  std::string back;
  std::string_view unterminated = "abc";
  EXPECT_FALSE(get_string(&unterminated, &back));
  std::string bad_escape("a\0\x02", 3);
  std::string_view in = bad_escape;
  EXPECT_FALSE(get_string(&in, &back));
}

TEST(Keys, TimeBucketsFloorAlsoBeforeTheEpoch) {
  EXPECT_EQ(time_bucket(0, 10), 0);
  EXPECT_EQ(time_bucket(9, 10), 0);
  EXPECT_EQ(time_bucket(10, 10), 1);
  EXPECT_EQ(time_bucket(-1, 10), -1);
  EXPECT_EQ(time_bucket(-10, 10), -1);
  EXPECT_EQ(time_bucket(-11, 10), -2);
}

TEST(Keys, BlockKeysOrderByBucketThenAgentThenBatchThenPart) {
  std::vector<std::string> ordered;
  for (int64_t bucket : {-5, 0, 7}) {
    for (std::string agent : {"a", "a-1", "ab", "b"}) {
      for (uint64_t batch : {1, 2, 300}) {
        for (uint32_t part : {0, 1, 70000}) {
          std::string k;
          append_block_key(bucket, agent, batch, part, &k);
          ordered.push_back(k);
        }
      }
    }
  }
  EXPECT_TRUE(std::is_sorted(ordered.begin(), ordered.end()));
  EXPECT_EQ(std::adjacent_find(ordered.begin(), ordered.end()), ordered.end());
  BlockKey parsed;
  ASSERT_TRUE(parse_block_key(ordered.back(), &parsed));
  EXPECT_EQ(parsed.bucket, 7);
  EXPECT_EQ(parsed.agent, "b");
  EXPECT_EQ(parsed.batch, 300u);
  EXPECT_EQ(parsed.part, 70000u);
  // Every block of an agent in a bucket shares one prefix, and no other agent's key has it.
  std::string prefix;
  append_block_prefix(0, "a", &prefix);
  std::string other;
  append_block_key(0, "a-1", 1, 0, &other);
  EXPECT_FALSE(std::string_view(other).starts_with(prefix));
}

TEST(Keys, PostingKeysOrderByBucketKindBatchValue) {
  // Batch before value: a later commit's keys all sort after an earlier one's in a bucket.
  std::vector<std::string> ordered;
  for (int64_t bucket : {-1, 0, 1}) {
    for (IndexKind kind : kIndexKinds) {
      for (uint64_t batch : {1, 9, 1000}) {
        for (std::string value : {"", "db:prod", "db:prod/orders", "tok"}) {
          std::string k;
          append_posting_key(bucket, kind, value, batch, &k);
          ordered.push_back(k);
        }
      }
    }
  }
  EXPECT_TRUE(std::is_sorted(ordered.begin(), ordered.end()));
  PostingKey parsed;
  ASSERT_TRUE(parse_posting_key(ordered[5], &parsed));
  EXPECT_EQ(parsed.bucket, -1);
  EXPECT_EQ(parsed.kind, IndexKind::kCredential);
  EXPECT_EQ(parsed.batch, 9u);
  EXPECT_EQ(parsed.value, "db:prod");
}

TEST(Keys, IdKeysGroupEverySourceOfAnIdUnderOnePrefix) {
  std::string prefix;
  append_id_prefix("evt-1", &prefix);
  std::string a, b, c;
  append_id_key("evt-1", "gw-a", 0, &a);
  append_id_key("evt-1", "gw-b", 0, &b);
  append_id_key("evt-10", "gw-a", 0, &c);
  EXPECT_TRUE(std::string_view(a).starts_with(prefix));
  EXPECT_TRUE(std::string_view(b).starts_with(prefix));
  EXPECT_FALSE(std::string_view(c).starts_with(prefix));
  EXPECT_LT(a, b);
  std::string no_id;
  append_id_key("", "gw", 0x0123456789abcdefULL, &no_id);
  IdKey parsed;
  ASSERT_TRUE(parse_id_key(no_id, &parsed));
  EXPECT_EQ(parsed.source, "gw");
  EXPECT_EQ(parsed.raw_hash, 0x0123456789abcdefULL);
}

TEST(Keys, AlertKeysOrderByTimeWithinTheirIndex) {
  char id[kAlertIdBytes];
  ASSERT_TRUE(alert_id_to_bytes("00112233445566778899aabbccddeeff", id));
  EXPECT_EQ(alert_id_to_hex(std::string_view(id, sizeof(id))), "00112233445566778899aabbccddeeff");
  EXPECT_FALSE(alert_id_to_bytes("0011", id));
  EXPECT_FALSE(alert_id_to_bytes("00112233445566778899aabbccddeefg", id));
  std::string_view idv(id, sizeof(id));
  std::string early, late, other_agent;
  append_alert_agent_key("agent-1", -5, idv, &early);
  append_alert_agent_key("agent-1", 5, idv, &late);
  append_alert_agent_key("agent-10", -100, idv, &other_agent);
  EXPECT_LT(early, late);
  EXPECT_LT(late, other_agent);
}

TEST(Keys, VarintsRoundTrip) {
  for (uint64_t v : {0ULL, 1ULL, 127ULL, 128ULL, 300ULL, ~0ULL}) {
    std::string s;
    put_varint(&s, v);
    std::string_view in = s;
    uint64_t back = 0;
    ASSERT_TRUE(get_varint(&in, &back));
    EXPECT_EQ(back, v);
    EXPECT_TRUE(in.empty());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(unzigzag(zigzag(v)), v);
  }
  std::string_view truncated = "\x80";
  uint64_t ignored = 0;
  EXPECT_FALSE(get_varint(&truncated, &ignored));
}

TEST(Keys, PrefixSuccessorBoundsEveryExtension) {
  EXPECT_EQ(prefix_successor("ab"), "ac");
  EXPECT_EQ(prefix_successor("a\xff"), "b");
  EXPECT_EQ(prefix_successor("\xff\xff"), "");
}

TEST(Keys, DescribesKeysForPeople) {
  std::string k;
  append_block_key(491981, "agent-1", 17, 2, &k);
  EXPECT_EQ(describe_key(kEventsCf, k, 3600LL * 1000000),
            "events bucket 2026-02-15T05:00:00.000000Z agent agent-1 batch 17 part 2");
  EXPECT_EQ(describe_key(kIdsCf, "\x01", 1), "ids 0x01");
}

}  // namespace
}  // namespace aw::store::keys
