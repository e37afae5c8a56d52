#include "detect/alert_writer.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace aw::detect {

Result<AlertWriter> AlertWriter::open(const std::string& path, AlertFormat format, bool append) {
  if (path == "-") return AlertWriter(stdout, false, path, format);
  std::FILE* file = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (file == nullptr) {
    return Status::io_error(path + ": cannot create the alerts file: " + std::strerror(errno));
  }
  return AlertWriter(file, true, path, format);
}

AlertWriter::AlertWriter(std::FILE* file, bool owns, std::string path, AlertFormat format)
    : file_(file), owns_(owns), path_(std::move(path)), format_(format) {}

AlertWriter::AlertWriter(AlertWriter&& other) noexcept { *this = std::move(other); }

AlertWriter& AlertWriter::operator=(AlertWriter&& other) noexcept {
  if (this != &other) {
    if (owns_ && file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    owns_ = std::exchange(other.owns_, false);
    path_ = std::move(other.path_);
    format_ = other.format_;
    buffer_ = std::move(other.buffer_);
    written_ = other.written_;
  }
  return *this;
}

AlertWriter::~AlertWriter() {
  if (owns_ && file_ != nullptr) std::fclose(file_);
}

Status AlertWriter::write(const AlertBuffer& alerts, const rules::RuleSet& rules,
                          const std::vector<ingest::Event>& events) {
  buffer_.clear();
  for (const Alert& alert : alerts.alerts) {
    render_alert(format_, alert, rules.rules()[alert.rule_index], events[alert.event_index],
                 &buffer_);
    buffer_.push_back('\n');
  }
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    return Status::io_error(path_ + ": write failed: " + std::strerror(errno));
  }
  written_ += alerts.alerts.size();
  return Status();
}

Status AlertWriter::flush() {
  if (std::fflush(file_) != 0) {
    return Status::io_error(path_ + ": flush failed: " + std::strerror(errno));
  }
  return Status();
}

}  // namespace aw::detect
