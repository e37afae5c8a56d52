// AWS CloudTrail (FORMATS.md section 1): the S3 `{"Records":[...]}` file form (unwrapped by
// PayloadSplitter) and one event per message. DeleteAccessKey, and UpdateAccessKey to Inactive,
// also revoke the key in the registry.
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

// FORMATS.md's class table for CloudTrail event names.
ActionClass classify_event(std::string_view name, bool read_only, bool read_only_given) {
  static constexpr std::array<std::string_view, 6> kAdmin = {"StopLogging",    "DeleteTrail",
                                                             "UpdateTrail",    "PutEventSelectors",
                                                             "DeleteFlowLogs", "DeleteDetector"};
  for (std::string_view admin : kAdmin) {
    if (name == admin) return ActionClass::kAdmin;
  }
  static constexpr std::array<std::string_view, 9> kEscalate = {
      "CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile",  "UpdateAssumeRolePolicy",
      "PassRole",        "AddUserToGroup",     "CreatePolicyVersion", "SetDefaultPolicyVersion",
      "AssumeRole"};
  for (std::string_view escalate : kEscalate) {
    if (starts_with(name, escalate)) return ActionClass::kEscalate;
  }
  if ((starts_with(name, "Attach") || starts_with(name, "Put")) && ends_with(name, "Policy")) {
    return ActionClass::kEscalate;
  }
  if (read_only_given && read_only) return ActionClass::kRead;
  static constexpr std::array<std::string_view, 5> kDelete = {"Delete", "Terminate", "Remove",
                                                              "Deregister", "Release"};
  for (std::string_view prefix : kDelete) {
    if (starts_with(name, prefix)) return ActionClass::kDelete;
  }
  if (!read_only_given) {
    static constexpr std::array<std::string_view, 5> kRead = {"Get", "List", "Describe", "Head",
                                                              "Lookup"};
    for (std::string_view prefix : kRead) {
      if (starts_with(name, prefix)) return ActionClass::kRead;
    }
  }
  return ActionClass::kWrite;
}

Outcome outcome_of(std::string_view error_code) {
  if (error_code.empty()) return Outcome::kSuccess;
  if (starts_with(error_code, "AccessDenied") || ends_with(error_code, "UnauthorizedOperation") ||
      error_code == "UnauthorizedAccess") {
    return Outcome::kDenied;
  }
  return Outcome::kFailure;
}

// requestParameters keys that name the resource, best first.
constexpr std::array<std::string_view, 16> kResourceKeys = {"policyArn",
                                                            "roleName",
                                                            "userName",
                                                            "groupName",
                                                            "bucketName",
                                                            "functionName",
                                                            "dBInstanceIdentifier",
                                                            "tableName",
                                                            "instanceId",
                                                            "secretId",
                                                            "keyId",
                                                            "trailName",
                                                            "name",
                                                            "topicArn",
                                                            "queueUrl",
                                                            "roleArn"};

struct Record {
  std::string_view identity_type, principal_id, arn, account_id, access_key, user_name, invoked_by,
      issuer_arn, source_identity, creation_date;
  std::string_view event_source, event_name, region, error_code, event_type, recipient_account,
      user_agent, resource_arn, resource_type, console_login;
  std::string_view request_key_id, request_status;
  std::array<std::string_view, kResourceKeys.size()> resource_candidates;
  bool read_only = false;
  bool read_only_given = false;
  bool has_ts = false;
};

class CloudTrailDecoder final : public JsonFormatDecoder<CloudTrailDecoder> {
 public:
  CloudTrailDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                    const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kCloudTrail, options, mapping, format_options) {}

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
    add_revocation(batch, event, record);
  }

 private:
  FieldError decode(const Payload& payload, StringArena& arena, Event& event, Record& record);
  FieldError read_identity(JsonReader& reader, od::value& value, Record& record);
  FieldError read_session_context(JsonReader& reader, od::value& value, Record& record);
  FieldError read_request(JsonReader& reader, od::value& value, Record& record);
  FieldError read_resources(JsonReader& reader, od::value& value, Record& record);
  FieldError map(const Payload& payload, StringArena& arena, Event& event, const Record& record);
  void add_revocation(EventBatch& batch, const Event& event, const Record& record);
};

