// DeadLetterWriter: writes rejected records as JSON lines, one per record:
//   {"reason":"too_deep","field":"attrs","source":"in.jsonl","line":3,"offset":120,
//    "record_bytes":5012,"truncated":false,"record":"<the original bytes, escaped>"}
// Records that are not valid UTF-8 carry "record_base64" instead of "record", so the original
// bytes survive exactly. `truncated` is true when only a prefix of an oversized record is kept.
//
// Thread-safety: none.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "ingest/event.h"
#include "ingest/result.h"

namespace aw::ingest {

class DeadLetterWriter {
 public:
  // "-" writes to stdout. The file is created or truncated.
  static Result<DeadLetterWriter> open(const std::string& path);
  DeadLetterWriter(DeadLetterWriter&&) noexcept;
  DeadLetterWriter& operator=(DeadLetterWriter&&) noexcept;
  ~DeadLetterWriter();

  // Appends one JSON line per dead letter of `letters`; `source_name` names their file.
  Status write(std::string_view source_name, const std::vector<DeadLetter>& letters);
  Status flush();
  uint64_t written() const { return written_; }

  // The JSON line of one dead letter, without the newline (also used for the Kafka DLQ topic).
  static void format(std::string& out, std::string_view source_name, const DeadLetter& letter);

 private:
  DeadLetterWriter(std::FILE* file, bool owns, std::string path);
  std::FILE* file_ = nullptr;
  bool owns_ = false;
  std::string path_;
  std::string line_;
  uint64_t written_ = 0;
};

}  // namespace aw::ingest
