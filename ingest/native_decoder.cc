#include "ingest/native_decoder.h"

#include <simdjson.h>

#include <cstring>

#include "ingest/json_scan.h"
#include "ingest/timestamp.h"

namespace aw::ingest {

namespace od = simdjson::ondemand;

namespace {

// Outcome of reading one field: the reason (kNone when fine) and the field it concerns.
struct FieldError {
  DecodeError reason = DecodeError::kNone;
  std::string_view field;
};

constexpr FieldError kFine{};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Maps a simdjson error met while walking `record` to our reason.
DecodeError classify(simdjson::error_code error, std::string_view record) {
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
  // On-Demand reports many malformations as TAPE_ERROR; an unbalanced ending means the record
  // was cut short rather than mangled.
  JsonScan scan = scan_json(record);
  if (scan.inside_string_at_end || scan.open_at_end > 0) return DecodeError::kTruncated;
  return DecodeError::kNotJson;
}

class RecordDecoder {
 public:
  RecordDecoder(const DecoderOptions& options, std::string_view record, StringArena& arena)
      : options_(options), record_(record), arena_(arena) {}

  FieldError decode(od::document& doc, Event& event);

 private:
  FieldError fail(DecodeError reason, std::string_view field) { return FieldError{reason, field}; }
  FieldError fail_simdjson(simdjson::error_code error, std::string_view field) {
    return FieldError{classify(error, record_), field};
  }

  // A string field; JSON null leaves `out` empty. Strings without escapes stay views into the
  // record; the rest are unescaped into the arena.
  FieldError read_string(od::value& value, std::string_view field, std::string_view* out);
  FieldError wrong_type_or_malformed(od::value& value, std::string_view field);
  FieldError read_timestamp(od::value& value, int64_t* out);
  FieldError read_seq(od::value& value, uint64_t* out);
  // Skips a value we do not interpret, checking the depth of nested ones (On-Demand does not).
  FieldError skip_unknown(od::value& value, uint32_t depth, std::string_view field);

  FieldError read_actor(od::value& value, Event& event);
  FieldError read_credential(od::value& value, Event& event);
  FieldError read_action(od::value& value, Event& event);
  FieldError read_resource(od::value& value, Event& event);
  FieldError read_attrs(od::value& value, Event& event);

