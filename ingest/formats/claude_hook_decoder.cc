// Claude Code hook payloads (FORMATS.md 4a): PreToolUse, PostToolUse and PostToolUseFailure
// become events; the other hooks (Stop, Notification, prompts, sessions) and TodoWrite are not
// actions and are skipped. Pre and Post of one call share the tool_use_id, so the engine's
// (source, id) dedupe judges the call once. Bash commands are classified by what they do
// (ingest/formats/bash_command.h).
//
// Hook payloads carry no time, actor or credential: a wrapper may add `ts` (RFC 3339 or epoch
// ms), `actor_id` and `credential_id` at the top level; otherwise the time is the record's
// default (Kafka timestamp, --assume-time) and the actor the mapping's (`actor:`, or an
// `actors` identity glob over the payload's cwd).
#include "ingest/formats/bash_command.h"
#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

struct Record {
  std::string_view session, cwd, hook, permission_mode, prompt_id, tool_name, tool_use_id, agent_id,
      agent_type, actor_id, credential_id;
  std::string_view command, file_path, path, pattern, url;
  bool interrupted = false;
  bool is_error = false;
  bool has_ts = false;
};

ActionClass tool_class(std::string_view tool) {
  if (tool == "Read" || tool == "Glob" || tool == "Grep" || tool == "WebFetch" ||
      tool == "WebSearch" || tool == "LS" || tool == "NotebookRead") {
    return ActionClass::kRead;
  }
  if (tool == "Write" || tool == "Edit" || tool == "MultiEdit" || tool == "NotebookEdit") {
    return ActionClass::kWrite;
  }
  if (tool == "Task" || tool == "Agent") return ActionClass::kExec;
  return ActionClass::kUnset;  // mcp__<server>__<tool> and new tools: the registry decides
}

class ClaudeHookDecoder final : public JsonFormatDecoder<ClaudeHookDecoder> {
 public:
  ClaudeHookDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                    const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kClaudeHook, options, mapping, format_options) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    Event& event = batch.events.emplace_back();
    Record record;
    FieldError error = decode(payload, batch.arena, event, record);
    bool action = record.hook == "PreToolUse" || record.hook == "PostToolUse" ||
                  record.hook == "PostToolUseFailure";
    if (error.ok() && (!action || record.tool_name == "TodoWrite")) {
      batch.events.pop_back();  // not an action
      return;
    }
    if (error.ok()) error = map(payload, batch.arena, event, record);
    if (!error.ok()) {
      batch.events.pop_back();
      ctx_.dead_letter(batch, payload, error);
    }
  }

 private:
  FieldError decode(const Payload& payload, StringArena& arena, Event& event, Record& record);
  FieldError map(const Payload& payload, StringArena& arena, Event& event, const Record& record);
};

