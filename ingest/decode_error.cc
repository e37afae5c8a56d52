#include "ingest/decode_error.h"

namespace aw::ingest {

std::string_view decode_error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kNone:
      return "none";
    case DecodeError::kNotJson:
      return "not_json";
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kTooDeep:
      return "too_deep";
    case DecodeError::kTooLarge:
      return "too_large";
    case DecodeError::kMissingField:
      return "missing_field";
    case DecodeError::kWrongType:
      return "wrong_type";
    case DecodeError::kBadTimestamp:
      return "bad_timestamp";
    case DecodeError::kInvalidUtf8:
      return "invalid_utf8";
    case DecodeError::kInvalidValue:
      return "invalid_value";
    case DecodeError::kDuplicateKey:
      return "duplicate_key";
    case DecodeError::kInvalidRegistryUpdate:
      return "invalid_registry_update";
  }
  return "unknown";
}

}  // namespace aw::ingest
