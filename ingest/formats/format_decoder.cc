#include "ingest/formats/format_decoder.h"

#include <cstring>

#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The fallback actor of formats whose records name none (FORMATS.md: the wrapper or the mapping
// must supply it); a stable name, so an unmapped source shows up as one unregistered actor.
std::string_view fallback_actor(Format format) {
  switch (format) {
    case Format::kClaudeHook:
      return "claude-code";
    case Format::kMcp:
      return "mcp-client";
    case Format::kPgaudit:
      return "postgres";
    default:
      return {};
  }
}

// Performance note: most pieces are a few bytes (ids, separators, names); a memcpy call for each
// cost more than the copy, so up to 16 bytes are copied with two overlapping loads.
char* write_raw(char* out, std::string_view text) {
  const char* in = text.data();
  size_t n = text.size();
  if (n >= 8 && n <= 16) {
    uint64_t head, tail;
    std::memcpy(&head, in, sizeof(head));
    std::memcpy(&tail, in + n - 8, sizeof(tail));
    std::memcpy(out, &head, sizeof(head));
    std::memcpy(out + n - 8, &tail, sizeof(tail));
  } else if (n >= 4 && n < 8) {
    uint32_t head, tail;
    std::memcpy(&head, in, sizeof(head));
    std::memcpy(&tail, in + n - 4, sizeof(tail));
    std::memcpy(out, &head, sizeof(head));
    std::memcpy(out + n - 4, &tail, sizeof(tail));
  } else if (n < 4) {
    for (size_t k = 0; k < n; ++k) out[k] = in[k];  // an empty view may have no data at all
  } else {
    std::memcpy(out, in, n);
  }
  return out + n;
}

// True for the bytes JSON strings must escape.
bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// The length of the run of bytes from `i` that need no escape, eight bytes at a time.
size_t plain_run(std::string_view text, size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  size_t start = i;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof(word));
    uint64_t quotes = word ^ (kOnes * '"');
    uint64_t slashes = word ^ (kOnes * '\\');
    // Bytes below 0x20 (control characters); bytes of 0x80 and up never match.
    uint64_t found = ((quotes - kOnes) & ~quotes) | ((slashes - kOnes) & ~slashes) |
                     ((word - kOnes * 0x20) & ~word);
    if ((found & kHighs) != 0) break;
  }
  while (i < text.size() && !needs_escape(text[i])) ++i;
  return i - start;
}

// Writes `text` JSON-escaped at `out`; returns the end. `out` has room for 6 bytes per byte.
// Performance note: runs of plain bytes are copied whole; most values have no escapes at all.
char* write_escaped(char* out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < text.size()) {
    size_t run = i + plain_run(text, i);
    out = write_raw(out, text.substr(i, run - i));
    if (run == text.size()) break;
    char c = text[run];
    unsigned char u = static_cast<unsigned char>(c);
    *out++ = '\\';
    if (c == '"' || c == '\\') {
      *out++ = c;
    } else if (c == '\n') {
      *out++ = 'n';
    } else if (c == '\t') {
      *out++ = 't';
    } else if (c == '\r') {
      *out++ = 'r';
    } else {
      *out++ = 'u';
      *out++ = '0';
      *out++ = '0';
      *out++ = kHex[u >> 4];
      *out++ = kHex[u & 15];
    }
    i = run + 1;
  }
  return out;
}

}  // namespace

DecoderContext::DecoderContext(Format format, const DecoderOptions& options,
                               const SourceMapping* mapping, const FormatOptions& format_options)
    : format_(format), options_(options), mapping_(mapping), format_options_(format_options) {
  source_ = mapping_ != nullptr && !mapping_->source().empty() ? mapping_->source()
                                                               : format_source_name(format_);
}

Status DecoderContext::init() {
  if (options_.max_record_bytes == 0) {
    return Status::invalid_argument("decoder: max_record_bytes must be positive");
  }
  if (options_.max_depth < 2) return Status::invalid_argument("decoder: max_depth must be >= 2");
  if (auto error = parser_.allocate(options_.max_record_bytes)) {
    return Status::internal(std::string("decoder: cannot allocate parser: ") +
                            simdjson::error_message(error));
  }
  return Status();
}

