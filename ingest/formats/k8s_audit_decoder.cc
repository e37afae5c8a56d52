// Kubernetes audit events (FORMATS.md section 2), audit.k8s.io v1 and v1beta1. The same auditID
// is logged once per stage: keep ResponseComplete and Panic, plus ResponseStarted of long-running
// requests (exec, attach, port-forward, watch) that may never complete; a request logged at both
// has one id, so the engine's (source, id) dedupe judges it once. Deleting a service account
// decommissions its agent; deleting its token secret revokes that credential.
#include <array>
#include <cstring>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

struct Record {
  std::string_view stage, verb, username, impersonated, credential, pod_name, source_ip, user_agent,
      api_group, resource, subresource, namespace_, name, decision, audit_id;
  std::string_view stage_ts, received_ts, timestamp;
  int64_t code = 0;
  bool has_code = false;
};

ActionClass classify(const Record& r) {
  std::string_view verb = r.verb;
  if (verb == "impersonate" || verb == "escalate" || verb == "bind") return ActionClass::kEscalate;
  bool writes = verb == "create" || verb == "update" || verb == "patch";
  if (r.resource == "pods" &&
      (r.subresource == "exec" || r.subresource == "attach" || r.subresource == "portforward")) {
    return ActionClass::kEscalate;
  }
  if (writes && ((r.resource == "serviceaccounts" && r.subresource == "token") ||
                 r.resource == "roles" || r.resource == "clusterroles" ||
                 r.resource == "rolebindings" || r.resource == "clusterrolebindings" ||
                 (r.resource == "certificatesigningrequests" && r.subresource == "approval"))) {
    return ActionClass::kEscalate;
  }
  if (verb == "get" || verb == "list" || verb == "watch") return ActionClass::kRead;
  if (writes) return ActionClass::kWrite;
  if (verb == "delete" || verb == "deletecollection") return ActionClass::kDelete;
  return ActionClass::kUnset;  // left to the action-class table
}

ActorType actor_type_of(std::string_view username) {
  if (starts_with(username, kServiceAccountPrefix) || starts_with(username, "system:node:") ||
      starts_with(username, "system:kube-") || username == "aksService") {
    return ActorType::kService;
  }
  return ActorType::kUnknown;  // human or agent: the registry knows
}

bool long_running(const Record& r) {
  return r.verb == "watch" || r.subresource == "exec" || r.subresource == "attach" ||
         r.subresource == "portforward";
}

class K8sAuditDecoder final : public JsonFormatDecoder<K8sAuditDecoder> {
 public:
  K8sAuditDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                  const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kK8sAudit, options, mapping, format_options) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    Event& event = batch.events.emplace_back();
    Record record;
    FieldError error = decode(payload, batch.arena, record);
    if (error.ok() && !keep_stage(record)) {
      batch.events.pop_back();  // another stage of a request logged once more
      return;
    }
    if (error.ok()) error = map(payload, batch.arena, event, record);
    if (!error.ok()) {
      batch.events.pop_back();
      ctx_.dead_letter(batch, payload, error);
      return;
    }
    add_revocation(batch, event, record);
  }

 private:
  static bool keep_stage(const Record& r) {
    if (r.stage.empty() || r.stage == "ResponseComplete" || r.stage == "Panic") return true;
    return r.stage == "ResponseStarted" && long_running(r);
  }
  FieldError decode(const Payload& payload, StringArena& arena, Record& record);
  FieldError read_user(JsonReader& reader, od::value& value, std::string_view field,
                       std::string_view* username, Record* extras);
  FieldError map(const Payload& payload, StringArena& arena, Event& event, const Record& record);
  void add_revocation(EventBatch& batch, const Event& event, const Record& record);
};

// The first string of an array of strings (user.extra values, sourceIPs).
FieldError first_string(JsonReader& reader, od::value& value, std::string_view field,
                        std::string_view* out) {
  od::array array;
  bool present;
  FieldError e = reader.array(value, field, &array, &present);
  if (!e.ok() || !present) return e;
  return for_each_element(reader, array, field, [&](od::value& element) {
    if (!out->empty()) return kUnread;
    return reader.string(element, field, out);
  });
}

