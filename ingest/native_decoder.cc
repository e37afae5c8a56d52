#include "ingest/native_decoder.h"

#include <simdjson.h>

#include <cstring>

#include "ingest/json_scan.h"
#include "ingest/json_unescape.h"
#include "ingest/timestamp.h"

namespace aw::ingest {

namespace od = simdjson::ondemand;

// Performance note: the hot helpers below are forced inline so simdjson's iterator state stays
// in registers across a record; see bench/RESULTS.md (native decoder) for what each step bought.
#define AW_HOT inline __attribute__((always_inline))

namespace {

// Outcome of reading one field: the reason (kNone when fine) and the field it concerns.
struct FieldError {
  DecodeError reason = DecodeError::kNone;
  std::string_view field;
};

constexpr FieldError kFine{};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// True only for a well-formed JSON null (a malformed atom such as "nul" is not one).
AW_HOT bool is_null(od::value& value) {
  bool null = false;
  return value.is_null().get(null) == simdjson::SUCCESS && null;
}

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

// The first '"' or '\\' at or after `p`, eight bytes at a time. Reading past the string is safe:
// every record is followed by kRecordPadding readable bytes, and a string always ends before its
// record does (stage 1 validated it).
AW_HOT const char* find_quote_or_backslash(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  while (true) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    uint64_t quotes = word ^ (kOnes * '"');
    uint64_t slashes = word ^ (kOnes * '\\');
    // A zero byte in either marks a match; the lowest flagged byte is exact.
    uint64_t found =
        ((quotes - kOnes) & ~quotes & kHighs) | ((slashes - kOnes) & ~slashes & kHighs);
    if (found != 0) return p + (__builtin_ctzll(found) >> 3);
    p += sizeof(word);
  }
}

// Known keys. Each has one bit, so a repeated key is caught with one test per field.
enum Key : uint32_t {
  kKeyUnknown = 0,
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
  // Keys of the nested objects.
  kKeyType = 1u << 15,
  kKeyTool = 1u << 16,
  kKeyVerb = 1u << 17,
  kKeyClass = 1u << 18,
  kKeyName = 1u << 19,
  kKeyRegistryUpdate = 1u << 20,
};

// True when the raw key at `raw` (just after its opening quote) is exactly `name`.
template <size_t N>
AW_HOT bool is_key(const char* raw, const char (&name)[N]) {
  return std::memcmp(raw, name, N - 1) == 0 && raw[N - 1] == '"';
}

// Matches a raw key against the keys of the root object without unescaping it. Keys are read in
// place; `raw` has at least kRecordPadding readable bytes after it, so the compares are safe.
AW_HOT Key match_root_key(const char* raw) {
  switch (raw[0]) {
    case 't':
      if (is_key(raw, "ts")) return kKeyTs;
      if (is_key(raw, "task")) return kKeyTask;
      break;
    case 'i':
      if (is_key(raw, "id")) return kKeyId;
      break;
    case 's':
      if (is_key(raw, "source")) return kKeySource;
      if (is_key(raw, "seq")) return kKeySeq;
      if (is_key(raw, "session")) return kKeySession;
      if (is_key(raw, "src_ip")) return kKeySrcIp;
      break;
    case 'a':
      if (is_key(raw, "actor")) return kKeyActor;
      if (is_key(raw, "action")) return kKeyAction;
      if (is_key(raw, "attrs")) return kKeyAttrs;
      if (is_key(raw, "approval")) return kKeyApproval;
      break;
    case 'c':
      if (is_key(raw, "credential")) return kKeyCredential;
      break;
    case 'r':
      if (is_key(raw, "resource")) return kKeyResource;
      if (is_key(raw, "registry_update")) return kKeyRegistryUpdate;
      break;
    case 'e':
      if (is_key(raw, "env")) return kKeyEnv;
      break;
    case 'o':
      if (is_key(raw, "outcome")) return kKeyOutcome;
      break;
    default:
      break;
  }
  return kKeyUnknown;
}

AW_HOT Key match_nested_key(const char* raw) {
  switch (raw[0]) {
    case 'i':
      if (is_key(raw, "id")) return kKeyId;
      break;
    case 't':
      if (is_key(raw, "type")) return kKeyType;
      if (is_key(raw, "tool")) return kKeyTool;
      break;
    case 'v':
      if (is_key(raw, "verb")) return kKeyVerb;
      break;
    case 'c':
      if (is_key(raw, "class")) return kKeyClass;
      break;
    case 'n':
      if (is_key(raw, "name")) return kKeyName;
      break;
    default:
      break;
  }
  return kKeyUnknown;
}

// A key that matched nothing in place may still spell a known key with escapes ("t\u0073");
// unescape it and match again, so escapes cannot smuggle in a second "ts".
template <typename Match>
Key match_escaped_key(od::field& field, Match match, std::string_view* unescaped) {
  const char* raw = field.key().raw();
  if (*find_quote_or_backslash(raw) != '\\') return kKeyUnknown;
  if (field.unescaped_key().get(*unescaped)) return kKeyUnknown;
  // Match the unescaped text through the same matcher: copy it with a closing quote and padding.
  char buffer[32] = {};
  if (unescaped->size() + 1 > sizeof(buffer) - 8) return kKeyUnknown;
  std::memcpy(buffer, unescaped->data(), unescaped->size());
  buffer[unescaped->size()] = '"';
  return match(buffer);
}

class RecordDecoder {
 public:
  RecordDecoder(const DecoderOptions& options, std::string_view record, StringArena& arena)
      : options_(options), record_(record), arena_(arena) {}

