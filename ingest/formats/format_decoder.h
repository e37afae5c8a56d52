// Internal to ingest/formats: what every format decoder shares.
//
// - PayloadSplitter unwraps a record into payloads: a `{"Records":[...]}` document or a JSON
//   array yields each element (each keeps its own byte offset and line), anything else is one
//   payload.
// - DecoderContext holds the options, the mapping, the reused simdjson parser, and the steps
//   after a format's own mapping: time default, source, identity/credential/env/class mapping,
//   dead letters, registry-update controls.
// - JsonFormatDecoder<Derived> is the RecordDecoder of a JSON format: one virtual call per
//   batch, then Derived::decode_payload per payload without virtual dispatch.
//
// Thread-safety: one decoder per thread.
#pragma once

#include <initializer_list>
#include <string_view>

#include "ingest/format.h"
#include "ingest/formats/json_reader.h"
#include "ingest/formats/source_mapping.h"

namespace aw::ingest::formats {

struct Payload {
  std::string_view bytes;  // one JSON value (or text line); kRecordPadding readable bytes after
  uint64_t record_bytes = 0;
  SourcePosition position;
  int64_t default_ts_us = kNoDefaultTime;
};

class DecoderContext {
 public:
  DecoderContext(Format format, const DecoderOptions& options, const SourceMapping* mapping,
                 const FormatOptions& format_options);
  // Sizes the parser once for the largest record, so it never grows mid-stream.
  Status init();

  od::parser& parser() { return parser_; }
  const DecoderOptions& options() const { return options_; }
  const FormatOptions& format_options() const { return format_options_; }
  const SourceMapping* mapping() const { return mapping_; }
  Format format() const { return format_; }

  // Starts a payload's document: size, depth and stage-1 checks. On success `doc` is ready.
  FieldError open(const Payload& payload, od::document* doc);

  // The event's time when the record has none: the payload's default, else the assumed time.
  // False when there is neither.
  bool default_time(const Payload& payload, int64_t* ts_us) const;

  // The steps after a format's own mapping: source, time default (missing_field "ts" when there
  // is no time at all), mapped actor (by `identity`, the identity as the format spells it, and
  // the credential), credential renaming, env from `env_table[env_key]` then env.default (an env
  // the record names itself wins), and the class override by tool glob.
  FieldError finish(Event& event, const Payload& payload, bool has_ts, std::string_view identity,
                    EnvKey env_table, std::string_view env_key);

  // Appends a dead letter for `payload`.
  void dead_letter(EventBatch& batch, const Payload& payload, FieldError error) const;

  // Appends a registry update `{"registry_update":{"op","kind","id","at"}}` after the batch's
  // current events (so it applies after the event that recorded it).
  void add_control(EventBatch& batch, std::string_view op, std::string_view kind,
                   std::string_view id, int64_t at_us, const SourcePosition& position) const;

  // A string made of `parts`, in the batch arena.
  static std::string_view concat(StringArena& arena, std::initializer_list<std::string_view> parts);
  // `{"key":"value",...}` for attrs, values JSON-escaped, in the arena; empty values are left
  // out, and an all-empty list gives an empty view.
  static std::string_view attrs(
      StringArena& arena,
      std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

 private:
  Format format_;
  DecoderOptions options_;
  const SourceMapping* mapping_;
  FormatOptions format_options_;
  std::string_view source_;
  od::parser parser_;
};

class PayloadSplitter {
 public:
  Status init(size_t max_record_bytes);

  // Calls on_payload(payload) for each payload of `record`; wrapper failures (a Records document
  // that is not JSON, an element that is not an object) become dead letters in `batch`.
  template <typename Fn>
  void split(const RecordRef& record, int64_t default_ts_us, size_t max_record_bytes,
             EventBatch& batch, Fn&& on_payload);

 private:
  enum class Shape { kSingle, kArray, kRecords };
  static Shape shape_of(std::string_view bytes);
  // Collects the element spans of a wrapper into elements_; false with `error` on failure.
  bool collect(const RecordRef& record, Shape shape, FieldError* error);

  struct Element {
    std::string_view bytes;
    bool is_object = false;
  };
  od::parser parser_;
  std::vector<Element> elements_;
};

template <typename Fn>
void PayloadSplitter::split(const RecordRef& record, int64_t default_ts_us, size_t max_record_bytes,
                            EventBatch& batch, Fn&& on_payload) {
  Payload whole{record.bytes, record.record_bytes, record.position, default_ts_us};
  Shape shape = shape_of(record.bytes);
  if (shape == Shape::kSingle || record.record_bytes > max_record_bytes ||
      record.bytes.size() > max_record_bytes) {
    on_payload(whole);  // the format decoder reports an oversized record itself
    return;
  }
  FieldError error;
  if (!collect(record, shape, &error)) {
    batch.dead_letters.push_back(DeadLetter{
        error.reason, error.field, record.bytes, record.record_bytes, record.position, {}});
    return;
  }
  // Each element keeps its own position: byte offset and line within the document.
  const char* counted = record.bytes.data();
  uint64_t line = record.position.line;
  for (const Element& element : elements_) {
    for (const char* p = counted; p < element.bytes.data(); ++p) line += *p == '\n';
    counted = element.bytes.data();
    SourcePosition position = record.position;
    position.line = line;
    if (record.position.partition < 0) {
      position.offset = record.position.offset +
                        static_cast<uint64_t>(element.bytes.data() - record.bytes.data());
    }
    Payload payload{element.bytes, element.bytes.size(), position, default_ts_us};
    if (!element.is_object) {
      batch.dead_letters.push_back(DeadLetter{
          DecodeError::kWrongType, "", element.bytes, element.bytes.size(), position, {}});
      continue;
    }
    on_payload(payload);
  }
}

template <typename Derived>
class JsonFormatDecoder : public RecordDecoder {
 public:
  JsonFormatDecoder(Format format, const DecoderOptions& options, const SourceMapping* mapping,
                    const FormatOptions& format_options)
      : ctx_(format, options, mapping, format_options) {}

  Status init() {
    AW_RETURN_IF_ERROR(ctx_.init());
    return splitter_.init(ctx_.options().max_record_bytes);
  }
  Format format() const override { return ctx_.format(); }
  void flush(EventBatch& batch) override { static_cast<Derived*>(this)->flush_joins(batch); }

 protected:
  void decode_batch(std::span<const RecordRef> records, std::span<const int64_t> default_ts_us,
                    EventBatch& batch) override {
    Derived& self = *static_cast<Derived*>(this);
    for (size_t i = 0; i < records.size(); ++i) {
      int64_t ts = i < default_ts_us.size() ? default_ts_us[i] : kNoDefaultTime;
      splitter_.split(records[i], ts, ctx_.options().max_record_bytes, batch,
                      [&](const Payload& payload) { self.decode_payload(payload, batch); });
    }
  }
  // Formats without joins have nothing to flush.
  void flush_joins(EventBatch&) {}

  DecoderContext ctx_;
  PayloadSplitter splitter_;
};

}  // namespace aw::ingest::formats
