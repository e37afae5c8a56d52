// StringArena: batch-lifetime storage for the few strings that cannot be views into the input
// (JSON strings with escapes, once unescaped). Memory is kept in fixed-size blocks that are
// reused after clear(), so a warm arena does not allocate: copies never move, and views into it
// stay valid until clear() or destruction.
//
// Thread-safety: none; one arena per batch, used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace aw::ingest {

class StringArena {
 public:
  // Performance note: 64 KiB blocks hold the escaped strings of thousands of events; larger
  // strings get a block of their own.
  static constexpr size_t kBlockBytes = 64 * 1024;

  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  StringArena(StringArena&&) = default;
  StringArena& operator=(StringArena&&) = default;

  // Copies `text` into the arena and returns a view of the copy.
  std::string_view copy(std::string_view text);
  // Returns room for `size` bytes that stays valid like a copy; callers may use a prefix of it.
  char* allocate(size_t size);
  // Forgets every copy; keeps the blocks for reuse.
  void clear();
  size_t block_count() const { return blocks_.size(); }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;  // index of the block being filled
  size_t used_ = 0;     // bytes used in blocks_[current_]
};

}  // namespace aw::ingest