  // Decodes one record. A registry update ({"registry_update": {...}}) is not an event: it is
  // validated like any record, then reported through `*is_control` for the detect stage.
  FieldError decode(od::document& doc, Event& event, bool* is_control);

 private:
  FieldError fail(DecodeError reason, std::string_view field) { return FieldError{reason, field}; }
  FieldError fail_simdjson(simdjson::error_code error, std::string_view field) {
    return FieldError{classify(error, record_), field};
  }

  // A string field; JSON null leaves `out` empty. Strings without escapes stay views into the
  // record; the rest are unescaped into the arena.
  AW_HOT FieldError read_string(od::value& value, std::string_view field, std::string_view* out);
  // Why a value that is not what we asked for failed: malformed JSON or just the wrong type.
  FieldError wrong_type_or_malformed(od::value& value, std::string_view field);
  FieldError read_timestamp(od::value& value, int64_t* out, bool* present);
  FieldError read_seq(od::value& value, Event& event);
  // Skips a value we do not interpret, checking the depth of nested ones (On-Demand does not).
  FieldError skip_unknown(od::value& value, uint32_t depth, std::string_view field);
  // Opens a nested object of known shape; `*present` is false for null.
  AW_HOT FieldError open_object(od::value& value, std::string_view field, od::object* object,
                                bool* present);
  FieldError read_nested(od::value& value, Key owner, Event& event);
  FieldError read_attrs(od::value& value, Event& event);

  const DecoderOptions& options_;
  std::string_view record_;
  StringArena& arena_;
};

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
  } else if (type == od::json_type::null) {
    error = is_null(value) ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  if (error) return fail(DecodeError::kNotJson, field);
  return fail(DecodeError::kWrongType, field);
}

AW_HOT FieldError RecordDecoder::read_string(od::value& value, std::string_view field,
                                             std::string_view* out) {
  od::raw_json_string raw;
  auto error = value.get_raw_json_string().get(raw);
  if (error != simdjson::SUCCESS) {
    if (error == simdjson::INCORRECT_TYPE) {
      if (is_null(value)) {
        *out = {};
        return kFine;
      }
      return wrong_type_or_malformed(value, field);
    }
    return fail_simdjson(error, field);
  }
  const char* start = raw.raw();
  const char* stop = find_quote_or_backslash(start);
  if (*stop == '"') {
    *out = std::string_view(start, static_cast<size_t>(stop - start));
    return kFine;
  }
  DecodeError reason = unescape_json_string(start, arena_, out);
  if (reason != DecodeError::kNone) return fail(reason, field);
  return kFine;
}

