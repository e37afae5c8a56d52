#include "ingest/formats/json_reader.h"

#include <array>
#include <cstring>

#include "ingest/json_scan.h"
#include "ingest/json_unescape.h"

namespace aw::ingest::formats {

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_null(od::value& value) {
  bool null = false;
  return value.is_null().get(null) == simdjson::SUCCESS && null;
}

// The deepest nesting of `text`, a record or a value's raw span that stage 1 accepted, with
// kRecordPadding readable bytes after it. On malformed input On-Demand's raw span of a value can
// end inside a string (found by the format fuzzer), so string scans stop at the end. Strings are
// skipped eight bytes at a time: they are most of the bytes of string-heavy records (OTLP attribute
// values), and byte-at-a-time scanning of them cost a quarter of the OTel decoder
// (bench/RESULTS.md).
uint32_t nesting_of(std::string_view text) {
  // One table look-up per byte outside strings: 0 plain, 1 quote, 2 opening, 3 closing.
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> table{};
    table['"'] = 1;
    table['{'] = table['['] = 2;
    table['}'] = table[']'] = 3;
    return table;
  }();
  const char* p = text.data();
  const char* end = p + text.size();
  int64_t depth = 0;
  int64_t deepest = 0;
  while (p < end) {
    uint8_t kind = kClass[static_cast<unsigned char>(*p++)];
    if (kind == 0) continue;
    if (kind == 1) {
      while (p < end) {
        p = detail::find_quote_or_backslash_before(p, end);
        if (p >= end) break;
        if (*p == '\\') {
          p += 2;
          continue;
        }
        ++p;  // the closing quote
        break;
      }
    } else if (kind == 2) {
      if (++depth > deepest) deepest = depth;
    } else {
      --depth;
    }
  }
  return static_cast<uint32_t>(deepest);
}

}  // namespace

DecodeError classify_simdjson(simdjson::error_code error, std::string_view record) {
  switch (error) {
    case simdjson::UTF8_ERROR:
      return DecodeError::kInvalidUtf8;
    case simdjson::DEPTH_ERROR:
      return DecodeError::kTooDeep;
    case simdjson::UNCLOSED_STRING:
      return DecodeError::kTruncated;
    case simdjson::INCORRECT_TYPE:
      return DecodeError::kWrongType;
    default:
      break;
  }
  JsonScan scan = scan_json(record);
  if (scan.inside_string_at_end || scan.open_at_end > 0) return DecodeError::kTruncated;
  return DecodeError::kNotJson;
}

uint32_t deepest_nesting(std::string_view text) { return nesting_of(text); }

FieldError JsonReader::skip(od::value& value, std::string_view field) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  if (type != od::json_type::object && type != od::json_type::array) return {};
  std::string_view raw;
  return this->raw(value, field, &raw);  // raw() checks the nesting
}

FieldError JsonReader::check_nesting(std::string_view raw, std::string_view field) const {
  // Nesting N more levels takes at least 2N bytes: short values cannot be too deep.
  uint32_t room = max_depth_ > depth_ ? max_depth_ - depth_ : 0;
  if (raw.size() >= 2 * static_cast<size_t>(room) && depth_ + nesting_of(raw) > max_depth_) {
    return fail(DecodeError::kTooDeep, field);
  }
  return {};
}

FieldError JsonReader::unescape(const char* body, std::string_view field, std::string_view* out) {
  DecodeError reason = unescape_json_string(body, arena_, out);
  if (reason != DecodeError::kNone) return fail(reason, field);
  return {};
}

