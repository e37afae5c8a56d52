// Input formats and the one decoder interface every format implements: the native event of
// DESIGN.md and the real audit logs of ../shared/FORMATS.md (CloudTrail, Kubernetes audit,
// OpenTelemetry GenAI spans in OTLP/JSON, Claude Code hook payloads, MCP JSON-RPC, GitHub audit
// log, Vault audit device, pgaudit), each mapped to the normalized event of ingest/event.h.
//
// A decoder takes a batch of records per call. A record is one line of a file, one Kafka message,
// or one whole document (a CloudTrail `{"Records":[...]}` file, a JSON array of payloads); the
// JSON decoders unwrap both wrappers themselves, so a record may yield many events. Bad input
// becomes a dead letter with a reason and the field concerned, never an exception or a crash.
//
// Time: a record without a time of its own (hook payloads, MCP messages, pgaudit lines without a
// log prefix) takes, in this order, its per-record default time (the `default_ts_us` span of
// decode(): a Kafka consumer passes each message's timestamp), FormatOptions::assume_ts_us
// (replay's --assume-time), and otherwise is dead-lettered as missing_field "ts". Never the wall
// clock.
//
// Joins: the Vault, MCP and OpenTelemetry decoders keep bounded state across batches (requests
// waiting for their responses, spans waiting for their invoke_agent ancestor; at most
// FormatOptions::max_pending held, max_remembered_spans ancestors remembered). When a bound is
// exceeded the oldest waiting record is emitted unjoined, with `"join":"unjoined"` in its attrs
// (an OpenTelemetry span whose trace's root has arrived takes the trace's only agent instead,
// `"join":"trace"`); flush() emits everything still waiting (call it at the end of the input
// and before shutdown). Nothing grows past these bounds.
//
// Control-plane events that the log itself records (CloudTrail DeleteAccessKey and
// UpdateAccessKey to Inactive, Kubernetes deletion of a service account or its token secret,
// Vault token and lease revocation, GitHub token revocation) also become registry updates in the
// batch's controls, right after their own event, in the native `registry_update` form.
//
// Thread-safety: a decoder belongs to one thread; make one per worker.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string_view>

#include "ingest/event.h"
#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "ingest/result.h"

namespace aw::ingest {

enum class Format : uint8_t {
  kAuto = 0,  // detect from the first record (make_decoder only)
  kNative,
  kCloudTrail,
  kK8sAudit,
  kOtelGenAi,
  kClaudeHook,
  kMcp,
  kGithubAudit,
  kVaultAudit,
  kPgaudit,
};

// The --format spelling: auto, native, cloudtrail, k8s-audit, otel-genai, claude-hooks, mcp,
// github-audit, vault-audit, pgaudit.
std::string_view format_name(Format format);
// The default `source` of the events of a format (FORMATS.md's source_format: aws.cloudtrail,
// k8s.audit, otel.genai, claude_code.hook, mcp.jsonrpc, github.audit, vault.audit,
// postgres.pgaudit; the native format names its own source in every record).
std::string_view format_source_name(Format format);
Result<Format> parse_format(std::string_view text);

// Which format `first_record` (a line, a Kafka message or the start of a file) is in, from its
// shape: a Records wrapper, an `auditID`, `resourceSpans`, `hook_event_name`, `jsonrpc`, an
// `action` with `@timestamp`/`_document_id`, a Vault `type`+`request`, an `AUDIT:` line. Looks
// only at the first record of an array. Anything else is kNative (its decoder then says what is
// wrong with the record).
Format detect_format(std::string_view first_record);

// No per-record default time (an entry of decode()'s `default_ts_us`) / no assumed time.
inline constexpr int64_t kNoDefaultTime = std::numeric_limits<int64_t>::min();

struct FormatOptions {
  // Time of records that carry none and have no per-record default (replay --assume-time).
  // Default: none, so such records are dead-lettered as missing_field "ts".
  int64_t assume_ts_us = kNoDefaultTime;
  // Records held for a join (a request waiting for its response, a span waiting for its
  // ancestor). Past this the oldest is emitted unjoined. Default: 4096.
  size_t max_pending = 4096;
  // Ancestor spans remembered for OpenTelemetry joins across records (trace, span -> agent or
  // parent). Past this the oldest are forgotten. Default: 65536.
  size_t max_remembered_spans = 65536;
};

class SourceMapping;

class RecordDecoder {
 public:
  virtual ~RecordDecoder();

  // Decodes `records` (each followed by kRecordPadding readable bytes, as LineReader gives them)
  // into `batch`: events, dead letters and controls. Views point into the records' bytes and
  // the batch's arena. Records are whole: a line, a Kafka message, or a whole document.
  void decode(std::span<const RecordRef> records, EventBatch& batch) {
    decode_batch(records, {}, batch);
  }
  // The same, with each record's default time (µs; kNoDefaultTime for none): empty, or exactly
  // one entry per record.
  void decode(std::span<const RecordRef> records, std::span<const int64_t> default_ts_us,
              EventBatch& batch) {
    decode_batch(records, default_ts_us, batch);
  }
  // Emits every record still held for a join, unjoined.
  virtual void flush(EventBatch& batch) = 0;
  // The format decoded; for kAuto, kAuto until the first record decided it.
  virtual Format format() const = 0;

 protected:
  virtual void decode_batch(std::span<const RecordRef> records,
                            std::span<const int64_t> default_ts_us, EventBatch& batch) = 0;
};

// A decoder for `format`. `mapping` (may be null) must outlive the decoder. The native format
// ignores the mapping and the time options: its records carry all of it.
Result<std::unique_ptr<RecordDecoder>> make_decoder(Format format, const DecoderOptions& options,
                                                    const SourceMapping* mapping,
                                                    const FormatOptions& format_options = {});

}  // namespace aw::ingest