FieldError RecordDecoder::read_timestamp(od::value& value, int64_t* out, bool* present) {
  *present = false;
  od::raw_json_string raw;
  auto error = value.get_raw_json_string().get(raw);
  if (error == simdjson::SUCCESS) {
    const char* start = raw.raw();
    const char* stop = find_quote_or_backslash(start);
    // A time has no reason to contain escapes; one that does is refused rather than decoded.
    if (*stop != '"') return fail(DecodeError::kBadTimestamp, "ts");
    if (!parse_rfc3339(std::string_view(start, static_cast<size_t>(stop - start)), out)) {
      return fail(DecodeError::kBadTimestamp, "ts");
    }
    *present = true;
    return kFine;
  }
  if (error != simdjson::INCORRECT_TYPE) return fail_simdjson(error, "ts");
  od::json_type type;
  if (auto type_error = value.type().get(type)) return fail_simdjson(type_error, "ts");
  if (type == od::json_type::null && is_null(value)) return kFine;
  if (type != od::json_type::number) return wrong_type_or_malformed(value, "ts");
  int64_t ms;
  if (value.get_int64().get(ms) != simdjson::SUCCESS) {
    return fail(DecodeError::kBadTimestamp, "ts");  // a fraction, an exponent, or too large
  }
  if (!epoch_ms_to_us(ms, out)) return fail(DecodeError::kBadTimestamp, "ts");
  *present = true;
  return kFine;
}

FieldError RecordDecoder::read_seq(od::value& value, Event& event) {
  auto error = value.get_uint64().get(event.seq);
  if (error == simdjson::SUCCESS) {
    event.has_seq = true;
    return kFine;
  }
  if (is_null(value)) return kFine;
  return fail(DecodeError::kWrongType, "seq");  // a string, negative, fractional or too large
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
  // Nesting deeper than the limit needs two bytes per level: short values skip the scan.
  uint32_t room = options_.max_depth > depth ? options_.max_depth - depth : 0;
  if (raw.size() >= 2 * static_cast<size_t>(room) &&
      depth + scan_json(raw).max_depth > options_.max_depth) {
    return fail(DecodeError::kTooDeep, field);
  }
  return kFine;
}

AW_HOT FieldError RecordDecoder::open_object(od::value& value, std::string_view field,
                                             od::object* object, bool* present) {
  auto error = value.get_object().get(*object);
  *present = error == simdjson::SUCCESS;
  if (error == simdjson::SUCCESS) return kFine;
  if (error == simdjson::INCORRECT_TYPE) {
    if (is_null(value)) return kFine;
    return wrong_type_or_malformed(value, field);
  }
  return fail_simdjson(error, field);
}