FieldError CloudTrailDecoder::decode(const Payload& payload, StringArena& arena, Event& event,
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
    if (key == "eventTime") {
      if (e = mark_seen(&seen, 0, "eventTime"); !e.ok()) return e;
      std::string_view text;
      if (e = reader.string(value, "eventTime", &text); !e.ok()) return e;
      if (!text.empty()) {
        if (!parse_rfc3339(text, &event.ts_us))
          return reader.fail(DecodeError::kBadTimestamp, "eventTime");
        record.has_ts = true;
      }
    } else if (key == "eventID") {
      if (e = mark_seen(&seen, 1, "eventID"); !e.ok()) return e;
      e = reader.string(value, "eventID", &event.id);
    } else if (key == "eventSource") {
      if (e = mark_seen(&seen, 2, "eventSource"); !e.ok()) return e;
      e = reader.string(value, "eventSource", &record.event_source);
    } else if (key == "eventName") {
      if (e = mark_seen(&seen, 3, "eventName"); !e.ok()) return e;
      e = reader.string(value, "eventName", &record.event_name);
    } else if (key == "userIdentity") {
      if (e = mark_seen(&seen, 4, "userIdentity"); !e.ok()) return e;
      e = read_identity(reader, value, record);
    } else if (key == "sourceIPAddress") {
      if (e = mark_seen(&seen, 5, "sourceIPAddress"); !e.ok()) return e;
      e = reader.string(value, "sourceIPAddress", &event.src_ip);
    } else if (key == "errorCode") {
      if (e = mark_seen(&seen, 6, "errorCode"); !e.ok()) return e;
      e = reader.string(value, "errorCode", &record.error_code);
    } else if (key == "readOnly") {
      if (e = mark_seen(&seen, 7, "readOnly"); !e.ok()) return e;
      // Written as a boolean by CloudTrail, as a string by some shippers.
      od::json_type type;
      if (auto t = value.type().get(type)) return reader.fail_simdjson(t, "readOnly");
      if (type == od::json_type::string) {
        std::string_view text;
        if (e = reader.string(value, "readOnly", &text); !e.ok()) return e;
        record.read_only = text == "true";
        record.read_only_given = true;
      } else if (type != od::json_type::null) {
        e = reader.boolean(value, "readOnly", &record.read_only);
        record.read_only_given = true;
      }
    } else if (key == "awsRegion") {
      e = reader.string(value, "awsRegion", &record.region);
    } else if (key == "userAgent") {
      e = reader.string(value, "userAgent", &record.user_agent);
    } else if (key == "eventType") {
      e = reader.string(value, "eventType", &record.event_type);
    } else if (key == "recipientAccountId") {
      if (e = mark_seen(&seen, 8, "recipientAccountId"); !e.ok()) return e;
      e = reader.string(value, "recipientAccountId", &record.recipient_account);
    } else if (key == "requestParameters") {
      if (e = mark_seen(&seen, 9, "requestParameters"); !e.ok()) return e;
      e = read_request(reader, value, record);
    } else if (key == "resources") {
      e = read_resources(reader, value, record);
    } else if (key == "responseElements" && record.event_name == "ConsoleLogin") {
      od::object object;
      bool present;
      if (e = reader.object(value, "responseElements", &object, &present); !e.ok() || !present)
        return e;
      e = for_each_field(reader, object, "responseElements", [&](std::string_view k, od::value& v) {
        if (k == "ConsoleLogin")
          return reader.string(v, "responseElements.ConsoleLogin", &record.console_login);
        return kUnread;
      });
    } else {
      return kUnread;
    }
    return e;
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");  // trailing content after the record
  }
  if (record.event_name.empty()) return reader.fail(DecodeError::kMissingField, "eventName");
  if (record.event_source.empty()) return reader.fail(DecodeError::kMissingField, "eventSource");
  if (!record.has_ts) return reader.fail(DecodeError::kMissingField, "eventTime");
  return {};
}

