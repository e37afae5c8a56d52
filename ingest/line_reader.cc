#include "ingest/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace aw::ingest {

Result<LineReader> LineReader::open_file(const std::string& path,
                                         const LineReaderOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = path + ": " + std::strerror(err);
    return err == ENOENT ? Status::not_found(message) : Status::io_error(message);
  }
  return LineReader(fd, true, path, options);
}

Result<LineReader> LineReader::open_fd(int fd, std::string name, const LineReaderOptions& options) {
  if (fd < 0) return Status::invalid_argument("invalid file descriptor for " + name);
  return LineReader(fd, false, std::move(name), options);
}

LineReader::LineReader(int fd, bool owns_fd, std::string name, const LineReaderOptions& options)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), options_(options) {
  // The buffer must hold a whole maximal record plus the start of a chunk after it.
  capacity_ = std::max(options_.chunk_bytes, options_.max_record_bytes * 2 + 1);
  buffer_ = std::make_unique<char[]>(capacity_ + kRecordPadding);
  std::memset(buffer_.get() + capacity_, 0, kRecordPadding);
}

LineReader::LineReader(LineReader&& other) noexcept { *this = std::move(other); }

LineReader& LineReader::operator=(LineReader&& other) noexcept {
  if (this != &other) {
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    owns_fd_ = std::exchange(other.owns_fd_, false);
    name_ = std::move(other.name_);
    options_ = other.options_;
    buffer_ = std::move(other.buffer_);
    capacity_ = other.capacity_;
    begin_ = other.begin_;
    end_ = other.end_;
    file_offset_ = other.file_offset_;
    line_ = other.line_;
    bytes_read_ = other.bytes_read_;
    eof_ = other.eof_;
    skipping_ = other.skipping_;
  }
  return *this;
}

LineReader::~LineReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void LineReader::swap_buffer(std::unique_ptr<char[]>& spare) {
  const size_t tail = end_ - begin_;
  std::memcpy(spare.get(), buffer_.get() + begin_, tail);
  std::memset(spare.get() + tail, 0, kRecordPadding);
  std::swap(buffer_, spare);
  begin_ = 0;
  end_ = tail;
}

Result<bool> LineReader::next(std::vector<RecordRef>& out) {
  out.clear();
  char* buf = buffer_.get();
  while (true) {
    // Keep the unconsumed tail (a partial line) and fill the rest of the buffer.
    if (begin_ > 0) {
      std::memmove(buf, buf + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    while (!eof_ && end_ < capacity_) {
      ssize_t n = ::read(fd_, buf + end_, capacity_ - end_);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(name_ + ": read failed at byte " +
                                std::to_string(file_offset_ + end_) + ": " + std::strerror(errno));
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      end_ += static_cast<size_t>(n);
      bytes_read_ += static_cast<uint64_t>(n);
      // A pipe returns what it has; hand over complete lines rather than wait for a full chunk.
      if (std::memchr(buf + end_ - n, '\n', static_cast<size_t>(n)) != nullptr) break;
    }
    // Zero the padding after the data so decoders never read stale bytes past the last line.
    std::memset(buf + end_, 0, std::min(kRecordPadding, capacity_ + kRecordPadding - end_));

    size_t pos = 0;
    if (skipping_) {
      const char* newline = static_cast<const char*>(std::memchr(buf, '\n', end_));
      if (newline == nullptr) {
        file_offset_ += end_;
        begin_ = end_;
        if (eof_) return false;
        continue;
      }
      pos = static_cast<size_t>(newline - buf) + 1;
      skipping_ = false;
      ++line_;
    }
    while (pos < end_) {
      const char* start = buf + pos;
      const char* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - pos));
      size_t length = newline ? static_cast<size_t>(newline - start) : end_ - pos;
      if (newline == nullptr && !eof_) {
        if (length <= options_.max_record_bytes) break;  // partial line: wait for more
        // Oversized and still growing: report it now with its prefix, skip the rest later.
        size_t prefix = std::min(length, options_.oversized_prefix_bytes);
        out.push_back(RecordRef{{start, prefix}, length, {line_, file_offset_ + pos, -1}});
        skipping_ = true;
        pos = end_;
        break;
      }
      size_t content = length;
      if (content > 0 && start[content - 1] == '\r') --content;
      if (content > options_.max_record_bytes) {
        size_t prefix = std::min(content, options_.oversized_prefix_bytes);
        out.push_back(RecordRef{{start, prefix}, content, {line_, file_offset_ + pos, -1}});
      } else if (content > 0) {
        out.push_back(RecordRef{{start, content}, content, {line_, file_offset_ + pos, -1}});
      }
      pos += length + (newline ? 1 : 0);
      ++line_;
    }
    file_offset_ += pos;
    begin_ = pos;
    if (!out.empty()) return true;
    if (eof_ && begin_ >= end_) return false;
  }
}

}  // namespace aw::ingest