FieldError DecoderContext::open(const Payload& payload, od::document* doc) {
  if (payload.record_bytes > options_.max_record_bytes ||
      payload.bytes.size() > options_.max_record_bytes) {
    return {DecodeError::kTooLarge, ""};
  }
  auto error = parser_
                   .iterate(payload.bytes.data(), payload.bytes.size(),
                            payload.bytes.size() + kRecordPadding)
                   .get(*doc);
  if (error) return {classify_simdjson(error, payload.bytes), ""};
  return {};
}

bool DecoderContext::default_time(const Payload& payload, int64_t* ts_us) const {
  if (payload.default_ts_us != kNoDefaultTime) {
    *ts_us = payload.default_ts_us;
    return true;
  }
  if (format_options_.assume_ts_us != kNoDefaultTime) {
    *ts_us = format_options_.assume_ts_us;
    return true;
  }
  return false;
}

FieldError DecoderContext::finish(Event& event, const Payload& payload, bool has_ts,
                                  std::string_view identity, EnvKey env_table,
                                  std::string_view env_key) {
  event.source = source_;
  event.raw = payload.bytes;
  event.position = payload.position;
  if (!has_ts && !default_time(payload, &event.ts_us)) {
    return {DecodeError::kMissingField, "ts"};
  }
  if (mapping_ != nullptr) {
    if (const MappedActor* actor = mapping_->actor_for(identity, event.credential_id)) {
      event.actor_id = actor->id;
      if (actor->type != ActorType::kUnknown) event.actor_type = actor->type;
    }
    event.credential_id = mapping_->credential_for(event.credential_id);
    if (event.env.empty()) event.env = mapping_->env_for(env_table, env_key);
    if (event.env.empty()) event.env = mapping_->default_env();
    if (event.actor_id.empty()) event.actor_id = mapping_->default_actor();
    ActionClass action_class;
    if (mapping_->class_for(event.tool, &action_class)) event.action_class = action_class;
  }
  if (event.actor_id.empty()) event.actor_id = fallback_actor(format_);
  if (event.actor_id.empty()) return {DecodeError::kMissingField, "actor.id"};
  if (event.tool.empty() && event.verb.empty()) return {DecodeError::kMissingField, "action"};
  return {};
}

void DecoderContext::dead_letter(EventBatch& batch, const Payload& payload,
                                 FieldError error) const {
  batch.dead_letters.push_back(DeadLetter{
      error.reason, error.field, payload.bytes, payload.record_bytes, payload.position, {}});
}

void DecoderContext::add_control(EventBatch& batch, std::string_view op, std::string_view kind,
                                 std::string_view id, int64_t at_us,
                                 const SourcePosition& position) const {
  constexpr std::string_view kHead = R"({"registry_update":{"op":")";
  char* start = batch.arena.allocate(kHead.size() + op.size() + kind.size() + 6 * id.size() +
                                     kRfc3339Length + 64);
  char* out = write_raw(start, kHead);
  out = write_raw(out, op);
  out = write_raw(out, R"(","kind":")");
  out = write_raw(out, kind);
  out = write_raw(out, R"(","id":")");
  out = write_escaped(out, id);
  out = write_raw(out, R"(","at":")");
  out += format_rfc3339(at_us, out);
  out = write_raw(out, R"("}})");
  batch.controls.push_back(ControlRecord{std::string_view(start, static_cast<size_t>(out - start)),
                                         position, batch.events.size()});
}

std::string_view DecoderContext::concat(StringArena& arena,
                                        std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  char* start = arena.allocate(size);
  char* out = start;
  for (std::string_view part : parts) out = write_raw(out, part);
  return std::string_view(start, size);
}

