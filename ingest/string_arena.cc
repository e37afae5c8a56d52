#include "ingest/string_arena.h"

#include <cstring>

namespace aw::ingest {

std::string_view StringArena::copy(std::string_view text) {
  if (text.empty()) return {};
  while (current_ < blocks_.size() && used_ + text.size() > blocks_[current_].size) {
    ++current_;
    used_ = 0;
  }
  if (current_ == blocks_.size()) {
    size_t size = text.size() > kBlockBytes ? text.size() : kBlockBytes;
    blocks_.push_back(Block{std::make_unique<char[]>(size), size});
    used_ = 0;
  }
  char* out = blocks_[current_].data.get() + used_;
  std::memcpy(out, text.data(), text.size());
  used_ += text.size();
  return {out, text.size()};
}

void StringArena::clear() {
  current_ = 0;
  used_ = 0;
}

}  // namespace aw::ingest