  const DecoderOptions& options_;
  std::string_view record_;
  StringArena& arena_;
};

// Each known key has one bit so a repeated key is caught with one test.
enum KeyBit : uint32_t {
  kKeyTs = 1u << 0,
  kKeyId = 1u << 1,
  kKeySource = 1u << 2,
  kKeySeq = 1u << 3,
  kKeyActor = 1u << 4,
  kKeyCredential = 1u << 5,
  kKeySession = 1u << 6,
  kKeyTask = 1u << 7,
  kKeyAction = 1u << 8,
  kKeyResource = 1u << 9,
  kKeyEnv = 1u << 10,
  kKeyOutcome = 1u << 11,
  kKeyApproval = 1u << 12,
  kKeySrcIp = 1u << 13,
  kKeyAttrs = 1u << 14,
};

bool mark_seen(uint32_t* seen, uint32_t bit) {
  if (*seen & bit) return false;
  *seen |= bit;
  return true;
}

FieldError RecordDecoder::wrong_type_or_malformed(od::value& value, std::string_view field) {
  // On-Demand only looks at a scalar when asked: make sure "tru" or "1.2.3" is reported as
  // malformed JSON, not as a well-formed value of the wrong type.
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  simdjson::error_code error = simdjson::SUCCESS;
  if (type == od::json_type::boolean) {
    bool ignored;
    error = value.get_bool().get(ignored);
  } else if (type == od::json_type::number) {
    double ignored;
    error = value.get_double().get(ignored);
  }
  if (error) return fail(DecodeError::kNotJson, field);
  return fail(DecodeError::kWrongType, field);
}

FieldError RecordDecoder::read_string(od::value& value, std::string_view field,
                                      std::string_view* out) {
  std::string_view token = value.raw_json_token();
  while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
  if (token.empty()) return fail(DecodeError::kTruncated, field);
  if (token[0] != '"') {
    if (token == "null") {
      *out = {};
      return kFine;
    }
    return wrong_type_or_malformed(value, field);
  }
  if (token.size() < 2 || token.back() != '"') return fail(DecodeError::kTruncated, field);
  std::string_view inner = token.substr(1, token.size() - 2);
  if (std::memchr(inner.data(), '\\', inner.size()) == nullptr) {
    *out = inner;
    return kFine;
  }
  std::string_view unescaped;
  if (auto error = value.get_string().get(unescaped)) return fail_simdjson(error, field);
  *out = arena_.copy(unescaped);
  return kFine;
}

FieldError RecordDecoder::read_timestamp(od::value& value, int64_t* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, "ts");
  if (type == od::json_type::number) {
    int64_t ms;
    if (value.get_int64().get(ms) != simdjson::SUCCESS) {
      return fail(DecodeError::kBadTimestamp, "ts");  // a fraction, an exponent, or too large
    }
    if (!epoch_ms_to_us(ms, out)) return fail(DecodeError::kBadTimestamp, "ts");
    return kFine;
  }
  if (type != od::json_type::string) return fail(DecodeError::kWrongType, "ts");
  std::string_view text;
  FieldError error = read_string(value, "ts", &text);
  if (error.reason != DecodeError::kNone) return error;
  if (!parse_rfc3339(text, out)) return fail(DecodeError::kBadTimestamp, "ts");
  return kFine;
}

FieldError RecordDecoder::read_seq(od::value& value, uint64_t* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, "seq");
  if (type != od::json_type::number) return fail(DecodeError::kWrongType, "seq");
  if (value.get_uint64().get(*out) != simdjson::SUCCESS) {
    return fail(DecodeError::kWrongType, "seq");  // negative, fractional or too large
  }
  return kFine;
}

FieldError RecordDecoder::skip_unknown(od::value& value, uint32_t depth, std::string_view field) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, field);
  std::string_view raw;
  if (type == od::json_type::object) {
    od::object object;
    if (auto error = value.get_object().get(object)) return fail_simdjson(error, field);
    if (auto error = object.raw_json().get(raw)) return fail_simdjson(error, field);
  } else if (type == od::json_type::array) {
    od::array array;
    if (auto error = value.get_array().get(array)) return fail_simdjson(error, field);
    if (auto error = array.raw_json().get(raw)) return fail_simdjson(error, field);
  } else {
    return kFine;
  }
  if (depth + scan_json(raw).max_depth > options_.max_depth) {
    return fail(DecodeError::kTooDeep, field);
  }
  return kFine;
}

