// NativeDecoder: the native JSON event format of DESIGN.md into normalized events, on simdjson
// On-Demand, one batch of records per call.
//
// Strict: a record becomes an event only when it is one well-formed JSON object within the size
// and depth limits, with valid UTF-8, every required field present (ts, source, actor.id, and
// action.tool or action.verb), every known field of the right type and enumeration, and no known
// field given twice. Anything else is appended to the batch's dead letters with its reason.
// JSON null counts as absent for optional fields. Unknown fields are counted and kept in the
// event's `raw` view as evidence. A record whose root holds "registry_update" is a control
// record (DESIGN.md, registry updates interleaved in a stream): it goes to the batch's controls,
// in arrival order, for the detect stage to apply.
//
// The decoder reuses one simdjson parser, sized once for the largest allowed record, so a warm
// decoder allocates nothing per record. String fields are views into the input; only strings
// with JSON escapes are unescaped into the batch's arena.
//
// Thread-safety: none; one decoder per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "ingest/event.h"
#include "ingest/line_reader.h"
#include "ingest/result.h"

namespace aw::ingest {

struct DecoderOptions {
  // Records longer than this are dead-lettered as too_large. Default: 1 MiB.
  size_t max_record_bytes = 1 << 20;
  // Deepest nesting accepted anywhere in a record, the record itself being depth 1.
  // Default: 64.
  uint32_t max_depth = 64;
};

class NativeDecoder {
 public:
  static Result<NativeDecoder> make(const DecoderOptions& options);
  NativeDecoder(NativeDecoder&&) noexcept;
  NativeDecoder& operator=(NativeDecoder&&) noexcept;
  ~NativeDecoder();

  // Decodes `records` (each with kRecordPadding readable bytes after it, as LineReader gives
  // them), appending events and dead letters to `batch`. Views in the new events point into the
  // records' bytes and the batch's arena.
  void decode(std::span<const RecordRef> records, EventBatch& batch);

  // Decodes one record into `event`; returns the reason it failed and, through `field`, the
  // field concerned; `is_control` (optional) tells a registry update from an event. For tests
  // and tools; decode() is the batch path.
  DecodeError decode_one(const RecordRef& record, Event& event, StringArena& arena,
                         std::string_view* field, bool* is_control = nullptr);

 private:
  struct Impl;
  explicit NativeDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aw::ingest
