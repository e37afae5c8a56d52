// AlertWriter: the JSON Lines alert sink (`--alerts-out`), one alert per line in the native or
// the OCSF format. Renders through one reused buffer and writes each batch's alerts at once.
//
// Thread-safety: none.
#pragma once

#include <cstdio>
#include <string>

#include "detect/alert.h"
#include "ingest/event.h"
#include "ingest/result.h"
#include "rules/rule_set.h"

namespace aw::detect {

class AlertWriter {
 public:
  // "-" writes to stdout. The file is created if missing.
  // `append`: keep what the file holds (run's alert log across restarts); otherwise it is
  // truncated (replay writes the whole answer).
  static Result<AlertWriter> open(const std::string& path, AlertFormat format, bool append = false);
  AlertWriter(AlertWriter&&) noexcept;
  AlertWriter& operator=(AlertWriter&&) noexcept;
  ~AlertWriter();

  // Writes the alerts of one batch; `events` is the batch the alerts index into.
  Status write(const AlertBuffer& alerts, const rules::RuleSet& rules,
               const std::vector<ingest::Event>& events);
  Status flush();
  uint64_t written() const { return written_; }

 private:
  AlertWriter(std::FILE* file, bool owns, std::string path, AlertFormat format);
  std::FILE* file_ = nullptr;
  bool owns_ = false;
  std::string path_;
  AlertFormat format_ = AlertFormat::kNative;
  std::string buffer_;
  uint64_t written_ = 0;
};

}  // namespace aw::detect