FieldError RecordDecoder::decode(od::document& doc, Event& event) {
  od::object root;
  if (auto error = doc.get_object().get(root)) {
    std::string_view trimmed = record_;
    while (!trimmed.empty() && is_json_space(trimmed.front())) trimmed.remove_prefix(1);
    while (!trimmed.empty() && is_json_space(trimmed.back())) trimmed.remove_suffix(1);
    if (error == simdjson::INCORRECT_TYPE && !trimmed.empty() &&
        (trimmed.front() == '[' || trimmed.front() == '"' || trimmed.front() == '-' ||
         (trimmed.front() >= '0' && trimmed.front() <= '9') || trimmed == "true" ||
         trimmed == "false" || trimmed == "null")) {
      return fail(DecodeError::kWrongType, "");  // JSON, but not an object
    }
    return fail_simdjson(error == simdjson::INCORRECT_TYPE ? simdjson::TAPE_ERROR : error, "");
  }
  uint32_t seen = 0;
  bool has_ts = false;
  for (auto field_result : root) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return fail_simdjson(error, "");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return fail_simdjson(error, "");
    od::value value = field.value();
    FieldError result = kFine;
    switch (key.size()) {
      case 2:
        if (key == "ts") {
          if (!mark_seen(&seen, kKeyTs)) return fail(DecodeError::kDuplicateKey, "ts");
          od::json_type type;
          if (auto error = value.type().get(type)) return fail_simdjson(error, "ts");
          if (type != od::json_type::null) {
            result = read_timestamp(value, &event.ts_us);
            has_ts = true;
          }
        } else if (key == "id") {
          if (!mark_seen(&seen, kKeyId)) return fail(DecodeError::kDuplicateKey, "id");
          result = read_string(value, "id", &event.id);
        } else {
          goto unknown;
        }
        break;
      case 3:
        if (key == "seq") {
          if (!mark_seen(&seen, kKeySeq)) return fail(DecodeError::kDuplicateKey, "seq");
          od::json_type type;
          if (auto error = value.type().get(type)) return fail_simdjson(error, "seq");
          if (type != od::json_type::null) {
            result = read_seq(value, &event.seq);
            event.has_seq = true;
          }
        } else if (key == "env") {
          if (!mark_seen(&seen, kKeyEnv)) return fail(DecodeError::kDuplicateKey, "env");
          result = read_string(value, "env", &event.env);
        } else {
          goto unknown;
        }
        break;
      case 4:
        if (key == "task") {
          if (!mark_seen(&seen, kKeyTask)) return fail(DecodeError::kDuplicateKey, "task");
          result = read_string(value, "task", &event.task);
        } else {
          goto unknown;
        }
        break;
      case 5:
        if (key == "actor") {
          if (!mark_seen(&seen, kKeyActor)) return fail(DecodeError::kDuplicateKey, "actor");
          result = read_actor(value, event);
        } else if (key == "attrs") {
          if (!mark_seen(&seen, kKeyAttrs)) return fail(DecodeError::kDuplicateKey, "attrs");
          result = read_attrs(value, event);
        } else {
          goto unknown;
        }
        break;
      case 6:
        if (key == "source") {
          if (!mark_seen(&seen, kKeySource)) return fail(DecodeError::kDuplicateKey, "source");
          result = read_string(value, "source", &event.source);
        } else if (key == "action") {
          if (!mark_seen(&seen, kKeyAction)) return fail(DecodeError::kDuplicateKey, "action");
          result = read_action(value, event);
        } else if (key == "src_ip") {
          if (!mark_seen(&seen, kKeySrcIp)) return fail(DecodeError::kDuplicateKey, "src_ip");
          result = read_string(value, "src_ip", &event.src_ip);
        } else {
          goto unknown;
        }
        break;
      case 7:
        if (key == "session") {
          if (!mark_seen(&seen, kKeySession)) return fail(DecodeError::kDuplicateKey, "session");
          result = read_string(value, "session", &event.session);
        } else if (key == "outcome") {
          if (!mark_seen(&seen, kKeyOutcome)) return fail(DecodeError::kDuplicateKey, "outcome");
          std::string_view text;
          result = read_string(value, "outcome", &text);
          if (result.reason == DecodeError::kNone && !text.empty() &&
              !parse_outcome(text, &event.outcome)) {
            return fail(DecodeError::kInvalidValue, "outcome");
          }
        } else {
          goto unknown;
        }
        break;
      case 8:
        if (key == "resource") {
          if (!mark_seen(&seen, kKeyResource)) return fail(DecodeError::kDuplicateKey, "resource");
          result = read_resource(value, event);
        } else if (key == "approval") {
          if (!mark_seen(&seen, kKeyApproval)) return fail(DecodeError::kDuplicateKey, "approval");
          result = read_string(value, "approval", &event.approval);
        } else {
          goto unknown;
        }
        break;
      case 10:
        if (key == "credential") {
          if (!mark_seen(&seen, kKeyCredential)) {
            return fail(DecodeError::kDuplicateKey, "credential");
          }
          result = read_credential(value, event);
        } else {
          goto unknown;
        }
        break;
      default:
      unknown:
        ++event.unknown_field_count;
        result = skip_unknown(value, 1, "");
        break;
    }
    if (result.reason != DecodeError::kNone) return result;
  }
  // On-Demand does not look past the root object by itself: anything after it is not one record.
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return fail(DecodeError::kNotJson, "");
  }
  if (!has_ts) return fail(DecodeError::kMissingField, "ts");
  if (event.source.empty()) return fail(DecodeError::kMissingField, "source");
  if (event.actor_id.empty()) return fail(DecodeError::kMissingField, "actor.id");
  if (event.tool.empty() && event.verb.empty()) {
    return fail(DecodeError::kMissingField, "action.tool");
  }
  return kFine;
}

