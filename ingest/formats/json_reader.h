// Internal to ingest/formats: the small layer over simdjson On-Demand that the format decoders
// share. Reads strings as views into the record (unescaping into the batch arena only when a
// string holds escapes), numbers and ids as text, and reports every failure as a DecodeError with
// the field concerned, never as an exception. Only ingest/formats/*.cc include this header.
//
// Thread-safety: a JsonReader serves one record on one thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "ingest/decode_error.h"
#include "ingest/string_arena.h"

namespace aw::ingest::formats {

namespace od = simdjson::ondemand;

struct FieldError {
  DecodeError reason = DecodeError::kNone;
  std::string_view field;
  bool ok() const { return reason == DecodeError::kNone; }
};

// What a for_each_field / for_each_element callback returns for a value it leaves unread: the
// loop then checks that value's nesting (On-Demand skips values without looking at their
// depth), so no record hides nesting deeper than max_depth in a field nobody reads.
inline constexpr std::string_view kUnreadMarker = "(unread)";
inline constexpr FieldError kUnread{DecodeError::kNone, kUnreadMarker};
inline bool is_unread(const FieldError& e) { return e.field.data() == kUnreadMarker.data(); }

namespace detail {

// The first '"' or '\\' at or after `p`, eight bytes at a time. Safe to read past the string:
// records carry kRecordPadding readable bytes and stage 1 validated every string's end.
// Performance note: inline, with the fast paths of JsonReader::key and string below, since
// every field of every record goes through them.
inline const char* find_quote_or_backslash(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  while (true) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    uint64_t quotes = word ^ (kOnes * '"');
    uint64_t slashes = word ^ (kOnes * '\\');
    uint64_t found =
        ((quotes - kOnes) & ~quotes & kHighs) | ((slashes - kOnes) & ~slashes & kHighs);
    if (found != 0) return p + (__builtin_ctzll(found) >> 3);
    p += sizeof(word);
  }
}

// The same, but gives up at `end` (returns a pointer >= end): for spans that may end inside a
// string, where the unbounded scan could run past the padding. Reads at most 7 bytes past `end`.
inline const char* find_quote_or_backslash_before(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  for (; p < end; p += sizeof(uint64_t)) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    uint64_t quotes = word ^ (kOnes * '"');
    uint64_t slashes = word ^ (kOnes * '\\');
    uint64_t found =
        ((quotes - kOnes) & ~quotes & kHighs) | ((slashes - kOnes) & ~slashes & kHighs);
    if (found != 0) return p + (__builtin_ctzll(found) >> 3);
  }
  return end;
}

}  // namespace detail

// Maps a simdjson error met while walking `record` to our reason (a cut-off record is truncated,
// a mangled one not_json).
DecodeError classify_simdjson(simdjson::error_code error, std::string_view record);

// The deepest nesting of objects and arrays in `text`, JSON that stage 1 accepted (strings
// closed) followed by kRecordPadding readable bytes; `text` itself counts as depth 1.
uint32_t deepest_nesting(std::string_view text);

class JsonReader {
 public:
  JsonReader(std::string_view record, StringArena& arena, uint32_t max_depth)
      : record_(record), arena_(arena), max_depth_(max_depth) {}

  FieldError fail(DecodeError reason, std::string_view field) const { return {reason, field}; }
  FieldError fail_simdjson(simdjson::error_code error, std::string_view field) const {
    return {classify_simdjson(error, record_), field};
  }

