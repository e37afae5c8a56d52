#include "ingest/string_arena.h"

#include <cstring>

namespace aw::ingest {

char* StringArena::allocate(size_t size) {
  while (current_ < blocks_.size() && used_ + size > blocks_[current_].size) {
    ++current_;
    used_ = 0;
  }
  if (current_ == blocks_.size()) {
    size_t block = size > kBlockBytes ? size : kBlockBytes;
    blocks_.push_back(Block{std::make_unique<char[]>(block), block});
    used_ = 0;
  }
  char* out = blocks_[current_].data.get() + used_;
  used_ += size;
  return out;
}

std::string_view StringArena::copy(std::string_view text) {
  if (text.empty()) return {};
  char* out = allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

void StringArena::clear() {
  current_ = 0;
  used_ = 0;
}

}  // namespace aw::ingest