// Walks the fields of a nested object of known shape. `on_field` returns kFine, an error, or
// {kNone, "unknown"} to have the field skipped as unknown.
template <typename OnField>
FieldError walk_object(od::value& value, std::string_view field_name, std::string_view record,
                       OnField&& on_field) {
  od::json_type type;
  if (auto error = value.type().get(type)) return FieldError{classify(error, record), field_name};
  if (type == od::json_type::null) return kFine;
  if (type != od::json_type::object) return FieldError{DecodeError::kWrongType, field_name};
  od::object object;
  if (auto error = value.get_object().get(object)) {
    return FieldError{classify(error, record), field_name};
  }
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) {
      return FieldError{classify(error, record), field_name};
    }
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) {
      return FieldError{classify(error, record), field_name};
    }
    od::value child = field.value();
    FieldError result = on_field(key, child);
    if (result.reason != DecodeError::kNone) return result;
  }
  return kFine;
}

FieldError RecordDecoder::read_actor(od::value& value, Event& event) {
  uint32_t seen = 0;
  return walk_object(value, "actor", record_, [&](std::string_view key, od::value& child) {
    if (key == "id") {
      if (!mark_seen(&seen, 1)) return fail(DecodeError::kDuplicateKey, "actor.id");
      return read_string(child, "actor.id", &event.actor_id);
    }
    if (key == "type") {
      if (!mark_seen(&seen, 2)) return fail(DecodeError::kDuplicateKey, "actor.type");
      std::string_view text;
      FieldError result = read_string(child, "actor.type", &text);
      if (result.reason == DecodeError::kNone && !text.empty() &&
          !parse_actor_type(text, &event.actor_type)) {
        return fail(DecodeError::kInvalidValue, "actor.type");
      }
      return result;
    }
    ++event.unknown_field_count;
    return skip_unknown(child, 2, "actor");
  });
}

FieldError RecordDecoder::read_credential(od::value& value, Event& event) {
  uint32_t seen = 0;
  return walk_object(value, "credential", record_, [&](std::string_view key, od::value& child) {
    if (key == "id") {
      if (!mark_seen(&seen, 1)) return fail(DecodeError::kDuplicateKey, "credential.id");
      return read_string(child, "credential.id", &event.credential_id);
    }
    ++event.unknown_field_count;
    return skip_unknown(child, 2, "credential");
  });
}

FieldError RecordDecoder::read_action(od::value& value, Event& event) {
  uint32_t seen = 0;
  return walk_object(value, "action", record_, [&](std::string_view key, od::value& child) {
    if (key == "tool") {
      if (!mark_seen(&seen, 1)) return fail(DecodeError::kDuplicateKey, "action.tool");
      return read_string(child, "action.tool", &event.tool);
    }
    if (key == "verb") {
      if (!mark_seen(&seen, 2)) return fail(DecodeError::kDuplicateKey, "action.verb");
      return read_string(child, "action.verb", &event.verb);
    }
    if (key == "class") {
      if (!mark_seen(&seen, 4)) return fail(DecodeError::kDuplicateKey, "action.class");
      std::string_view text;
      FieldError result = read_string(child, "action.class", &text);
      if (result.reason == DecodeError::kNone && !text.empty()) {
        if (!parse_action_class(text, &event.action_class)) {
          return fail(DecodeError::kInvalidValue, "action.class");
        }
        event.class_from_record = true;
      }
      return result;
    }
    ++event.unknown_field_count;
    return skip_unknown(child, 2, "action");
  });
}

