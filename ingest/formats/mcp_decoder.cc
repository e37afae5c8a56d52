// MCP JSON-RPC (FORMATS.md 4b): a tools/call request becomes an event when its result (or
// error) arrives, paired by (session, id): `error` or `result.isError` is a failure, else a
// success. Requests still unanswered when max_pending newer ones are held, or at flush(), are
// emitted unjoined (outcome unknown). Other methods, notifications and unpaired responses are
// not actions and are skipped. A JSON-RPC batch (an array) is split like any array.
//
// MCP messages carry no time, actor or credential: a wrapper may add `ts`, `session` (the
// Mcp-Session-Id), `actor_id` and `credential_id` (a token hash) at the top level; otherwise the
// time is the record's default and the actor the mapping's.
#include <string>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/formats/pending_records.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

struct Message {
  std::string_view method, id, session, tool, arguments, uri, actor_id, credential_id;
  bool has_result = false;
  bool has_error = false;
  bool is_error = false;
  bool has_ts = false;
  int64_t ts_us = 0;
};

class McpDecoder final : public JsonFormatDecoder<McpDecoder> {
 public:
  McpDecoder(const DecoderOptions& options, const SourceMapping* mapping,
             const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kMcp, options, mapping, format_options),
        pending_(format_options.max_pending) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    Message message;
    FieldError error = parse(payload, batch.arena, message);
    if (!error.ok()) {
      ctx_.dead_letter(batch, payload, error);
      return;
    }
    if (message.method == "tools/call") {
      if (message.id.empty()) {
        emit(payload, message, Outcome::kUnset, false, batch);  // a call nobody answers
        return;
      }
      pending_.hold(join_key(message), payload, [&](const PendingRecord& oldest) {
        emit_held(oldest, Outcome::kUnset, /*unjoined=*/true, batch);
      });
      return;
    }
    if (!message.method.empty() || message.id.empty()) return;  // not a call or its answer
    Outcome outcome = message.has_error || message.is_error ? Outcome::kFailure : Outcome::kSuccess;
    pending_.take(join_key(message), [&](const PendingRecord& request) {
      emit_held(request, outcome, /*unjoined=*/false, batch);
    });
  }

  void flush_joins(EventBatch& batch) {
    pending_.drain([&](const PendingRecord& request) {
      emit_held(request, Outcome::kUnset, /*unjoined=*/true, batch);
    });
  }

 private:
  std::string_view join_key(const Message& message) {
    key_.assign(message.session.data(), message.session.size());
    key_.push_back('\x1f');
    key_.append(message.id.data(), message.id.size());
    return key_;
  }
  FieldError parse(const Payload& payload, StringArena& arena, Message& message);
  void emit_held(const PendingRecord& request, Outcome outcome, bool unjoined, EventBatch& batch) {
    Payload payload = request.payload_in(batch.arena);
    Message message;
    if (!parse(payload, batch.arena, message).ok()) return;  // it parsed when it was held
    emit(payload, message, outcome, unjoined, batch);
  }
  void emit(const Payload& payload, const Message& message, Outcome outcome, bool unjoined,
            EventBatch& batch);

  PendingRecords pending_;
  std::string key_;
};

FieldError McpDecoder::parse(const Payload& payload, StringArena& arena, Message& message) {
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  uint64_t seen = 0;
  bool jsonrpc = false;
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    FieldError e;
    if (key == "jsonrpc") {
      jsonrpc = true;
      return e;
    }
    if (key == "method") {
      if (e = mark_seen(&seen, 0, "method"); !e.ok()) return e;
      return reader.string(value, "method", &message.method);
    }
    if (key == "id") {
      if (e = mark_seen(&seen, 1, "id"); !e.ok()) return e;
      return reader.text(value, "id", &message.id);
    }
    if (key == "session") return reader.text(value, "session", &message.session);
    if (key == "actor_id") return reader.string(value, "actor_id", &message.actor_id);
    if (key == "credential_id")
      return reader.string(value, "credential_id", &message.credential_id);
    if (key == "ts") {
      std::string_view text;
      if (e = reader.string(value, "ts", &text); !e.ok()) return e;
      if (text.empty()) return e;
      if (!parse_rfc3339(text, &message.ts_us))
        return reader.fail(DecodeError::kBadTimestamp, "ts");
      message.has_ts = true;
      return e;
    }
    if (key == "error") {
      od::json_type type;
      if (auto t = value.type().get(type)) return reader.fail_simdjson(t, "error");
      message.has_error = type != od::json_type::null;
      return kUnread;
    }
    if (key == "result") {
      message.has_result = true;
      od::object result;
      bool present;
      if (e = reader.object(value, "result", &result, &present); !e.ok() || !present) return e;
      return for_each_field(reader, result, "result", [&](std::string_view k, od::value& v) {
        if (k == "isError") return reader.boolean(v, "result.isError", &message.is_error);
        return kUnread;
      });
    }
    if (key == "params") {
      od::object params;
      bool present;
      od::json_type type;
      if (auto t = value.type().get(type)) return reader.fail_simdjson(t, "params");
      if (type == od::json_type::array) return kUnread;  // positional params name no tool
      if (e = reader.object(value, "params", &params, &present); !e.ok() || !present) return e;
      return for_each_field(reader, params, "params", [&](std::string_view k, od::value& v) {
        if (k == "name") return reader.string(v, "params.name", &message.tool);
        if (k == "uri") return reader.string(v, "params.uri", &message.uri);
        if (k == "arguments") return reader.raw(v, "params.arguments", &message.arguments);
        return kUnread;
      });
    }
    return kUnread;
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");
  }
  if (!jsonrpc) return reader.fail(DecodeError::kMissingField, "jsonrpc");
  return {};
}

void McpDecoder::emit(const Payload& payload, const Message& message, Outcome outcome,
                      bool unjoined, EventBatch& batch) {
  Event& event = batch.events.emplace_back();
  event.id = message.session.empty()
                 ? message.id
                 : DecoderContext::concat(batch.arena, {message.session, "/", message.id});
  if (message.has_ts) event.ts_us = message.ts_us;
  event.actor_id = message.actor_id;
  event.actor_type = ActorType::kAgent;
  event.credential_id = message.credential_id;
  event.session = message.session;
  event.tool = message.tool;
  event.verb = message.method;
  event.resource_name = !message.uri.empty() ? message.uri : message.arguments;
  event.outcome = outcome;
  event.attrs_json = DecoderContext::attrs(
      batch.arena, {{"join", unjoined ? "unjoined" : ""}, {"arguments", message.arguments}});
  FieldError error =
      ctx_.finish(event, payload, message.has_ts, message.actor_id, EnvKey::kNamespace, "");
  if (error.ok() && message.tool.empty()) error = {DecodeError::kMissingField, "params.name"};
  if (!error.ok()) {
    batch.events.pop_back();
    ctx_.dead_letter(batch, payload, error);
  }
}

}  // namespace

DecoderResult make_mcp_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                               const FormatOptions& format_options) {
  return make_initialised<McpDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
