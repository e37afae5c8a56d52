#include "detect/id_index.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>

#include "detect/hashing.h"

namespace aw::detect {
namespace {

struct Entity {
  std::string id;
  int value = 0;
};

TEST(IdIndex, FindsWhatWasInsertedAndNothingElse) {
  std::deque<Entity> entities;  // a deque keeps entries in place, as the registry's node maps do
  IdIndex<Entity> index;
  EXPECT_EQ(index.find("tok-1"), nullptr);  // empty index
  for (int i = 0; i < 10000; ++i) {
    entities.push_back(Entity{"tok-" + std::to_string(i) + "-a5f3c9e1", i});
    index.insert(&entities.back());
  }
  EXPECT_EQ(index.size(), 10000u);
  for (const Entity& e : entities) {
    const Entity* found = index.find(e.id);
    ASSERT_NE(found, nullptr) << e.id;
    EXPECT_EQ(found->value, e.value);
    EXPECT_EQ(index.find(e.id, index.hash(e.id)), found);
  }
  EXPECT_EQ(index.find("tok-10000-a5f3c9e1"), nullptr);
  EXPECT_EQ(index.find("tok-1-a5f3c9e"), nullptr);    // a prefix of an id
  EXPECT_EQ(index.find("tok-1-a5f3c9e1 "), nullptr);  // an id with one more byte
  EXPECT_EQ(index.find(""), nullptr);
}

TEST(IdIndex, IdsLongerThanTheInlineBytesCompareInFull) {
  std::deque<Entity> entities;
  IdIndex<Entity> index;
  const std::string shared_prefix(IdIndex<Entity>::kInlineId + 10, 'k');
  entities.push_back(Entity{shared_prefix + "-one", 1});
  index.insert(&entities.back());
  entities.push_back(Entity{shared_prefix + "-two", 2});
  index.insert(&entities.back());
  ASSERT_NE(index.find(shared_prefix + "-one"), nullptr);
  EXPECT_EQ(index.find(shared_prefix + "-one")->value, 1);
  EXPECT_EQ(index.find(shared_prefix + "-two")->value, 2);
  EXPECT_EQ(index.find(shared_prefix + "-six"), nullptr);  // same length, same inline bytes
}

TEST(IdIndex, InsertingAnIdAgainReplacesItsEntry) {
  std::deque<Entity> entities;
  IdIndex<Entity> index;
  entities.push_back(Entity{"agent-7", 1});
  index.insert(&entities.back());
  entities.push_back(Entity{"agent-7", 2});
  index.insert(&entities.back());
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.find("agent-7")->value, 2);
}

TEST(QuickHash, DiffersForNearbyInputsOfEveryTailLength) {
  // Every length from 0 to 40 covers each tail path (0, 1-3, 4-7, 8-16 bytes) after 0-2 blocks.
  std::set<uint64_t> seen;
  std::string text;
  for (int length = 0; length <= 40; ++length) {
    for (char last : {'a', 'b'}) {
      std::string input = text + last;
      EXPECT_TRUE(seen.insert(quick_hash(input, 1)).second) << input;
    }
    text += static_cast<char>('0' + length % 10);
  }
  EXPECT_NE(quick_hash("abc", 1), quick_hash("abc", 2));  // the seed keys the hash
  EXPECT_EQ(quick_hash("abc", 1), quick_hash("abc", 1));
  EXPECT_NE(quick_hash_fields("ab", "c", 1), quick_hash_fields("a", "bc", 1));
}

}  // namespace
}  // namespace aw::detect
