// The vocabulary of rule conditions: every field a condition, a group-by or an output template
// may name, with its type. Event fields come from the normalized event; facts are computed per
// event by the detect stage from the registry as it was at the event's time and from bounded
// correlation state (DESIGN.md, "Built-in rules").
//
// The rules library compiles names to FieldIds once; at run time the detect stage answers a
// FieldId with a FieldValue. This header is the contract between the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aw::rules {

enum class FieldType : uint8_t {
  kString,  // text; enumerations (action.class, outcome, agent.status, ...) are text too
  kBool,
  kInt,       // a count or sequence number
  kTime,      // µs since the epoch, UTC; compared with RFC 3339 constants
  kDuration,  // µs; compared with duration constants such as 60s, 15m, 1h
};

// X-macro: name, identifier, type, meaning. Order is stable within a build only.
#define AW_RULE_FIELDS(X)                                                                          \
  /* the event */                                                                                  \
  X("id", kEventId, kString, "the event's own id")                                                 \
  X("source", kSource, kString, "the producer of the record")                                      \
  X("seq", kSeq, kInt, "the per-source sequence number; absent when the record has none")          \
  X("ts", kTs, kTime, "event time")                                                                \
  X("actor.id", kActorId, kString, "who acted")                                                    \
  X("actor.type", kActorType, kString, "agent | service | human | bot | unknown, as recorded")     \
  X("credential.id", kCredentialId, kString, "the credential used; absent when none")              \
  X("session", kSession, kString, "session id")                                                    \
  X("task", kTask, kString, "task or change id")                                                   \
  X("action.tool", kActionTool, kString, "tool name")                                              \
  X("action.verb", kActionVerb, kString, "verb (SQL statement, HTTP method, k8s verb)")            \
  X("action.class", kActionClass, kString,                                                         \
    "read | write | delete | admin | escalate | publish "                                          \
    "| sign | snapshot | exec | unknown")                                                          \
  X("resource.type", kResourceType, kString, "resource type")                                      \
  X("resource.name", kResourceName, kString, "resource name")                                      \
  X("env", kEnv, kString, "environment")                                                           \
  X("outcome", kOutcome, kString, "success | failure | denied | unknown")                          \
  X("approval", kApproval, kString, "approval id named by the record")                             \
  X("src_ip", kSrcIp, kString, "source address")                                                   \
  /* the agent, as registered at ts */                                                             \
  X("agent.registered", kAgentRegistered, kBool, "the actor is in the registry")                   \
  X("agent.kind", kAgentKind, kString, "agent | service | bot | human (registry)")                 \
  X("agent.is_agent", kAgentIsAgent, kBool,                                                        \
    "the actor is an AI agent: registry kind agent, or recorded actor.type agent if unregistered") \
  X("agent.status", kAgentStatus, kString, "active | suspended | decommissioned at ts")            \
  X("agent.owner", kAgentOwner, kString, "owning team; absent when none")                          \
  X("scope.covered", kScopeCovered, kBool,                                                         \
    "some scope of the agent, valid at ts, covers tool, "                                          \
    "class, resource and env")                                                                     \
  X("scope.missing", kScopeMissing, kString,                                                       \
    "what the closest scope lacked: tool | class | resource | env | time | no scopes")             \
  /* the credential, as registered */                                                              \
  X("credential.known", kCredentialKnown, kBool, "the credential is in the registry")              \
  X("credential.owner", kCredentialOwner, kString, "the agent the credential belongs to")          \
  X("credential.kind", kCredentialKind, kString, "jit | static | human")                           \
  X("credential.env", kCredentialEnv, kString, "the env it was issued for")                        \
  X("credential.issued_at", kCredentialIssuedAt, kTime, "issue time")                              \
  X("credential.expires_at", kCredentialExpiresAt, kTime, "expiry; absent when none")              \
  X("credential.revoked_at", kCredentialRevokedAt, kTime, "revocation; absent when none")          \
  X("credential.revoked", kCredentialRevoked, kBool, "revoked_at <= ts")                           \
  X("credential.expired", kCredentialExpired, kBool, "expires_at <= ts")                           \
  X("credential.lifetime", kCredentialLifetime, kDuration,                                         \
    "expires_at - issued_at; absent "                                                              \
    "when it never expires")                                                                       \
  X("credential.long_lived", kCredentialLongLived, kBool,                                          \
    "static, or lifetime longer than policy.max_credential_ttl")                                   \
  X("credential.shared", kCredentialShared, kBool,                                                 \
    "belongs to another actor, or is a human's credential used by an agent")                       \
  X("credential.env_mismatch", kCredentialEnvMismatch, kBool,                                      \
    "issued for one env, used in another")                                                         \
  /* freezes, approvals, policy at ts */                                                           \
  X("freeze.active", kFreezeActive, kBool, "a freeze covers env and resource at ts")               \
  X("freeze.id", kFreezeId, kString, "the covering freeze")                                        \
  X("freeze.reason", kFreezeReason, kString, "its reason")                                         \
  X("approval.covers", kApprovalCovers, kBool, "an approval covers agent, class, resource and ts") \
  X("approval.break_glass", kApprovalBreakGlass, kBool,                                            \
    "a break-glass approval covers agent, class, resource and ts")                                 \
  X("approval.id", kApprovalId, kString, "the covering approval (break-glass first)")              \
  X("policy.approval_required", kPolicyApprovalRequired, kBool,                                    \
    "env is in policy.approval_required_envs")                                                     \
  X("policy.snapshot_required", kPolicySnapshotRequired, kBool,                                    \
    "env is in policy.snapshot_required_envs")                                                     \
  /* correlation state */                                                                          \
  X("snapshot.recent", kSnapshotRecent, kBool,                                                     \
    "a successful snapshot of resource.name within "                                               \
    "policy.snapshot_window before ts")                                                            \
  X("snapshot.last", kSnapshotLast, kTime, "the last snapshot of resource.name before ts")         \
  X("history.code_written", kHistoryCodeWritten, kBool,                                            \
    "the actor wrote code earlier in the same task or session")                                    \
  X("source.seq_gap", kSourceSeqGap, kBool, "seq skipped numbers since the source's last record")  \
  X("source.expected_seq", kSourceExpectedSeq, kInt, "the seq that was due")

