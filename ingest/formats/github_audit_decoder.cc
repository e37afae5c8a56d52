// GitHub audit log and enterprise audit-log streaming (FORMATS.md section 5). Field names vary
// by channel (repo or repository; @timestamp or created_at, epoch ms or RFC 3339): both are read.
// Token revocations (personal_access_token.access_revoked, oauth_access.destroy, ...) revoke the
// token, named by its hashed_token (else token_id), in the registry.
#include <array>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

struct Record {
  std::string_view action, actor, actor_ip, business, org, repo, user, hashed_token, token_id,
      access_type, user_agent, operation_type, request_method, timestamp_text;
  int64_t status_code = 0;
  bool has_status = false;
  bool actor_is_bot = false;
  bool has_ts = false;
};

ActionClass classify(const Record& r) {
  std::string_view action = r.action;
  std::string_view verb = action.substr(action.rfind('.') + 1);
  static constexpr std::array<std::string_view, 5> kAdmin = {
      "org.update_member", "team.promote_maintainer", "protected_branch.destroy",
      "org.disable_two_factor_requirement", "integration_installation.create"};
  for (std::string_view admin : kAdmin) {
    if (action == admin) return ActionClass::kAdmin;
  }
  if (ends_with(action, ".policy_override") || starts_with(action, "business.")) {
    return ActionClass::kAdmin;
  }
  if (starts_with(verb, "destroy") || starts_with(verb, "delete") || starts_with(verb, "remove")) {
    return ActionClass::kDelete;
  }
  if (action == "git.clone" || action == "git.fetch") return ActionClass::kRead;
  if (action == "api.request") {
    return r.request_method == "GET" || r.request_method == "HEAD" ? ActionClass::kRead
                                                                   : ActionClass::kWrite;
  }
  return ActionClass::kWrite;
}

bool is_token_revocation(std::string_view action) {
  static constexpr std::array<std::string_view, 6> kRevocations = {"oauth_access.destroy",
                                                                   "oauth_authorization.destroy",
                                                                   "personal_access_token.destroy",
                                                                   "personal_access_token.revoke",
                                                                   "deploy_key.destroy",
                                                                   "public_key.delete"};
  if (ends_with(action, ".access_revoked")) return true;
  for (std::string_view revocation : kRevocations) {
    if (action == revocation) return true;
  }
  return false;
}

class GithubAuditDecoder final : public JsonFormatDecoder<GithubAuditDecoder> {
 public:
  GithubAuditDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                     const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kGithubAudit, options, mapping, format_options) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    Event& event = batch.events.emplace_back();
    Record record;
    FieldError error = decode(payload, batch.arena, event, record);
    if (error.ok()) error = map(payload, batch.arena, event, record);
    if (!error.ok()) {
      batch.events.pop_back();
      ctx_.dead_letter(batch, payload, error);
      return;
    }
    if (event.outcome == Outcome::kSuccess && is_token_revocation(record.action)) {
      std::string_view token = !record.hashed_token.empty() ? record.hashed_token : record.token_id;
      if (!token.empty() && token != "0") {
        if (ctx_.mapping() != nullptr) token = ctx_.mapping()->credential_for(token);
        ctx_.add_control(batch, "revoke", "credential", token, event.ts_us, event.position);
      }
    }
  }

 private:
  FieldError decode(const Payload& payload, StringArena& arena, Event& event, Record& record);
  FieldError map(const Payload& payload, StringArena& arena, Event& event, const Record& record);
};

