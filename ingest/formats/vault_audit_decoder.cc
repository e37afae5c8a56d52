// HashiCorp Vault file audit device (FORMATS.md section 6): one line per request and one per
// response, paired by request.id. The response repeats the request and adds the outcome, so it
// becomes the event; its request is held until then (max_pending) and emitted unjoined, with
// outcome unknown, when evicted or flushed. A response whose request was never seen is an event
// on its own. Token and lease revocations (auth/token/revoke*, sys/leases/revoke*) revoke the
// accessor, token or lease in the registry; Vault HMACs them unless the device is told not to,
// so the registry must hold the same HMACs (sys/audit-hash) or the mapping must rename them.
#include <string>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/formats/pending_records.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

struct Record {
  std::string_view type, time, error;
  std::string_view entity_id, display_name, role_name, service_account, accessor;
  std::string_view request_id, operation, path, mount_type, namespace_path, remote_address;
  std::string_view data_accessor, data_token, data_lease_id;
};

ActionClass classify(const Record& r) {
  std::string_view op = r.operation;
  std::string_view path = r.path;
  if (starts_with(path, "sys/leases/revoke") || starts_with(path, "sys/revoke") ||
      starts_with(path, "auth/token/revoke")) {
    return ActionClass::kAdmin;
  }
  bool writes = op == "create" || op == "update" || op == "delete";
  if (writes && (starts_with(path, "sys/policy") || starts_with(path, "sys/policies") ||
                 starts_with(path, "sys/auth") || starts_with(path, "sys/mounts") ||
                 starts_with(path, "auth/token/create") || starts_with(path, "identity/"))) {
    return ActionClass::kAdmin;
  }
  if (op == "read" || op == "list" || op == "help") return ActionClass::kRead;
  if (op == "create" || op == "update") return ActionClass::kWrite;
  if (op == "delete") return ActionClass::kDelete;
  return ActionClass::kUnset;
}

ActorType actor_type_of(const Record& r) {
  std::string_view name = r.display_name;
  if (starts_with(name, "oidc-") || starts_with(name, "userpass-") || starts_with(name, "ldap-")) {
    return ActorType::kHuman;
  }
  if (!r.service_account.empty() || starts_with(name, "approle") ||
      starts_with(name, "kubernetes-") || starts_with(name, "aws-") ||
      starts_with(name, "token-")) {
    return ActorType::kService;
  }
  return ActorType::kUnknown;
}

class VaultAuditDecoder final : public JsonFormatDecoder<VaultAuditDecoder> {
 public:
  VaultAuditDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                    const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kVaultAudit, options, mapping, format_options),
        pending_(format_options.max_pending) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    Record record;
    FieldError error = parse(payload, batch.arena, record);
    if (!error.ok()) {
      ctx_.dead_letter(batch, payload, error);
      return;
    }
    if (record.type == "request" && !record.request_id.empty()) {
      pending_.hold(record.request_id, payload,
                    [&](const PendingRecord& oldest) { emit_held(oldest, batch); });
      return;
    }
    if (record.type == "response") {
      pending_.take(record.request_id, [](const PendingRecord&) {});  // the response says it all
    }
    emit(payload, record, /*unjoined=*/false, batch);
  }

  void flush_joins(EventBatch& batch) {
    pending_.drain([&](const PendingRecord& request) { emit_held(request, batch); });
  }

 private:
  FieldError parse(const Payload& payload, StringArena& arena, Record& record);
  void emit_held(const PendingRecord& request, EventBatch& batch) {
    Payload payload = request.payload_in(batch.arena);
    Record record;
    if (!parse(payload, batch.arena, record).ok()) return;  // it parsed when it was held
    emit(payload, record, /*unjoined=*/true, batch);
  }
  void emit(const Payload& payload, const Record& record, bool unjoined, EventBatch& batch);
  void add_revocation(EventBatch& batch, const Event& event, const Record& record);

  PendingRecords pending_;
};

