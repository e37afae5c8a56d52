// LineReader: JSON Lines from a file or a file descriptor (stdin), read in large chunks into one
// reused buffer and split on '\n' with memchr. No line-at-a-time iostream on the hot path.
//
// Each call to next() returns the complete lines of the next chunk as RecordRefs. The views point
// into the reader's buffer and stay valid until the following call to next(). The buffer keeps
// kRecordPadding readable bytes after every line, so decoders may use simdjson without copying.
// A line longer than max_record_bytes is not buffered whole: it is returned once as an oversized
// record holding its first bytes, and the rest of it is skipped.
//
// Thread-safety: none; one reader per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"

namespace aw::ingest {

// Readable bytes guaranteed after every record's last byte (simdjson needs 64).
inline constexpr size_t kRecordPadding = 64;

struct RecordRef {
  std::string_view bytes;     // the record without its line terminator
  uint64_t record_bytes = 0;  // its full length; larger than bytes.size() when oversized
  SourcePosition position;
};

struct LineReaderOptions {
  // Performance note: 4 MiB chunks amortise read(2) and keep a batch's events in cache-sized
  // groups for the decoder. Default: 4 MiB.
  size_t chunk_bytes = 4 << 20;
  // Lines longer than this are oversized records. Default: 1 MiB.
  size_t max_record_bytes = 1 << 20;
  // How many leading bytes of an oversized record are kept for the dead-letter record.
  // Default: 4 KiB.
  size_t oversized_prefix_bytes = 4096;
};

class LineReader {
 public:
  static Result<LineReader> open_file(const std::string& path, const LineReaderOptions& options);
  // Reads an already-open descriptor (stdin: 0). The reader does not close it.
  static Result<LineReader> open_fd(int fd, std::string name, const LineReaderOptions& options);

  LineReader(LineReader&&) noexcept;
  LineReader& operator=(LineReader&&) noexcept;
  ~LineReader();

  // Replaces `out` with the next chunk's lines. Returns false at end of input (and `out` empty),
  // an error on a failed read.
  Result<bool> next(std::vector<RecordRef>& out);

  const std::string& name() const { return name_; }
  uint64_t bytes_read() const { return bytes_read_; }
  // Byte offset just past the last line returned: where a resumed read would start.
  uint64_t consumed() const { return file_offset_; }

  // Bytes of a buffer for swap_buffer().
  size_t buffer_bytes() const { return capacity_ + kRecordPadding; }
  // Hands the current buffer, which the views of the last next() point into, to the caller in
  // exchange for `spare` (buffer_bytes() long; the unread tail is copied over). The caller keeps
  // the old buffer, and the views into it, as long as it likes: this lets a decoding thread
  // pass whole chunks to a detecting thread without copying them.
  void swap_buffer(std::unique_ptr<char[]>& spare);

 private:
  LineReader(int fd, bool owns_fd, std::string name, const LineReaderOptions& options);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string name_;
  LineReaderOptions options_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;       // usable bytes, padding excluded
  size_t begin_ = 0;          // first unconsumed byte of the buffer
  size_t end_ = 0;            // one past the last byte read
  uint64_t file_offset_ = 0;  // file offset of buffer_[begin_]
  uint64_t line_ = 1;         // line number of the line starting at begin_
  uint64_t bytes_read_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // inside the rest of an oversized line
};

}  // namespace aw::ingest