FieldError JsonReader::wrong_type_or_malformed(od::value& value, std::string_view field) {
  // On-Demand looks at a scalar only when asked: report "tru" or "1.2.3" as malformed JSON,
  // not as a well-formed value of the wrong type.
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  simdjson::error_code error = simdjson::SUCCESS;
  if (type == od::json_type::boolean) {
    bool ignored;
    error = value.get_bool().get(ignored);
  } else if (type == od::json_type::number) {
    double ignored;
    error = value.get_double().get(ignored);
  } else if (type == od::json_type::null) {
    error = is_null(value) ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  if (error) return fail(DecodeError::kNotJson, field);
  return fail(DecodeError::kWrongType, field);
}

FieldError JsonReader::not_a_string(od::value& value, simdjson::error_code error,
                                    std::string_view field, std::string_view* out) {
  if (error != simdjson::INCORRECT_TYPE) return fail_simdjson(error, field);
  if (is_null(value)) {
    *out = {};
    return {};
  }
  return wrong_type_or_malformed(value, field);
}

FieldError JsonReader::text(od::value& value, std::string_view field, std::string_view* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  if (type == od::json_type::string || type == od::json_type::null) {
    return string(value, field, out);
  }
  if (type == od::json_type::number) {
    int64_t i;
    uint64_t u;
    double d;
    if (value.get_int64().get(i) != simdjson::SUCCESS &&
        value.get_uint64().get(u) != simdjson::SUCCESS &&
        value.get_double().get(d) != simdjson::SUCCESS) {
      return fail(DecodeError::kNotJson, field);
    }
  } else if (type == od::json_type::boolean) {
    bool b;
    if (value.get_bool().get(b)) return fail(DecodeError::kNotJson, field);
  } else {
    return fail(DecodeError::kWrongType, field);
  }
  std::string_view token = value.raw_json_token();
  while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
  *out = token;
  return {};
}

FieldError JsonReader::integer(od::value& value, std::string_view field, int64_t* out,
                               bool* present) {
  *present = false;
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  if (type == od::json_type::null) {
    if (!is_null(value)) return fail(DecodeError::kNotJson, field);
    return {};
  }
  if (type == od::json_type::string) {
    std::string_view digits;
    FieldError e = string(value, field, &digits);
    if (!e.ok()) return e;
    if (digits.empty() || digits.size() > 19) return fail(DecodeError::kInvalidValue, field);
    int64_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return fail(DecodeError::kInvalidValue, field);
      n = n * 10 + (c - '0');
    }
    *out = n;
    *present = true;
    return {};
  }
  if (type != od::json_type::number) return wrong_type_or_malformed(value, field);
  if (value.get_int64().get(*out) != simdjson::SUCCESS) {
    return fail(DecodeError::kInvalidValue, field);  // fractional, exponent or out of range
  }
  *present = true;
  return {};
}

FieldError JsonReader::boolean(od::value& value, std::string_view field, bool* out) {
  auto error = value.get_bool().get(*out);
  if (error == simdjson::SUCCESS) return {};
  if (error == simdjson::INCORRECT_TYPE) {
    if (is_null(value)) {
      *out = false;
      return {};
    }
    return wrong_type_or_malformed(value, field);
  }
  return fail_simdjson(error, field);
}

FieldError JsonReader::object(od::value& value, std::string_view field, od::object* out,
                              bool* present) {
  auto error = value.get_object().get(*out);
  *present = error == simdjson::SUCCESS;
  if (error == simdjson::SUCCESS) return {};
  if (error == simdjson::INCORRECT_TYPE) {
    if (is_null(value)) return {};
    return wrong_type_or_malformed(value, field);
  }
  return fail_simdjson(error, field);
}

FieldError JsonReader::array(od::value& value, std::string_view field, od::array* out,
                             bool* present) {
  auto error = value.get_array().get(*out);
  *present = error == simdjson::SUCCESS;
  if (error == simdjson::SUCCESS) return {};
  if (error == simdjson::INCORRECT_TYPE) {
    if (is_null(value)) return {};
    return wrong_type_or_malformed(value, field);
  }
  return fail_simdjson(error, field);
}

FieldError JsonReader::raw(od::value& value, std::string_view field, std::string_view* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  if (type == od::json_type::object) {
    od::object object;
    if (auto error = value.get_object().get(object)) return fail_simdjson(error, field);
    if (auto error = object.raw_json().get(*out)) return fail_simdjson(error, field);
    return check_nesting(*out, field);
  }
  if (type == od::json_type::array) {
    od::array array;
    if (auto error = value.get_array().get(array)) return fail_simdjson(error, field);
    if (auto error = array.raw_json().get(*out)) return fail_simdjson(error, field);
    return check_nesting(*out, field);
  }
  if (type == od::json_type::string) {
    // Keep the quotes: the caller wants JSON text.
    std::string_view token = value.raw_json_token();
    while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
    *out = token;
    return {};
  }
  std::string_view ignored;
  FieldError e = text(value, field, &ignored);
  if (!e.ok()) return e;
  *out = ignored;
  return {};
}

}  // namespace aw::ingest::formats
