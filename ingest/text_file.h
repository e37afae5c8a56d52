// Reading a whole configuration file (registry, mapping, action classes, run config) as text.
// A directory opens like a file on Linux and fails only when read, by throwing from the stream
// buffer or by reading as empty: `--registry /tmp` loaded an empty registry and `run --config
// /tmp` aborted. Here both are refused with a reason.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace aw::ingest {

enum class TextFileError { kNone, kCannotOpen, kDirectory, kReadFailed };

// Reads `path` into *text. kCannotOpen: missing or not readable (callers say "cannot open").
inline TextFileError read_text_file(const std::string& path, std::string* text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return TextFileError::kDirectory;
  std::ifstream in(path, std::ios::binary);
  if (!in) return TextFileError::kCannotOpen;
  std::stringstream buffer;
  try {
    buffer << in.rdbuf();
  } catch (const std::exception&) {
    return TextFileError::kReadFailed;
  }
  if (in.bad()) return TextFileError::kReadFailed;
  *text = buffer.str();
  return TextFileError::kNone;
}

// The reason for a failure other than kCannotOpen, for messages.
inline const char* text_file_error_reason(TextFileError error) {
  switch (error) {
    case TextFileError::kDirectory:
      return "it is a directory";
    case TextFileError::kReadFailed:
      return "read failed";
    default:
      return "cannot open it";
  }
}

}  // namespace aw::ingest