FieldError K8sAuditDecoder::read_user(JsonReader& reader, od::value& value, std::string_view field,
                                      std::string_view* username, Record* extras) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, field, &object, &present);
  if (!e.ok() || !present) return e;
  uint64_t seen = 0;
  return for_each_field(reader, object, field, [&](std::string_view key, od::value& v) {
    if (key == "username") {
      if (FieldError f = mark_seen(&seen, 0, field); !f.ok()) return f;
      return reader.string(v, field, username);
    }
    if (key == "extra" && extras != nullptr) {
      od::object extra;
      bool extra_present;
      FieldError f = reader.object(v, "user.extra", &extra, &extra_present);
      if (!f.ok() || !extra_present) return f;
      return for_each_field(reader, extra, "user.extra", [&](std::string_view k, od::value& x) {
        if (k == "authentication.kubernetes.io/credential-id") {
          return first_string(reader, x, "user.extra", &extras->credential);
        }
        if (k == "authentication.kubernetes.io/pod-name") {
          return first_string(reader, x, "user.extra", &extras->pod_name);
        }
        return kUnread;
      });
    }
    return kUnread;
  });
}

FieldError K8sAuditDecoder::decode(const Payload& payload, StringArena& arena, Record& record) {
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  uint64_t seen = 0;
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    FieldError e;
    if (key == "auditID") {
      if (e = mark_seen(&seen, 0, "auditID"); !e.ok()) return e;
      e = reader.string(value, "auditID", &record.audit_id);
    } else if (key == "stage") {
      if (e = mark_seen(&seen, 1, "stage"); !e.ok()) return e;
      e = reader.string(value, "stage", &record.stage);
    } else if (key == "verb") {
      if (e = mark_seen(&seen, 2, "verb"); !e.ok()) return e;
      e = reader.string(value, "verb", &record.verb);
    } else if (key == "user") {
      if (e = mark_seen(&seen, 3, "user"); !e.ok()) return e;
      e = read_user(reader, value, "user.username", &record.username, &record);
    } else if (key == "impersonatedUser") {
      if (e = mark_seen(&seen, 4, "impersonatedUser"); !e.ok()) return e;
      e = read_user(reader, value, "impersonatedUser.username", &record.impersonated, nullptr);
    } else if (key == "sourceIPs") {
      e = first_string(reader, value, "sourceIPs", &record.source_ip);
    } else if (key == "userAgent") {
      e = reader.string(value, "userAgent", &record.user_agent);
    } else if (key == "objectRef") {
      if (e = mark_seen(&seen, 5, "objectRef"); !e.ok()) return e;
      od::object object;
      bool present;
      if (e = reader.object(value, "objectRef", &object, &present); !e.ok() || !present) return e;
      e = for_each_field(reader, object, "objectRef", [&](std::string_view k, od::value& v) {
        if (k == "apiGroup") return reader.string(v, "objectRef.apiGroup", &record.api_group);
        if (k == "resource") return reader.string(v, "objectRef.resource", &record.resource);
        if (k == "subresource")
          return reader.string(v, "objectRef.subresource", &record.subresource);
        if (k == "namespace") return reader.string(v, "objectRef.namespace", &record.namespace_);
        if (k == "name") return reader.string(v, "objectRef.name", &record.name);
        return kUnread;
      });
    } else if (key == "responseStatus") {
      if (e = mark_seen(&seen, 6, "responseStatus"); !e.ok()) return e;
      od::object object;
      bool present;
      if (e = reader.object(value, "responseStatus", &object, &present); !e.ok() || !present)
        return e;
      e = for_each_field(reader, object, "responseStatus", [&](std::string_view k, od::value& v) {
        if (k == "code")
          return reader.integer(v, "responseStatus.code", &record.code, &record.has_code);
        return kUnread;
      });
    } else if (key == "annotations") {
      od::object object;
      bool present;
      if (e = reader.object(value, "annotations", &object, &present); !e.ok() || !present) return e;
      e = for_each_field(reader, object, "annotations", [&](std::string_view k, od::value& v) {
        if (k == "authorization.k8s.io/decision") {
          return reader.string(v, "annotations", &record.decision);
        }
        return kUnread;
      });
    } else if (key == "stageTimestamp") {
      if (e = mark_seen(&seen, 7, "stageTimestamp"); !e.ok()) return e;
      e = reader.string(value, "stageTimestamp", &record.stage_ts);
    } else if (key == "requestReceivedTimestamp") {
      e = reader.string(value, "requestReceivedTimestamp", &record.received_ts);
    } else if (key == "timestamp") {
      e = reader.string(value, "timestamp", &record.timestamp);
    } else {
      return kUnread;
    }
    return e;
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");
  }
  if (record.verb.empty()) return reader.fail(DecodeError::kMissingField, "verb");
  return {};
}