FieldError CloudTrailDecoder::read_identity(JsonReader& reader, od::value& value, Record& record) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, "userIdentity", &object, &present);
  if (!e.ok() || !present) return e;
  uint64_t seen = 0;
  return for_each_field(reader, object, "userIdentity", [&](std::string_view key, od::value& v) {
    FieldError f;
    if (key == "type") {
      if (f = mark_seen(&seen, 0, "userIdentity.type"); !f.ok()) return f;
      return reader.string(v, "userIdentity.type", &record.identity_type);
    }
    if (key == "principalId")
      return reader.string(v, "userIdentity.principalId", &record.principal_id);
    if (key == "arn") {
      if (f = mark_seen(&seen, 1, "userIdentity.arn"); !f.ok()) return f;
      return reader.string(v, "userIdentity.arn", &record.arn);
    }
    if (key == "accountId") return reader.string(v, "userIdentity.accountId", &record.account_id);
    if (key == "accessKeyId") {
      if (f = mark_seen(&seen, 2, "userIdentity.accessKeyId"); !f.ok()) return f;
      return reader.string(v, "userIdentity.accessKeyId", &record.access_key);
    }
    if (key == "userName") return reader.string(v, "userIdentity.userName", &record.user_name);
    if (key == "invokedBy") return reader.string(v, "userIdentity.invokedBy", &record.invoked_by);
    if (key == "sessionContext") return read_session_context(reader, v, record);
    return kUnread;
  });
}

FieldError CloudTrailDecoder::read_session_context(JsonReader& reader, od::value& value,
                                                   Record& record) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, "userIdentity.sessionContext", &object, &present);
  if (!e.ok() || !present) return e;
  return for_each_field(
      reader, object, "userIdentity.sessionContext", [&](std::string_view key, od::value& v) {
        if (key == "sourceIdentity") {
          return reader.string(v, "userIdentity.sessionContext.sourceIdentity",
                               &record.source_identity);
        }
        if (key == "sessionIssuer" || key == "attributes") {
          od::object inner;
          bool inner_present;
          FieldError f = reader.object(v, "userIdentity.sessionContext", &inner, &inner_present);
          if (!f.ok() || !inner_present) return f;
          bool issuer = key == "sessionIssuer";
          return for_each_field(
              reader, inner, "userIdentity.sessionContext", [&](std::string_view k, od::value& x) {
                if (issuer && k == "arn") {
                  return reader.string(x, "userIdentity.sessionContext.sessionIssuer.arn",
                                       &record.issuer_arn);
                }
                if (!issuer && k == "creationDate") {
                  return reader.string(x, "userIdentity.sessionContext.attributes.creationDate",
                                       &record.creation_date);
                }
                return kUnread;
              });
        }
        return kUnread;
      });
}

FieldError CloudTrailDecoder::read_request(JsonReader& reader, od::value& value, Record& record) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, "requestParameters", &object, &present);
  if (!e.ok() || !present) return e;
  return for_each_field(
      reader, object, "requestParameters", [&](std::string_view key, od::value& v) {
        if (key == "accessKeyId")
          return reader.string(v, "requestParameters.accessKeyId", &record.request_key_id);
        if (key == "status")
          return reader.text(v, "requestParameters.status", &record.request_status);
        for (size_t i = 0; i < kResourceKeys.size(); ++i) {
          if (key == kResourceKeys[i]) {
            od::json_type type;
            if (auto t = v.type().get(type)) return reader.fail_simdjson(t, "requestParameters");
            // Only plain strings name a resource; structured values are skipped.
            if (type != od::json_type::string) return kUnread;
            return reader.string(v, "requestParameters", &record.resource_candidates[i]);
          }
        }
        return kUnread;
      });
}

FieldError CloudTrailDecoder::read_resources(JsonReader& reader, od::value& value, Record& record) {
  od::array array;
  bool present;
  FieldError e = reader.array(value, "resources", &array, &present);
  if (!e.ok() || !present) return e;
  return for_each_element(reader, array, "resources", [&](od::value& element) {
    od::object object;
    bool is_object;
    FieldError f = reader.object(element, "resources", &object, &is_object);
    if (!f.ok() || !is_object) return f;
    std::string_view arn, type;
    f = for_each_field(reader, object, "resources", [&](std::string_view key, od::value& v) {
      if (key == "ARN") return reader.string(v, "resources.ARN", &arn);
      if (key == "type") return reader.string(v, "resources.type", &type);
      return kUnread;
    });
    if (f.ok() && record.resource_arn.empty() && !arn.empty()) {
      record.resource_arn = arn;  // the first resource is the event's subject
      record.resource_type = type;
    }
    return f;
  });
}