// actor {id, type}, credential {id}, action {tool, verb, class}, resource {type, name}.
FieldError RecordDecoder::read_nested(od::value& value, Key owner, Event& event) {
  std::string_view owner_name = owner == kKeyActor        ? "actor"
                                : owner == kKeyCredential ? "credential"
                                : owner == kKeyAction     ? "action"
                                                          : "resource";
  od::object object;
  bool present;
  FieldError opened = open_object(value, owner_name, &object, &present);
  if (opened.reason != DecodeError::kNone || !present) return opened;
  uint32_t seen = 0;
  for (auto field_result : object) {
    if (auto error = field_result.error()) return fail_simdjson(error, owner_name);
    od::field& field = field_result.value_unsafe();
    Key key = match_nested_key(field.key().raw());
    if (key == kKeyUnknown) {
      std::string_view unescaped;
      key = match_escaped_key(field, match_nested_key, &unescaped);
    }
    od::value& child = field.value();
    // Which event field this key fills for this owner, and its dotted name for reports.
    std::string_view* target = nullptr;
    std::string_view name;
    std::string_view text;
    switch (owner | key) {
      case kKeyActor | kKeyId:
        target = &event.actor_id;
        name = "actor.id";
        break;
      case kKeyActor | kKeyType:
        target = &text;
        name = "actor.type";
        break;
      case kKeyCredential | kKeyId:
        target = &event.credential_id;
        name = "credential.id";
        break;
      case kKeyAction | kKeyTool:
        target = &event.tool;
        name = "action.tool";
        break;
      case kKeyAction | kKeyVerb:
        target = &event.verb;
        name = "action.verb";
        break;
      case kKeyAction | kKeyClass:
        target = &text;
        name = "action.class";
        break;
      case kKeyResource | kKeyType:
        target = &event.resource_type;
        name = "resource.type";
        break;
      case kKeyResource | kKeyName:
        target = &event.resource_name;
        name = "resource.name";
        break;
      default:
        break;
    }
    if (target == nullptr) {
      ++event.unknown_field_count;
      FieldError skipped = skip_unknown(child, 2, owner_name);
      if (skipped.reason != DecodeError::kNone) return skipped;
      continue;
    }
    if (seen & key) return fail(DecodeError::kDuplicateKey, name);
    seen |= key;
    FieldError result = read_string(child, name, target);
    if (result.reason != DecodeError::kNone) return result;
    if (target == &text && !text.empty()) {
      if (key == kKeyType) {
        if (!parse_actor_type(text, &event.actor_type)) {
          return fail(DecodeError::kInvalidValue, name);
        }
      } else {
        if (!parse_action_class(text, &event.action_class)) {
          return fail(DecodeError::kInvalidValue, name);
        }
        event.class_from_record = true;
      }
    }
  }
  return kFine;
}

FieldError RecordDecoder::read_attrs(od::value& value, Event& event) {
  od::object object;
  bool present;
  FieldError opened = open_object(value, "attrs", &object, &present);
  if (opened.reason != DecodeError::kNone || !present) return opened;
  std::string_view raw;
  if (auto error = object.raw_json().get(raw)) return fail_simdjson(error, "attrs");
  uint32_t room = options_.max_depth - 1;
  if (raw.size() >= 2 * static_cast<size_t>(room) &&
      1 + scan_json(raw).max_depth > options_.max_depth) {
    return fail(DecodeError::kTooDeep, "attrs");
  }
  event.attrs_json = raw;
  return kFine;
}

