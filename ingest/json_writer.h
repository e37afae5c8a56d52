// JsonWriter: appends JSON text to a caller-owned std::string that is reused between records,
// so writing dead letters and alerts allocates only while the buffer is still growing.
// Strings are escaped per RFC 8259; bytes that are not UTF-8 become U+FFFD (callers that must
// keep such bytes exactly use base64, see append_base64).
//
// Thread-safety: none; one writer per buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aw::ingest {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);
  JsonWriter& end_array();
  JsonWriter& key(std::string_view key);
  JsonWriter& string(std::string_view key, std::string_view value);
  JsonWriter& number(std::string_view key, int64_t value);
  JsonWriter& unsigned_number(std::string_view key, uint64_t value);
  JsonWriter& boolean(std::string_view key, bool value);
  JsonWriter& time(std::string_view key, int64_t us);            // RFC 3339 with microseconds
  JsonWriter& raw(std::string_view key, std::string_view json);  // already valid JSON
  JsonWriter& base64(std::string_view key, std::string_view bytes);
  // An array element (inside begin_array/end_array).
  JsonWriter& element(std::string_view value);
  // An object as an array element; close it with end_object().
  JsonWriter& begin_object_element();

  static void append_escaped(std::string& out, std::string_view text);
  static void append_base64(std::string& out, std::string_view bytes);

 private:
  void separator();
  std::string& out_;
  bool first_ = true;
};

}  // namespace aw::ingest
