// Format names, detection from the first record, and make_decoder (ingest/format.h).
#include <simdjson.h>

#include <array>

#include "ingest/format.h"
#include "ingest/formats/decoders.h"
#include "ingest/formats/source_mapping.h"

namespace aw::ingest {

namespace {

namespace od = simdjson::ondemand;

struct FormatNames {
  Format format;
  std::string_view name;
  std::string_view source;
};

constexpr std::array<FormatNames, 10> kFormats = {{
    {Format::kAuto, "auto", ""},
    {Format::kNative, "native", ""},
    {Format::kCloudTrail, "cloudtrail", "aws.cloudtrail"},
    {Format::kK8sAudit, "k8s-audit", "k8s.audit"},
    {Format::kOtelGenAi, "otel-genai", "otel.genai"},
    {Format::kClaudeHook, "claude-hooks", "claude_code.hook"},
    {Format::kMcp, "mcp", "mcp.jsonrpc"},
    {Format::kGithubAudit, "github-audit", "github.audit"},
    {Format::kVaultAudit, "vault-audit", "vault.audit"},
    {Format::kPgaudit, "pgaudit", "postgres.pgaudit"},
}};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Top-level keys of an object that tell formats apart.
struct Keys {
  bool records = false, audit_id = false, resource_spans = false, hook_event = false,
       jsonrpc = false, event_source = false, event_name = false, document_id = false,
       action = false, at_timestamp = false, created_at = false, type = false, request = false,
       time = false, ts = false, registry_update = false;
};

void note_key(std::string_view key, Keys* keys) {
  keys->records |= key == "Records";
  keys->audit_id |= key == "auditID";
  keys->resource_spans |= key == "resourceSpans";
  keys->hook_event |= key == "hook_event_name";
  keys->jsonrpc |= key == "jsonrpc";
  keys->event_source |= key == "eventSource";
  keys->event_name |= key == "eventName";
  keys->document_id |= key == "_document_id";
  keys->action |= key == "action";
  keys->at_timestamp |= key == "@timestamp";
  keys->created_at |= key == "created_at";
  keys->type |= key == "type";
  keys->request |= key == "request";
  keys->time |= key == "time";
  keys->ts |= key == "ts";
  keys->registry_update |= key == "registry_update";
}

// Reads the top-level keys of `text` (or of its first element when it is an array).
bool read_keys(std::string_view text, Keys* keys) {
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  od::json_type type;
  if (doc.type().get(type)) return false;
  od::object object;
  if (type == od::json_type::array) {
    od::array array;
    if (doc.get_array().get(array)) return false;
    // An empty array has no first element: `object` would stay unset, and iterating an unset
    // object is undefined in simdjson.
    bool has_first = false;
    for (auto element : array) {
      if (element.error()) return false;
      if (element.value_unsafe().get_object().get(object)) return false;
      has_first = true;
      break;
    }
    if (!has_first) return false;
  } else if (doc.get_object().get(object)) {
    return false;
  }
  bool any = false;
  for (auto field : object) {
    if (field.error()) return any;
    std::string_view key;
    if (field.value_unsafe().unescaped_key().get(key)) return any;
    note_key(key, keys);
    any = true;
  }
  return any;
}

// The native decoder behind the common interface: one call per batch, nothing added.
class NativeFormatDecoder final : public RecordDecoder {
 public:
  explicit NativeFormatDecoder(NativeDecoder decoder) : decoder_(std::move(decoder)) {}
  void flush(EventBatch&) override {}
  Format format() const override { return Format::kNative; }

 protected:
  void decode_batch(std::span<const RecordRef> records, std::span<const int64_t>,
                    EventBatch& batch) override {
    decoder_.decode(records, batch);
  }

 private:
  NativeDecoder decoder_;
};

// Picks the format from the first non-empty record it sees, then hands everything to that
// format's decoder.
class AutoDecoder final : public RecordDecoder {
 public:
  AutoDecoder(const DecoderOptions& options, const SourceMapping* mapping,
              const FormatOptions& format_options)
      : options_(options), mapping_(mapping), format_options_(format_options) {}

  void flush(EventBatch& batch) override {
    if (inner_) inner_->flush(batch);
  }
  Format format() const override { return inner_ ? inner_->format() : Format::kAuto; }