FieldError RecordDecoder::decode(od::document& doc, Event& event, bool* is_control) {
  *is_control = false;
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
    // Performance note: use the field in place; copying it out of the result (get()) cost a
    // store-forwarding stall per field, a third of the decoder's time (bench/RESULTS.md).
    if (auto error = field_result.error()) return fail_simdjson(error, "");
    od::field& field = field_result.value_unsafe();
    Key key = match_root_key(field.key().raw());
    if (key == kKeyUnknown) {
      std::string_view unescaped;
      key = match_escaped_key(field, match_root_key, &unescaped);
    }
    od::value& value = field.value();
    if (key == kKeyUnknown) {
      ++event.unknown_field_count;
      FieldError skipped = skip_unknown(value, 1, "");
      if (skipped.reason != DecodeError::kNone) return skipped;
      continue;
    }
    FieldError result = kFine;
    std::string_view text;
    switch (key) {
      case kKeyTs:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "ts");
        result = read_timestamp(value, &event.ts_us, &has_ts);
        break;
      case kKeyId:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "id");
        result = read_string(value, "id", &event.id);
        break;
      case kKeySource:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "source");
        result = read_string(value, "source", &event.source);
        break;
      case kKeySeq:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "seq");
        result = read_seq(value, event);
        break;
      case kKeySession:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "session");
        result = read_string(value, "session", &event.session);
        break;
      case kKeyTask:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "task");
        result = read_string(value, "task", &event.task);
        break;
      case kKeyEnv:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "env");
        result = read_string(value, "env", &event.env);
        break;
      case kKeyApproval:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "approval");
        result = read_string(value, "approval", &event.approval);
        break;
      case kKeySrcIp:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "src_ip");
        result = read_string(value, "src_ip", &event.src_ip);
        break;
      case kKeyOutcome:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "outcome");
        result = read_string(value, "outcome", &text);
        if (result.reason == DecodeError::kNone && !text.empty() &&
            !parse_outcome(text, &event.outcome)) {
          return fail(DecodeError::kInvalidValue, "outcome");
        }
        break;
      case kKeyActor:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "actor");
        result = read_nested(value, kKeyActor, event);
        break;
      case kKeyCredential:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "credential");
        result = read_nested(value, kKeyCredential, event);
        break;
      case kKeyAction:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "action");
        result = read_nested(value, kKeyAction, event);
        break;
      case kKeyResource:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "resource");
        result = read_nested(value, kKeyResource, event);
        break;
      case kKeyAttrs:
        if (seen & key) return fail(DecodeError::kDuplicateKey, "attrs");
        result = read_attrs(value, event);
        break;
      case kKeyRegistryUpdate: {
        if (seen & key) return fail(DecodeError::kDuplicateKey, "registry_update");
        od::json_type type;
        if (auto error = value.type().get(type)) return fail_simdjson(error, "registry_update");
        if (type != od::json_type::object) return fail(DecodeError::kWrongType, "registry_update");
        result = skip_unknown(value, 1, "registry_update");
        *is_control = true;
        break;
      }
      default:
        break;
    }
    if (result.reason != DecodeError::kNone) return result;
    seen |= key;
  }
  // On-Demand does not look past the root object by itself: anything after it is not one record.
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return fail(DecodeError::kNotJson, "");
  }
  if (*is_control) return kFine;
  if (!has_ts) return fail(DecodeError::kMissingField, "ts");
  if (event.source.empty()) return fail(DecodeError::kMissingField, "source");
  if (event.actor_id.empty()) return fail(DecodeError::kMissingField, "actor.id");
  if (event.tool.empty() && event.verb.empty()) {
    return fail(DecodeError::kMissingField, "action.tool");
  }
  return kFine;
}

}  // namespace

struct NativeDecoder::Impl {
  DecoderOptions options;
  od::parser parser;

  // Decodes into a freshly value-initialised event.
  DecodeError decode_into(const RecordRef& record, Event& event, StringArena& arena,
                          std::string_view* field, bool* is_control) {
    *is_control = false;
    event.raw = record.bytes;
    event.position = record.position;
    if (record.record_bytes > options.max_record_bytes ||
        record.bytes.size() > options.max_record_bytes) {
      return DecodeError::kTooLarge;
    }
    od::document doc;
    auto error =
        parser
            .iterate(record.bytes.data(), record.bytes.size(), record.bytes.size() + kRecordPadding)
            .get(doc);
    if (error) return classify(error, record.bytes);
    RecordDecoder decoder(options, record.bytes, arena);
    FieldError result = decoder.decode(doc, event, is_control);
    *field = result.field;
    return result.reason;
  }
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
                                      std::string_view* field, bool* is_control) {
  *field = {};
  event = Event{};
  bool control = false;
  DecodeError reason = impl_->decode_into(record, event, arena, field, &control);
  if (is_control != nullptr) *is_control = control;
  return reason;
}

void NativeDecoder::decode(std::span<const RecordRef> records, EventBatch& batch) {
  for (const RecordRef& record : records) {
    Event& event = batch.events.emplace_back();
    std::string_view field;
    bool is_control = false;
    DecodeError reason = impl_->decode_into(record, event, batch.arena, &field, &is_control);
    if (reason != DecodeError::kNone) {
      batch.events.pop_back();
      batch.dead_letters.push_back(
          DeadLetter{reason, field, record.bytes, record.record_bytes, record.position, {}});
    } else if (is_control) {
      batch.events.pop_back();
      batch.controls.push_back(ControlRecord{record.bytes, record.position, batch.events.size()});
    }
  }
}

}  // namespace aw::ingest