FieldError GithubAuditDecoder::decode(const Payload& payload, StringArena& arena, Event& event,
                                      Record& record) {
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  uint64_t seen = 0;
  // Epoch milliseconds as a number, or RFC 3339 text.
  auto read_time = [&](od::value& value, std::string_view field) -> FieldError {
    od::json_type type;
    if (auto t = value.type().get(type)) return reader.fail_simdjson(t, field);
    if (type == od::json_type::number) {
      int64_t ms;
      bool present;
      FieldError e = reader.integer(value, field, &ms, &present);
      if (!e.ok() || !epoch_ms_to_us(ms, &event.ts_us)) {
        return reader.fail(DecodeError::kBadTimestamp, field);
      }
      record.has_ts = true;
      return {};
    }
    std::string_view text;
    FieldError e = reader.string(value, field, &text);
    if (!e.ok() || text.empty()) return e;
    if (!parse_rfc3339(text, &event.ts_us)) return reader.fail(DecodeError::kBadTimestamp, field);
    record.has_ts = true;
    return {};
  };
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    FieldError e;
    if (key == "@timestamp") {
      if (e = mark_seen(&seen, 0, "@timestamp"); !e.ok()) return e;
      return read_time(value, "@timestamp");
    }
    if (key == "created_at") {
      if (e = mark_seen(&seen, 1, "created_at"); !e.ok()) return e;
      if (record.has_ts) return e;  // @timestamp first
      return read_time(value, "created_at");
    }
    if (key == "_document_id") {
      if (e = mark_seen(&seen, 2, "_document_id"); !e.ok()) return e;
      return reader.string(value, "_document_id", &event.id);
    }
    if (key == "action") {
      if (e = mark_seen(&seen, 3, "action"); !e.ok()) return e;
      return reader.string(value, "action", &record.action);
    }
    if (key == "actor") {
      if (e = mark_seen(&seen, 4, "actor"); !e.ok()) return e;
      return reader.string(value, "actor", &record.actor);
    }
    if (key == "hashed_token") {
      if (e = mark_seen(&seen, 5, "hashed_token"); !e.ok()) return e;
      return reader.string(value, "hashed_token", &record.hashed_token);
    }
    if (key == "token_id") return reader.text(value, "token_id", &record.token_id);
    if (key == "actor_ip") return reader.string(value, "actor_ip", &record.actor_ip);
    if (key == "actor_is_bot") return reader.boolean(value, "actor_is_bot", &record.actor_is_bot);
    if (key == "business") return reader.string(value, "business", &record.business);
    if (key == "org") return reader.string(value, "org", &record.org);
    if (key == "repo" || key == "repository") {
      std::string_view repo;
      if (e = reader.string(value, key == "repo" ? "repo" : "repository", &repo); !e.ok()) return e;
      if (!repo.empty()) record.repo = repo;
      return e;
    }
    if (key == "user") return reader.string(value, "user", &record.user);
    if (key == "programmatic_access_type") {
      return reader.string(value, "programmatic_access_type", &record.access_type);
    }
    if (key == "user_agent") return reader.string(value, "user_agent", &record.user_agent);
    if (key == "operation_type")
      return reader.string(value, "operation_type", &record.operation_type);
    if (key == "request_method")
      return reader.string(value, "request_method", &record.request_method);
    if (key == "status_code") {
      return reader.integer(value, "status_code", &record.status_code, &record.has_status);
    }
    return kUnread;
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");
  }
  if (record.action.empty()) return reader.fail(DecodeError::kMissingField, "action");
  return {};
}

FieldError GithubAuditDecoder::map(const Payload& payload, StringArena& arena, Event& event,
                                   const Record& record) {
  event.actor_id = record.actor;
  if (record.actor_is_bot || ends_with(record.actor, "[bot]")) event.actor_type = ActorType::kBot;
  event.credential_id = !record.hashed_token.empty()                           ? record.hashed_token
                        : (!record.token_id.empty() && record.token_id != "0") ? record.token_id
                                                                               : std::string_view();
  event.tool = DecoderContext::concat(arena, {"github.", record.action});
  event.verb = record.action;
  event.action_class = classify(record);
  if (!record.repo.empty()) {
    event.resource_type = "github.repo";
    event.resource_name = DecoderContext::concat(arena, {"repo:", record.repo});
  } else if (!record.org.empty()) {
    event.resource_type = "github.org";
    event.resource_name = DecoderContext::concat(arena, {"org:", record.org});
  } else if (!record.user.empty()) {
    event.resource_type = "github.user";
    event.resource_name = DecoderContext::concat(arena, {"user:", record.user});
  }
  event.outcome = Outcome::kSuccess;
  if (ends_with(record.action, "rejected_ref_update")) event.outcome = Outcome::kDenied;
  if (record.has_status) {
    int64_t code = record.status_code;
    event.outcome = code < 400                   ? Outcome::kSuccess
                    : code == 401 || code == 403 ? Outcome::kDenied
                                                 : Outcome::kFailure;
  }
  event.src_ip = record.actor_ip;
  event.attrs_json = DecoderContext::attrs(arena, {{"user_agent", record.user_agent},
                                                   {"access_type", record.access_type},
                                                   {"operation_type", record.operation_type}});
  if (ctx_.mapping() != nullptr) {
    event.env = ctx_.mapping()->env_for(EnvKey::kOrg, record.org);
    if (event.env.empty()) event.env = ctx_.mapping()->env_for(EnvKey::kOrg, record.business);
  }
  return ctx_.finish(event, payload, record.has_ts, record.actor, EnvKey::kOrg, record.org);
}

}  // namespace

DecoderResult make_github_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                        const FormatOptions& format_options) {
  return make_initialised<GithubAuditDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