FieldError CloudTrailDecoder::map(const Payload& payload, StringArena& arena, Event& event,
                                  const Record& record) {
  std::string_view service = record.event_source.substr(0, record.event_source.find('.'));
  event.tool = DecoderContext::concat(arena, {service, ":", record.event_name});
  event.verb = record.event_name;
  event.action_class = classify_event(record.event_name, record.read_only, record.read_only_given);
  event.outcome = outcome_of(record.error_code);
  if (record.event_name == "ConsoleLogin" && record.console_login == "Failure") {
    event.outcome = Outcome::kFailure;
  }
  event.credential_id = record.access_key;

  // Identity: an assumed role is the role plus the session name (FORMATS.md).
  std::string_view identity = record.arn;
  std::string_view session_name;
  if (size_t colon = record.principal_id.find(':'); colon != std::string_view::npos) {
    session_name = record.principal_id.substr(colon + 1);
  }
  std::string_view role_name;
  if (record.identity_type == "AssumedRole" && !record.issuer_arn.empty()) {
    identity = DecoderContext::concat(arena, {record.issuer_arn, "/", session_name});
    role_name = record.issuer_arn.substr(record.issuer_arn.rfind('/') + 1);
  }
  if (record.identity_type == "AWSService" || (identity.empty() && !record.invoked_by.empty())) {
    identity = record.invoked_by;
  }
  if (identity.empty()) identity = record.event_source;  // a service event names no one else
  event.actor_id = identity;
  if (record.identity_type == "AWSService" || record.identity_type.empty() ||
      starts_with(session_name, "i-") || starts_with(role_name, "AWSServiceRoleFor")) {
    event.actor_type = ActorType::kService;
  } else if (starts_with(role_name, "AWSReservedSSO_") ||
             record.identity_type == "IdentityCenterUser" || record.event_name == "ConsoleLogin") {
    event.actor_type = ActorType::kHuman;
  }

  // An STS key is new per session: it names the session when no SourceIdentity does.
  event.session = !record.source_identity.empty()          ? record.source_identity
                  : starts_with(record.access_key, "ASIA") ? record.access_key
                                                           : std::string_view();
  if (!record.resource_arn.empty()) {
    event.resource_name = record.resource_arn;
    event.resource_type = record.resource_type;
  } else {
    for (size_t i = 0; i < kResourceKeys.size(); ++i) {
      if (record.resource_candidates[i].empty()) continue;
      event.resource_name = record.resource_candidates[i];
      event.resource_type = kResourceKeys[i];
      break;
    }
  }
  event.attrs_json = DecoderContext::attrs(arena, {{"user_agent", record.user_agent},
                                                   {"region", record.region},
                                                   {"error_code", record.error_code},
                                                   {"event_type", record.event_type}});
  std::string_view account =
      !record.recipient_account.empty() ? record.recipient_account : record.account_id;
  return ctx_.finish(event, payload, record.has_ts, identity, EnvKey::kAccount, account);
}

void CloudTrailDecoder::add_revocation(EventBatch& batch, const Event& event,
                                       const Record& record) {
  if (event.outcome != Outcome::kSuccess || record.request_key_id.empty()) return;
  bool revoked = record.event_name == "DeleteAccessKey" ||
                 (record.event_name == "UpdateAccessKey" && record.request_status == "Inactive");
  if (!revoked) return;
  std::string_view credential = ctx_.mapping() != nullptr
                                    ? ctx_.mapping()->credential_for(record.request_key_id)
                                    : record.request_key_id;
  ctx_.add_control(batch, "revoke", "credential", credential, event.ts_us, event.position);
}

}  // namespace

DecoderResult make_cloudtrail_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                      const FormatOptions& format_options) {
  return make_initialised<CloudTrailDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