FieldError RecordDecoder::read_resource(od::value& value, Event& event) {
  uint32_t seen = 0;
  return walk_object(value, "resource", record_, [&](std::string_view key, od::value& child) {
    if (key == "type") {
      if (!mark_seen(&seen, 1)) return fail(DecodeError::kDuplicateKey, "resource.type");
      return read_string(child, "resource.type", &event.resource_type);
    }
    if (key == "name") {
      if (!mark_seen(&seen, 2)) return fail(DecodeError::kDuplicateKey, "resource.name");
      return read_string(child, "resource.name", &event.resource_name);
    }
    ++event.unknown_field_count;
    return skip_unknown(child, 2, "resource");
  });
}

FieldError RecordDecoder::read_attrs(od::value& value, Event& event) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail_simdjson(error, "attrs");
  if (type == od::json_type::null) return kFine;
  if (type != od::json_type::object) return fail(DecodeError::kWrongType, "attrs");
  od::object object;
  if (auto error = value.get_object().get(object)) return fail_simdjson(error, "attrs");
  std::string_view raw;
  if (auto error = object.raw_json().get(raw)) return fail_simdjson(error, "attrs");
  if (1 + scan_json(raw).max_depth > options_.max_depth) {
    return fail(DecodeError::kTooDeep, "attrs");
  }
  event.attrs_json = raw;
  return kFine;
}

}  // namespace

struct NativeDecoder::Impl {
  DecoderOptions options;
  od::parser parser;
};

Result<NativeDecoder> NativeDecoder::make(const DecoderOptions& options) {
  if (options.max_record_bytes == 0) {
    return Status::invalid_argument("decoder: max_record_bytes must be positive");
  }
  if (options.max_depth < 2) return Status::invalid_argument("decoder: max_depth must be >= 2");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  // Size the parser once for the largest record it may see, so it never grows mid-stream.
  if (auto error = impl->parser.allocate(options.max_record_bytes)) {
    return Status::internal(std::string("decoder: cannot allocate parser: ") +
                            simdjson::error_message(error));
  }
  return NativeDecoder(std::move(impl));
}

NativeDecoder::NativeDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NativeDecoder::NativeDecoder(NativeDecoder&&) noexcept = default;
NativeDecoder& NativeDecoder::operator=(NativeDecoder&&) noexcept = default;
NativeDecoder::~NativeDecoder() = default;

DecodeError NativeDecoder::decode_one(const RecordRef& record, Event& event, StringArena& arena,
                                      std::string_view* field) {
  *field = {};
  event = Event{};
  event.raw = record.bytes;
  event.position = record.position;
  if (record.record_bytes > impl_->options.max_record_bytes ||
      record.bytes.size() > impl_->options.max_record_bytes) {
    return DecodeError::kTooLarge;
  }
  od::document doc;
  auto error =
      impl_->parser
          .iterate(record.bytes.data(), record.bytes.size(), record.bytes.size() + kRecordPadding)
          .get(doc);
  if (error) return classify(error, record.bytes);
  RecordDecoder decoder(impl_->options, record.bytes, arena);
  FieldError result = decoder.decode(doc, event);
  *field = result.field;
  return result.reason;
}

void NativeDecoder::decode(std::span<const RecordRef> records, EventBatch& batch) {
  for (const RecordRef& record : records) {
    Event& event = batch.events.emplace_back();
    std::string_view field;
    DecodeError reason = decode_one(record, event, batch.arena, &field);
    if (reason != DecodeError::kNone) {
      batch.events.pop_back();
      batch.dead_letters.push_back(
          DeadLetter{reason, field, record.bytes, record.record_bytes, record.position});
    }
  }
}

}  // namespace aw::ingest
