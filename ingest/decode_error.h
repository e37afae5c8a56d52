// Why a record could not become an event. Per-record failures on the data path are reported as
// one of these codes (never as exceptions or strings) and the record goes to the dead-letter
// sink with the code, the field it concerns and its source position.
#pragma once

#include <cstdint>
#include <string_view>

namespace aw::ingest {

enum class DecodeError : uint8_t {
  kNone = 0,
  kNotJson,                // not parseable as JSON, or trailing content after the record
  kTruncated,              // JSON that ends before its objects, arrays or strings are closed
  kTooDeep,                // nesting deeper than DecoderOptions::max_depth
  kTooLarge,               // longer than DecoderOptions::max_record_bytes
  kMissingField,           // a required field is absent
  kWrongType,              // a field holds the wrong JSON type (or the record is not an object)
  kBadTimestamp,           // ts is not RFC 3339 nor integer epoch milliseconds, or out of range
  kInvalidUtf8,            // bytes that are not UTF-8
  kInvalidValue,           // a value outside its enumeration (actor.type, action.class, outcome)
  kDuplicateKey,           // a known field given twice: parsers disagree on which wins, so refuse
  kInvalidRegistryUpdate,  // a registry update that cannot be applied (detect stage)
};

inline constexpr int kDecodeErrorCount = 12;

// Stable snake_case name used in dead-letter records, summaries and metrics.
std::string_view decode_error_name(DecodeError error);

}  // namespace aw::ingest