std::string_view DecoderContext::attrs(
    StringArena& arena,
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  size_t size = 2;
  bool any = false;
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    any = true;
    size += key.size() + 6 * value.size() + 6;
  }
  if (!any) return {};
  char* start = arena.allocate(size);
  char* out = start;
  *out++ = '{';
  bool first = true;
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    if (!first) *out++ = ',';
    first = false;
    *out++ = '"';
    out = write_raw(out, key);
    out = write_raw(out, "\":\"");
    out = write_escaped(out, value);
    *out++ = '"';
  }
  *out++ = '}';
  return std::string_view(start, static_cast<size_t>(out - start));
}

Status PayloadSplitter::init(size_t max_record_bytes) {
  if (auto error = parser_.allocate(max_record_bytes)) {
    return Status::internal(std::string("decoder: cannot allocate parser: ") +
                            simdjson::error_message(error));
  }
  return Status();
}

PayloadSplitter::Shape PayloadSplitter::shape_of(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && is_json_space(bytes[i])) ++i;
  if (i == bytes.size()) return Shape::kSingle;
  if (bytes[i] == '[') return Shape::kArray;
  if (bytes[i] != '{') return Shape::kSingle;
  ++i;
  while (i < bytes.size() && is_json_space(bytes[i])) ++i;
  constexpr std::string_view kRecords = "\"Records\"";
  if (bytes.substr(i, kRecords.size()) == kRecords) return Shape::kRecords;
  return Shape::kSingle;
}

bool PayloadSplitter::collect(const RecordRef& record, Shape shape, FieldError* error) {
  elements_.clear();
  std::string_view bytes = record.bytes;
  od::document doc;
  auto fail = [&](simdjson::error_code code, std::string_view field) {
    *error = FieldError{classify_simdjson(code, bytes), field};
    return false;
  };
  if (auto e =
          parser_.iterate(bytes.data(), bytes.size(), bytes.size() + kRecordPadding).get(doc)) {
    return fail(e, "");
  }
  od::array array;
  if (shape == Shape::kRecords) {
    od::object root;
    if (auto e = doc.get_object().get(root)) return fail(e, "");
    bool found = false;
    for (auto field : root) {
      if (auto e = field.error()) return fail(e, "");
      std::string_view key;
      if (auto e = field.value_unsafe().unescaped_key().get(key)) return fail(e, "");
      if (key != "Records") continue;  // CloudTrail files hold nothing else; ignore extras
      if (found) {
        *error = FieldError{DecodeError::kDuplicateKey, "Records"};
        return false;
      }
      found = true;
      if (auto e = field.value_unsafe().value().get_array().get(array)) return fail(e, "Records");
      for (auto element : array) {
        if (auto e = element.error()) return fail(e, "Records");
        od::value value = element.value_unsafe();
        od::json_type type;
        if (auto e = value.type().get(type)) return fail(e, "Records");
        Element out;
        if (type == od::json_type::object) {
          od::object object;
          if (auto e = value.get_object().get(object)) return fail(e, "Records");
          if (auto e = object.raw_json().get(out.bytes)) return fail(e, "Records");
          out.is_object = true;
        } else {
          out.bytes = value.raw_json_token();
        }
        elements_.push_back(out);
      }
    }
    if (!found) {
      *error = FieldError{DecodeError::kMissingField, "Records"};
      return false;
    }
  } else {
    if (auto e = doc.get_array().get(array)) return fail(e, "");
    for (auto element : array) {
      if (auto e = element.error()) return fail(e, "");
      od::value value = element.value_unsafe();
      od::json_type type;
      if (auto e = value.type().get(type)) return fail(e, "");
      Element out;
      if (type == od::json_type::object) {
        od::object object;
        if (auto e = value.get_object().get(object)) return fail(e, "");
        if (auto e = object.raw_json().get(out.bytes)) return fail(e, "");
        out.is_object = true;
      } else {
        out.bytes = value.raw_json_token();
      }
      elements_.push_back(out);
    }
  }
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    *error = FieldError{DecodeError::kNotJson, ""};  // something after the document
    elements_.clear();
    return false;
  }
  return true;
}

}  // namespace aw::ingest::formats