FieldError K8sAuditDecoder::map(const Payload& payload, StringArena& arena, Event& event,
                                const Record& record) {
  event.id = record.audit_id;
  std::string_view time_text = !record.stage_ts.empty()      ? record.stage_ts
                               : !record.received_ts.empty() ? record.received_ts
                                                             : record.timestamp;
  bool has_ts = !time_text.empty();
  if (has_ts && !parse_rfc3339(time_text, &event.ts_us)) {
    return {DecodeError::kBadTimestamp, !record.stage_ts.empty() ? "stageTimestamp" : "timestamp"};
  }
  // Impersonation: the effective user acts; the impersonator is kept beside it.
  std::string_view identity = !record.impersonated.empty() ? record.impersonated : record.username;
  if (identity.empty()) return {DecodeError::kMissingField, "user.username"};
  event.actor_id = identity;
  event.actor_type = actor_type_of(identity);
  event.credential_id = record.credential;
  event.session = record.pod_name;
  event.tool = DecoderContext::concat(arena, {"k8s.", record.verb});
  event.verb = record.verb;
  event.action_class = classify(record);
  std::string_view cluster = ctx_.mapping() != nullptr ? ctx_.mapping()->cluster() : "";
  if (!record.resource.empty()) {
    event.resource_type =
        record.subresource.empty()
            ? DecoderContext::concat(arena, {"k8s.", record.resource})
            : DecoderContext::concat(arena, {"k8s.", record.resource, "/", record.subresource});
    // k8s:<cluster>/<namespace>/<resource>/<name>, empty parts left out.
    std::string_view parts[] = {cluster, record.namespace_, record.resource, record.name};
    size_t size = 4;
    for (std::string_view part : parts) size += part.size() + 1;
    char* start = arena.allocate(size);
    char* out = start;
    std::memcpy(out, "k8s:", 4);
    out += 4;
    bool first = true;
    for (std::string_view part : parts) {
      if (part.empty()) continue;
      if (!first) *out++ = '/';
      first = false;
      std::memcpy(out, part.data(), part.size());
      out += part.size();
    }
    event.resource_name = std::string_view(start, static_cast<size_t>(out - start));
  }
  if (record.has_code) {
    int64_t code = record.code;
    if ((code >= 200 && code < 300) || code == 101) {
      event.outcome = Outcome::kSuccess;
    } else if (code == 401 || code == 403) {
      event.outcome = Outcome::kDenied;
    } else {
      event.outcome = Outcome::kFailure;
    }
  }
  if (record.decision == "forbid") event.outcome = Outcome::kDenied;
  event.src_ip = record.source_ip;
  event.attrs_json = DecoderContext::attrs(
      arena, {{"impersonator", record.impersonated.empty() ? "" : record.username},
              {"user_agent", record.user_agent},
              {"stage", record.stage}});
  if (ctx_.mapping() != nullptr) event.env = ctx_.mapping()->env_for(EnvKey::kCluster, cluster);
  return ctx_.finish(event, payload, has_ts, identity, EnvKey::kNamespace, record.namespace_);
}

void K8sAuditDecoder::add_revocation(EventBatch& batch, const Event& event, const Record& record) {
  if (event.outcome != Outcome::kSuccess || record.verb != "delete" || record.name.empty() ||
      !record.subresource.empty()) {
    return;
  }
  StringArena& arena = batch.arena;
  if (record.resource == "serviceaccounts") {
    std::string_view identity =
        DecoderContext::concat(arena, {kServiceAccountPrefix, record.namespace_, ":", record.name});
    const MappedActor* actor =
        ctx_.mapping() != nullptr ? ctx_.mapping()->actor_for(identity, "") : nullptr;
    ctx_.add_control(batch, "delete", "agent", actor != nullptr ? actor->id : identity, event.ts_us,
                     event.position);
  } else if (record.resource == "secrets" &&
             record.name.find("-token-") != std::string_view::npos) {
    // A legacy service-account token secret (<account>-token-<suffix>): the credential is
    // named <namespace>/<secret>, or as the mapping's credentials table renames it.
    std::string_view id = DecoderContext::concat(arena, {record.namespace_, "/", record.name});
    if (ctx_.mapping() != nullptr) id = ctx_.mapping()->credential_for(id);
    ctx_.add_control(batch, "revoke", "credential", id, event.ts_us, event.position);
  }
}

}  // namespace

DecoderResult make_k8s_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                     const FormatOptions& format_options) {
  return make_initialised<K8sAuditDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