enum class FieldId : uint8_t {
#define AW_FIELD_ENUM(name, id, type, doc) id,
  AW_RULE_FIELDS(AW_FIELD_ENUM)
#undef AW_FIELD_ENUM
      kCount
};

inline constexpr int kFieldCount = static_cast<int>(FieldId::kCount);

struct FieldInfo {
  std::string_view name;
  FieldId id;
  FieldType type;
  std::string_view doc;
};

// Every field, in FieldId order.
const FieldInfo* field_infos();
const FieldInfo& field_info(FieldId id);
// The field of a dotted name, or nullopt.
std::optional<FieldId> find_field(std::string_view name);

// A field's value for one event. Absent fields (no credential, no freeze) have kind kAbsent:
// comparisons with them are false, `exists(f)` is false, and `not` of such a comparison is true.
struct FieldValue {
  enum class Kind : uint8_t { kAbsent, kString, kBool, kInt } kind = Kind::kAbsent;
  bool boolean = false;
  int64_t integer = 0;      // kInt, and times and durations in µs
  std::string_view string;  // valid while the event and the registry entry live

  static FieldValue absent() { return {}; }
  static FieldValue of(bool b) { return {Kind::kBool, b, 0, {}}; }
  static FieldValue of(int64_t i) { return {Kind::kInt, false, i, {}}; }
  static FieldValue of(std::string_view s) {
    return s.empty() ? absent() : FieldValue{Kind::kString, false, 0, s};
  }
};

}  // namespace aw::rules