FieldError VaultAuditDecoder::parse(const Payload& payload, StringArena& arena, Record& record) {
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  uint64_t seen = 0;
  auto strings = [&](od::value& value, std::string_view where, auto&& pick) -> FieldError {
    od::object object;
    bool present;
    FieldError e = reader.object(value, where, &object, &present);
    if (!e.ok() || !present) return e;
    return for_each_field(reader, object, where, [&](std::string_view k, od::value& v) {
      std::string_view* target = pick(k);
      if (target != nullptr) return reader.text(v, where, target);
      if (k == "metadata" || k == "namespace" || k == "data") {
        od::json_type type;
        if (auto t = v.type().get(type)) return reader.fail_simdjson(t, where);
        if (type != od::json_type::object) return kUnread;
        od::object inner;
        bool inner_present;
        FieldError f = reader.object(v, where, &inner, &inner_present);
        if (!f.ok() || !inner_present) return f;
        return for_each_field(reader, inner, where, [&](std::string_view ik, od::value& iv) {
          std::string_view* inner_target = nullptr;
          if (k == "metadata" && ik == "role_name") inner_target = &record.role_name;
          if (k == "metadata" && ik == "service_account_name")
            inner_target = &record.service_account;
          if (k == "namespace" && ik == "path") inner_target = &record.namespace_path;
          if (k == "data" && ik == "accessor") inner_target = &record.data_accessor;
          if (k == "data" && ik == "token") inner_target = &record.data_token;
          if (k == "data" && ik == "lease_id") inner_target = &record.data_lease_id;
          if (inner_target == nullptr) return kUnread;
          od::json_type t;
          if (auto te = iv.type().get(t)) return reader.fail_simdjson(te, where);
          if (t != od::json_type::string) return kUnread;
          return reader.string(iv, where, inner_target);
        });
      }
      return kUnread;
    });
  };
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    FieldError e;
    if (key == "type") {
      if (e = mark_seen(&seen, 0, "type"); !e.ok()) return e;
      return reader.string(value, "type", &record.type);
    }
    if (key == "time") {
      if (e = mark_seen(&seen, 1, "time"); !e.ok()) return e;
      return reader.string(value, "time", &record.time);
    }
    if (key == "error") return reader.string(value, "error", &record.error);
    if (key == "auth") {
      if (e = mark_seen(&seen, 2, "auth"); !e.ok()) return e;
      return strings(value, "auth", [&](std::string_view k) -> std::string_view* {
        if (k == "entity_id") return &record.entity_id;
        if (k == "display_name") return &record.display_name;
        if (k == "accessor") return &record.accessor;
        return nullptr;
      });
    }
    if (key == "request") {
      if (e = mark_seen(&seen, 3, "request"); !e.ok()) return e;
      return strings(value, "request", [&](std::string_view k) -> std::string_view* {
        if (k == "id") return &record.request_id;
        if (k == "operation") return &record.operation;
        if (k == "path") return &record.path;
        if (k == "mount_type") return &record.mount_type;
        if (k == "remote_address") return &record.remote_address;
        return nullptr;
      });
    }
    return kUnread;
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");
  }
  if (record.type != "request" && record.type != "response") {
    return reader.fail(
        record.type.empty() ? DecodeError::kMissingField : DecodeError::kInvalidValue, "type");
  }
  if (record.operation.empty()) return reader.fail(DecodeError::kMissingField, "request.operation");
  return {};
}

void VaultAuditDecoder::emit(const Payload& payload, const Record& record, bool unjoined,
                             EventBatch& batch) {
  Event& event = batch.events.emplace_back();
  FieldError error;
  bool has_ts = !record.time.empty();
  if (has_ts && !parse_rfc3339(record.time, &event.ts_us)) {
    error = {DecodeError::kBadTimestamp, "time"};
  }
  StringArena& arena = batch.arena;
  // A revoked token's later use logs a partial auth: its accessor is then all there is.
  std::string_view identity = !record.entity_id.empty()      ? record.entity_id
                              : !record.display_name.empty() ? record.display_name
                              : !record.role_name.empty()    ? record.role_name
                                                             : record.accessor;
  event.id = record.request_id;
  event.actor_id = identity;
  event.actor_type = actor_type_of(record);
  event.credential_id = record.accessor;
  event.session = record.accessor;
  event.tool = DecoderContext::concat(arena, {"vault.", record.operation});
  event.verb = record.operation;
  event.action_class = classify(record);
  event.resource_type = record.mount_type;
  event.resource_name =
      record.namespace_path.empty()
          ? DecoderContext::concat(arena, {"vault:", record.path})
          : DecoderContext::concat(arena, {"vault:", record.namespace_path, record.path});
  if (!unjoined) {
    event.outcome = record.error.empty() ? Outcome::kSuccess
                    : record.error.find("permission denied") != std::string_view::npos
                        ? Outcome::kDenied
                        : Outcome::kFailure;
  }
  event.src_ip = record.remote_address;
  event.attrs_json = DecoderContext::attrs(arena, {{"join", unjoined ? "unjoined" : ""},
                                                   {"type", record.type},
                                                   {"error", record.error},
                                                   {"display_name", record.display_name}});
  if (error.ok()) {
    error =
        ctx_.finish(event, payload, has_ts, identity, EnvKey::kNamespace, record.namespace_path);
  }
  if (!error.ok()) {
    batch.events.pop_back();
    ctx_.dead_letter(batch, payload, error);
    return;
  }
  add_revocation(batch, event, record);
}

void VaultAuditDecoder::add_revocation(EventBatch& batch, const Event& event,
                                       const Record& record) {
  if (event.outcome != Outcome::kSuccess) return;
  std::string_view path = record.path;
  std::string_view revoked;
  if (starts_with(path, "auth/token/revoke-self")) {
    revoked = record.accessor;
  } else if (starts_with(path, "auth/token/revoke-accessor")) {
    revoked = record.data_accessor;
  } else if (starts_with(path, "auth/token/revoke")) {
    revoked = record.data_token;
  } else if (starts_with(path, "sys/leases/revoke") || starts_with(path, "sys/revoke")) {
    revoked = record.data_lease_id;
    if (revoked.empty()) {
      // sys/leases/revoke/<lease id> and sys/revoke/<lease id> name the lease in the path.
      std::string_view prefix = starts_with(path, "sys/leases/revoke/") ? "sys/leases/revoke/"
                                : starts_with(path, "sys/revoke/")      ? "sys/revoke/"
                                                                        : "";
      if (!prefix.empty()) revoked = path.substr(prefix.size());
    }
  }
  if (revoked.empty()) return;
  if (ctx_.mapping() != nullptr) revoked = ctx_.mapping()->credential_for(revoked);
  ctx_.add_control(batch, "revoke", "credential", revoked, event.ts_us, event.position);
}

}  // namespace

DecoderResult make_vault_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                       const FormatOptions& format_options) {
  return make_initialised<VaultAuditDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