  // The key of `field`, unescaped when it holds escapes (so "\u0061ction" cannot hide a key).
  FieldError key(od::field& field, std::string_view* out) {
    const char* start = field.key().raw();
    const char* stop = detail::find_quote_or_backslash(start);
    if (*stop == '"') {
      *out = std::string_view(start, static_cast<size_t>(stop - start));
      return {};
    }
    return unescape(start, "", out);
  }
  // A string; null leaves `out` empty; other types are wrong_type.
  FieldError string(od::value& value, std::string_view field, std::string_view* out) {
    od::raw_json_string raw;
    auto error = value.get_raw_json_string().get(raw);
    if (error != simdjson::SUCCESS) return not_a_string(value, error, field, out);
    const char* start = raw.raw();
    const char* stop = detail::find_quote_or_backslash(start);
    if (*stop == '"') {
      *out = std::string_view(start, static_cast<size_t>(stop - start));
      return {};
    }
    return unescape(start, field, out);
  }
  // A string, or a number or boolean as its JSON text (ids logged as numbers); null is empty.
  FieldError text(od::value& value, std::string_view field, std::string_view* out);
  // An integer, or a string of one (OTLP writes 64-bit integers as strings). `present` is false
  // for null.
  FieldError integer(od::value& value, std::string_view field, int64_t* out, bool* present);
  FieldError boolean(od::value& value, std::string_view field, bool* out);
  // An object or array to walk; `present` is false for null, other types are wrong_type.
  FieldError object(od::value& value, std::string_view field, od::object* out, bool* present);
  FieldError array(od::value& value, std::string_view field, od::array* out, bool* present);
  // The raw JSON text of any value (objects and arrays whole, their nesting checked).
  FieldError raw(od::value& value, std::string_view field, std::string_view* out);

  // Checks the nesting of a value left unread at the current depth: a scalar costs a look at
  // its first byte; a container is skipped over and, when long enough to be too deep, scanned.
  FieldError skip(od::value& value, std::string_view field);

  StringArena& arena() { return arena_; }
  std::string_view record() const { return record_; }

  // Depth of the object or array being walked (the record itself is 1); for_each_* keep it.
  void enter() { ++depth_; }
  void leave() { --depth_; }

 private:
  FieldError wrong_type_or_malformed(od::value& value, std::string_view field);
  // The slow paths of string(): a body with escapes, and a value that is not a string.
  FieldError unescape(const char* body, std::string_view field, std::string_view* out);
  FieldError not_a_string(od::value& value, simdjson::error_code error, std::string_view field,
                          std::string_view* out);
  // kTooDeep when a container's text, met at the current depth, nests past max_depth.
  FieldError check_nesting(std::string_view raw, std::string_view field) const;

  std::string_view record_;
  StringArena& arena_;
  uint32_t max_depth_;
  uint32_t depth_ = 0;
};

// Keeps JsonReader's depth across one object's or array's walk.
class DepthScope {
 public:
  explicit DepthScope(JsonReader& reader) : reader_(reader) { reader_.enter(); }
  ~DepthScope() { reader_.leave(); }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

 private:
  JsonReader& reader_;
};

// Calls fn(key, value) -> FieldError for every field of `object`, stopping at the first error.
// A callback returns kUnread for a value it does not read.
template <typename Fn>
FieldError for_each_field(JsonReader& reader, od::object& object, std::string_view where, Fn&& fn) {
  DepthScope scope(reader);
  for (auto field_result : object) {
    if (auto error = field_result.error()) return reader.fail_simdjson(error, where);
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    FieldError e = reader.key(field, &key);
    if (!e.ok()) return e;
    e = fn(key, field.value());
    if (is_unread(e)) e = reader.skip(field.value(), where);
    if (!e.ok()) return e;
  }
  return {};
}

// Calls fn(value) -> FieldError for every element of `array`; kUnread as above.
template <typename Fn>
FieldError for_each_element(JsonReader& reader, od::array& array, std::string_view where, Fn&& fn) {
  DepthScope scope(reader);
  for (auto element : array) {
    if (auto error = element.error()) return reader.fail_simdjson(error, where);
    FieldError e = fn(element.value_unsafe());
    if (is_unread(e)) e = reader.skip(element.value_unsafe(), where);
    if (!e.ok()) return e;
  }
  return {};
}

// Refuses a known key met twice in one object: parsers disagree on which copy wins, so an
// attacker could show one value to us and another to the next tool (as the native decoder).
inline FieldError mark_seen(uint64_t* seen, int bit, std::string_view field) {
  const uint64_t mask = uint64_t{1} << bit;
  if (*seen & mask) return {DecodeError::kDuplicateKey, field};
  *seen |= mask;
  return {};
}

}  // namespace aw::ingest::formats