 protected:
  void decode_batch(std::span<const RecordRef> records, std::span<const int64_t> default_ts_us,
                    EventBatch& batch) override {
    if (!inner_) {
      for (const RecordRef& record : records) {
        if (record.bytes.empty()) continue;
        auto made = make_decoder(detect_format(record.bytes), options_, mapping_, format_options_);
        // The options were validated when this decoder was made: only memory can fail here.
        if (!made.ok()) made = formats::make_native_decoder(options_);
        if (made.ok()) inner_ = std::move(made.value());
        break;
      }
      if (!inner_) return;
    }
    inner_->decode(records, default_ts_us, batch);
  }

 private:
  DecoderOptions options_;
  const SourceMapping* mapping_;
  FormatOptions format_options_;
  std::unique_ptr<RecordDecoder> inner_;
};

}  // namespace

RecordDecoder::~RecordDecoder() = default;

std::string_view format_name(Format format) { return kFormats[static_cast<size_t>(format)].name; }

std::string_view format_source_name(Format format) {
  return kFormats[static_cast<size_t>(format)].source;
}

Result<Format> parse_format(std::string_view text) {
  for (const FormatNames& f : kFormats) {
    if (f.name == text) return f.format;
  }
  std::string known;
  for (const FormatNames& f : kFormats) known += (known.empty() ? "" : ", ") + std::string(f.name);
  return Status::invalid_argument("unknown format '" + std::string(text) +
                                  "' (supported: " + known + ")");
}

Format detect_format(std::string_view first_record) {
  size_t start = 0;
  while (start < first_record.size() && is_space(first_record[start])) ++start;
  std::string_view text = first_record.substr(start);
  if (text.empty()) return Format::kNative;
  if (text.front() != '{' && text.front() != '[') {
    return text.find("AUDIT: ") != std::string_view::npos ? Format::kPgaudit : Format::kNative;
  }
  Keys keys;
  if (!read_keys(text, &keys)) return Format::kNative;
  if (keys.registry_update || keys.ts) return Format::kNative;
  if (keys.records || (keys.event_source && keys.event_name)) return Format::kCloudTrail;
  if (keys.audit_id) return Format::kK8sAudit;
  if (keys.resource_spans) return Format::kOtelGenAi;
  if (keys.hook_event) return Format::kClaudeHook;
  if (keys.jsonrpc) return Format::kMcp;
  if (keys.document_id || (keys.action && (keys.at_timestamp || keys.created_at))) {
    return Format::kGithubAudit;
  }
  if (keys.type && keys.request && keys.time) return Format::kVaultAudit;
  return Format::kNative;
}

Result<std::unique_ptr<RecordDecoder>> make_decoder(Format format, const DecoderOptions& options,
                                                    const SourceMapping* mapping,
                                                    const FormatOptions& format_options) {
  if (format == Format::kAuto && mapping != nullptr && mapping->format()) {
    format = *mapping->format();
  }
  if (format_options.max_pending == 0 || format_options.max_remembered_spans == 0) {
    return Status::invalid_argument("decoder: join bounds must be positive");
  }
  switch (format) {
    case Format::kAuto: {
      // Validate the options now, so a bad option fails here and not at the first record.
      auto probe = formats::make_native_decoder(options);
      if (!probe.ok()) return probe.status();
      return std::unique_ptr<RecordDecoder>(
          std::make_unique<AutoDecoder>(options, mapping, format_options));
    }
    case Format::kNative:
      return formats::make_native_decoder(options);
    case Format::kCloudTrail:
      return formats::make_cloudtrail_decoder(options, mapping, format_options);
    case Format::kK8sAudit:
      return formats::make_k8s_audit_decoder(options, mapping, format_options);
    case Format::kOtelGenAi:
      return formats::make_otel_genai_decoder(options, mapping, format_options);
    case Format::kClaudeHook:
      return formats::make_claude_hook_decoder(options, mapping, format_options);
    case Format::kMcp:
      return formats::make_mcp_decoder(options, mapping, format_options);
    case Format::kGithubAudit:
      return formats::make_github_audit_decoder(options, mapping, format_options);
    case Format::kVaultAudit:
      return formats::make_vault_audit_decoder(options, mapping, format_options);
    case Format::kPgaudit:
      return formats::make_pgaudit_decoder(options, mapping, format_options);
  }
  return Status::internal("decoder: unknown format");
}

namespace formats {

DecoderResult make_native_decoder(const DecoderOptions& options) {
  auto native = NativeDecoder::make(options);
  if (!native.ok()) return native.status();
  return std::unique_ptr<RecordDecoder>(
      std::make_unique<NativeFormatDecoder>(std::move(native.value())));
}

}  // namespace formats

}  // namespace aw::ingest
