#include "ingest/dead_letter_writer.h"

#include <cerrno>
#include <cstring>

#include "ingest/json_writer.h"

namespace aw::ingest {

Result<DeadLetterWriter> DeadLetterWriter::open(const std::string& path) {
  if (path == "-") return DeadLetterWriter(stdout, false, path);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Status::io_error(path + ": cannot create dead-letter file: " + std::strerror(errno));
  }
  return DeadLetterWriter(file, true, path);
}

DeadLetterWriter::DeadLetterWriter(std::FILE* file, bool owns, std::string path)
    : file_(file), owns_(owns), path_(std::move(path)) {}

DeadLetterWriter::DeadLetterWriter(DeadLetterWriter&& other) noexcept { *this = std::move(other); }

DeadLetterWriter& DeadLetterWriter::operator=(DeadLetterWriter&& other) noexcept {
  if (this != &other) {
    if (owns_ && file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    owns_ = std::exchange(other.owns_, false);
    path_ = std::move(other.path_);
    line_ = std::move(other.line_);
    written_ = other.written_;
  }
  return *this;
}

DeadLetterWriter::~DeadLetterWriter() {
  if (owns_ && file_ != nullptr) std::fclose(file_);
}

void DeadLetterWriter::format(std::string& out, std::string_view source_name,
                              const DeadLetter& letter) {
  JsonWriter json(out);
  json.begin_object()
      .string("reason", decode_error_name(letter.reason))
      .string("field", letter.field)
      .string("source", source_name);
  if (!letter.detail.empty()) json.string("detail", letter.detail);
  if (letter.position.partition >= 0) json.number("partition", letter.position.partition);
  if (letter.position.line > 0) json.unsigned_number("line", letter.position.line);
  json.unsigned_number("offset", letter.position.offset)
      .unsigned_number("record_bytes", letter.record_bytes)
      .boolean("truncated", letter.raw.size() < letter.record_bytes);
  if (is_valid_utf8(letter.raw)) {
    json.string("record", letter.raw);
  } else {
    json.base64("record_base64", letter.raw);
  }
  json.end_object();
}

Status DeadLetterWriter::write(std::string_view source_name,
                               const std::vector<DeadLetter>& letters) {
  for (const DeadLetter& letter : letters) {
    line_.clear();
    format(line_, source_name, letter);
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
      return Status::io_error(path_ + ": write failed: " + std::strerror(errno));
    }
    ++written_;
  }
  return Status();
}

Status DeadLetterWriter::flush() {
  if (std::fflush(file_) != 0) {
    return Status::io_error(path_ + ": flush failed: " + std::strerror(errno));
  }
  return Status();
}

}  // namespace aw::ingest