FieldError ClaudeHookDecoder::decode(const Payload& payload, StringArena& arena, Event& event,
                                     Record& record) {
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  uint64_t seen = 0;
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    FieldError e;
    if (key == "hook_event_name") {
      if (e = mark_seen(&seen, 0, "hook_event_name"); !e.ok()) return e;
      return reader.string(value, "hook_event_name", &record.hook);
    }
    if (key == "tool_name") {
      if (e = mark_seen(&seen, 1, "tool_name"); !e.ok()) return e;
      return reader.string(value, "tool_name", &record.tool_name);
    }
    if (key == "tool_use_id") {
      if (e = mark_seen(&seen, 2, "tool_use_id"); !e.ok()) return e;
      return reader.string(value, "tool_use_id", &record.tool_use_id);
    }
    if (key == "session_id") {
      if (e = mark_seen(&seen, 3, "session_id"); !e.ok()) return e;
      return reader.string(value, "session_id", &record.session);
    }
    if (key == "cwd") return reader.string(value, "cwd", &record.cwd);
    if (key == "permission_mode")
      return reader.string(value, "permission_mode", &record.permission_mode);
    if (key == "prompt_id") return reader.string(value, "prompt_id", &record.prompt_id);
    if (key == "agent_id") return reader.string(value, "agent_id", &record.agent_id);
    if (key == "agent_type") return reader.string(value, "agent_type", &record.agent_type);
    if (key == "actor_id") {
      if (e = mark_seen(&seen, 4, "actor_id"); !e.ok()) return e;
      return reader.string(value, "actor_id", &record.actor_id);
    }
    if (key == "credential_id") {
      if (e = mark_seen(&seen, 5, "credential_id"); !e.ok()) return e;
      return reader.string(value, "credential_id", &record.credential_id);
    }
    if (key == "ts") {
      if (e = mark_seen(&seen, 6, "ts"); !e.ok()) return e;
      od::json_type type;
      if (auto t = value.type().get(type)) return reader.fail_simdjson(t, "ts");
      if (type == od::json_type::number) {
        int64_t ms;
        bool present;
        if (e = reader.integer(value, "ts", &ms, &present); !e.ok()) {
          return reader.fail(DecodeError::kBadTimestamp, "ts");
        }
        if (!epoch_ms_to_us(ms, &event.ts_us)) return reader.fail(DecodeError::kBadTimestamp, "ts");
        record.has_ts = true;
        return e;
      }
      std::string_view text;
      if (e = reader.string(value, "ts", &text); !e.ok()) return e;
      if (text.empty()) return e;
      if (!parse_rfc3339(text, &event.ts_us)) return reader.fail(DecodeError::kBadTimestamp, "ts");
      record.has_ts = true;
      return e;
    }
    if (key == "tool_input") {
      if (e = mark_seen(&seen, 7, "tool_input"); !e.ok()) return e;
      od::object input;
      bool present;
      if (e = reader.object(value, "tool_input", &input, &present); !e.ok() || !present) return e;
      return for_each_field(reader, input, "tool_input", [&](std::string_view k, od::value& v) {
        std::string_view* target = k == "command"         ? &record.command
                                   : k == "file_path"     ? &record.file_path
                                   : k == "notebook_path" ? &record.file_path
                                   : k == "path"          ? &record.path
                                   : k == "pattern"       ? &record.pattern
                                   : k == "url"           ? &record.url
                                                          : nullptr;
        if (target == nullptr) return kUnread;
        od::json_type type;
        if (auto t = v.type().get(type)) return reader.fail_simdjson(t, "tool_input");
        if (type != od::json_type::string) return kUnread;
        return reader.string(v, "tool_input", target);
      });
    }
    if (key == "tool_response") {
      od::json_type type;
      if (auto t = value.type().get(type)) return reader.fail_simdjson(t, "tool_response");
      if (type != od::json_type::object) return kUnread;  // a plain string result
      od::object response;
      bool present;
      if (e = reader.object(value, "tool_response", &response, &present); !e.ok() || !present)
        return e;
      return for_each_field(
          reader, response, "tool_response", [&](std::string_view k, od::value& v) {
            od::json_type t;
            if (auto te = v.type().get(t)) return reader.fail_simdjson(te, "tool_response");
            if (t != od::json_type::boolean) return kUnread;
            if (k == "interrupted")
              return reader.boolean(v, "tool_response.interrupted", &record.interrupted);
            if (k == "is_error")
              return reader.boolean(v, "tool_response.is_error", &record.is_error);
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
  if (record.hook.empty()) return reader.fail(DecodeError::kMissingField, "hook_event_name");
  return {};
}

FieldError ClaudeHookDecoder::map(const Payload& payload, StringArena& arena, Event& event,
                                  const Record& record) {
  if (record.tool_name.empty()) return {DecodeError::kMissingField, "tool_name"};
  event.id = record.tool_use_id;
  event.actor_id = record.actor_id;
  event.actor_type = ActorType::kAgent;
  event.credential_id = record.credential_id;
  event.session = record.session;
  event.task = record.prompt_id;
  event.tool = record.tool_name;
  event.verb = record.tool_name;
  event.action_class = tool_class(record.tool_name);
  if (record.tool_name == "Bash" && !record.command.empty()) {
    CommandClass command = classify_shell_command(record.command);
    if (!command.verb.empty()) event.verb = command.verb;
    event.action_class = command.action_class;
  }
  event.resource_name = !record.file_path.empty() ? record.file_path
                        : !record.path.empty()    ? record.path
                        : !record.url.empty()     ? record.url
                        : !record.pattern.empty() ? record.pattern
                                                  : record.command;
  if (record.hook == "PostToolUseFailure" || record.is_error) {
    event.outcome = Outcome::kFailure;
  } else if (record.hook == "PostToolUse") {
    event.outcome = record.interrupted ? Outcome::kFailure : Outcome::kSuccess;
  }
  event.attrs_json = DecoderContext::attrs(arena, {{"hook", record.hook},
                                                   {"cwd", record.cwd},
                                                   {"permission_mode", record.permission_mode},
                                                   {"subagent_id", record.agent_id},
                                                   {"subagent_type", record.agent_type}});
  // The identity a mapping sees: the wrapper's actor, else the working directory.
  std::string_view identity = !record.actor_id.empty() ? record.actor_id : record.cwd;
  return ctx_.finish(event, payload, record.has_ts, identity, EnvKey::kNamespace, "");
}

}  // namespace

DecoderResult make_claude_hook_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                       const FormatOptions& format_options) {
  return make_initialised<ClaudeHookDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
