#include "detect/fact_resolver.h"

namespace aw::detect {
namespace {

using rules::FieldId;
using rules::FieldValue;

bool any_matches(const std::vector<rules::Glob>& globs, std::string_view text) {
  if (globs.empty()) return true;
  for (const rules::Glob& glob : globs) {
    if (glob.matches(text)) return true;
  }
  return false;
}

}  // namespace

const AgentVersion* FactResolver::agent() {
  if (once(kAgent)) agent_ = registry_.agent_at(event_.actor_id, event_.ts_us);
  return agent_;
}

const Credential* FactResolver::credential() {
  if (once(kCredential) && !event_.credential_id.empty()) {
    credential_ = registry_.credential(event_.credential_id);
  }
  return credential_;
}

EnvMask FactResolver::env() {
  if (once(kEnv)) env_ = registry_.env_bit(event_.env);
  return env_;
}

const Freeze* FactResolver::freeze() {
  if (once(kFreeze)) freeze_ = registry_.freeze_at(env(), event_.resource_name, event_.ts_us);
  return freeze_;
}

const Approval* FactResolver::approval() {
  if (once(kApproval)) {
    approval_ = registry_.approval_at(event_.actor_id, event_.action_class, event_.resource_name,
                                      event_.ts_us, false);
  }
  return approval_;
}

const Approval* FactResolver::break_glass() {
  if (once(kBreakGlass)) {
    break_glass_ = registry_.approval_at(event_.actor_id, event_.action_class, event_.resource_name,
                                         event_.ts_us, true);
  }
  return break_glass_;
}

bool FactResolver::is_agent() {
  const AgentVersion* a = agent();
  return a != nullptr ? a->kind == AgentKind::kAgent
                      : event_.actor_type == ingest::ActorType::kAgent;
}

void FactResolver::compute_scope() {
  if (!once(kScope)) return;
  const AgentVersion* a = agent();
  if (a == nullptr) return;
  if (a->scopes.empty()) {
    scope_missing_ = "no scopes";
    return;
  }
  const EnvMask env_bit = env();
  const ClassMask class_mask = class_bit(event_.action_class);
  int best_matched = -1;
  for (const Scope& scope : a->scopes) {
    // Cheapest tests first; the first failing dimension explains the miss.
    std::string_view missing;
    int matched = 0;
    auto check = [&](bool ok, std::string_view name) {
      if (ok) {
        ++matched;
      } else if (missing.empty()) {
        missing = name;
      }
    };
    check(scope.valid.contains(event_.ts_us), "time");
    check((scope.classes & class_mask) != 0, "class");
    check((scope.envs & env_bit) != 0, "env");
    check(any_matches(scope.tools, event_.tool), "tool");
    check(any_matches(scope.resources, event_.resource_name), "resource");
    if (missing.empty()) {
      scope_covered_ = true;
      scope_missing_ = {};
      return;
    }
    if (matched > best_matched) {
      best_matched = matched;
      scope_missing_ = missing;
    }
  }
}

FieldValue FactResolver::get(FieldId id) {
  auto time_value = [](int64_t us) {
    return us == kBeginningOfTime ? FieldValue::absent() : FieldValue::of(us);
  };
  auto optional_time = [](const std::optional<int64_t>& us) {
    return us ? FieldValue::of(*us) : FieldValue::absent();
  };
  const ingest::Event& e = event_;
  switch (id) {
    case FieldId::kEventId:
      return FieldValue::of(e.id);
    case FieldId::kSource:
      return FieldValue::of(e.source);
    case FieldId::kSeq:
      return e.has_seq ? FieldValue::of(static_cast<int64_t>(e.seq)) : FieldValue::absent();
    case FieldId::kTs:
      return FieldValue::of(e.ts_us);
    case FieldId::kActorId:
      return FieldValue::of(e.actor_id);
    case FieldId::kActorType:
      return FieldValue::of(ingest::actor_type_name(e.actor_type));
    case FieldId::kCredentialId:
      return FieldValue::of(e.credential_id);
    case FieldId::kSession:
      return FieldValue::of(e.session);
    case FieldId::kTask:
      return FieldValue::of(e.task);
    case FieldId::kActionTool:
      return FieldValue::of(e.tool);
    case FieldId::kActionVerb:
      return FieldValue::of(e.verb);
    case FieldId::kActionClass:
      return FieldValue::of(ingest::action_class_name(e.action_class));
    case FieldId::kResourceType:
      return FieldValue::of(e.resource_type);
    case FieldId::kResourceName:
      return FieldValue::of(e.resource_name);
    case FieldId::kEnv:
      return FieldValue::of(e.env);
    case FieldId::kOutcome:
      return e.outcome == ingest::Outcome::kUnset ? FieldValue::absent()
                                                  : FieldValue::of(ingest::outcome_name(e.outcome));
    case FieldId::kApproval:
      return FieldValue::of(e.approval);
    case FieldId::kSrcIp:
      return FieldValue::of(e.src_ip);

    case FieldId::kAgentRegistered:
      return FieldValue::of(agent() != nullptr);
    case FieldId::kAgentKind:
      return agent() ? FieldValue::of(agent_kind_name(agent_->kind)) : FieldValue::absent();
    case FieldId::kAgentIsAgent:
      return FieldValue::of(is_agent());
    case FieldId::kAgentStatus:
      return agent() ? FieldValue::of(agent_status_name(agent_->status)) : FieldValue::absent();
    case FieldId::kAgentOwner:
      return agent() ? FieldValue::of(std::string_view(agent_->owner)) : FieldValue::absent();
    case FieldId::kScopeCovered:
      compute_scope();
      return agent() ? FieldValue::of(scope_covered_) : FieldValue::absent();
    case FieldId::kScopeMissing:
      compute_scope();
      return FieldValue::of(scope_missing_);

    case FieldId::kCredentialKnown:
      return e.credential_id.empty() ? FieldValue::absent()
                                     : FieldValue::of(credential() != nullptr);
    case FieldId::kCredentialOwner:
      return credential() ? FieldValue::of(std::string_view(credential_->agent))
                          : FieldValue::absent();
    case FieldId::kCredentialKind:
      return credential() ? FieldValue::of(credential_kind_name(credential_->kind))
                          : FieldValue::absent();
    case FieldId::kCredentialEnv:
      return credential() ? FieldValue::of(std::string_view(credential_->env))
                          : FieldValue::absent();
    case FieldId::kCredentialIssuedAt:
      return credential() ? time_value(credential_->issued_at) : FieldValue::absent();
    case FieldId::kCredentialExpiresAt:
      return credential() ? optional_time(credential_->expires_at) : FieldValue::absent();
    case FieldId::kCredentialRevokedAt:
      return credential() ? optional_time(credential_->revoked_at) : FieldValue::absent();
    case FieldId::kCredentialRevoked:
      if (!credential()) return FieldValue::absent();
      return FieldValue::of(credential_->revoked_at.has_value() &&
                            *credential_->revoked_at <= e.ts_us);
    case FieldId::kCredentialExpired:
      if (!credential()) return FieldValue::absent();
      return FieldValue::of(credential_->expires_at.has_value() &&
                            *credential_->expires_at <= e.ts_us);
    case FieldId::kCredentialLifetime:
      if (!credential() || !credential_->expires_at || credential_->issued_at == kBeginningOfTime) {
        return FieldValue::absent();
      }
      return FieldValue::of(*credential_->expires_at - credential_->issued_at);
    case FieldId::kCredentialLongLived: {
      if (!credential()) return FieldValue::absent();
      const Credential& c = *credential_;
      if (c.kind == CredentialKind::kStatic || !c.expires_at) return FieldValue::of(true);
      // An unknown issue time leaves the lifetime unknown: judge by what is known.
      if (c.issued_at == kBeginningOfTime) return FieldValue::of(false);
      return FieldValue::of(*c.expires_at - c.issued_at > registry_.policy().max_credential_ttl_us);
    }
    case FieldId::kCredentialShared:
      if (!credential()) return FieldValue::absent();
      return FieldValue::of(credential_->agent != e.actor_id ||
                            (credential_->kind == CredentialKind::kHuman && is_agent()));
    case FieldId::kCredentialEnvMismatch:
      if (!credential() || credential_->env_bit == 0 || e.env.empty()) return FieldValue::absent();
      // Interned envs compare by bit; envs past the interning limit share one and need the names.
      if (credential_->env_bit != env()) return FieldValue::of(true);
      return FieldValue::of(env() == kUnnamedEnvs && credential_->env != e.env);

    case FieldId::kFreezeActive:
      return FieldValue::of(freeze() != nullptr);
    case FieldId::kFreezeId:
      return freeze() ? FieldValue::of(std::string_view(freeze_->id)) : FieldValue::absent();
    case FieldId::kFreezeReason:
      return freeze() ? FieldValue::of(std::string_view(freeze_->reason)) : FieldValue::absent();
    case FieldId::kApprovalCovers:
      return FieldValue::of(approval() != nullptr);
    case FieldId::kApprovalBreakGlass:
      return FieldValue::of(break_glass() != nullptr);
    case FieldId::kApprovalId: {
      const Approval* a = break_glass() ? break_glass_ : approval();
      return a ? FieldValue::of(std::string_view(a->id)) : FieldValue::absent();
    }
    case FieldId::kPolicyApprovalRequired:
      return FieldValue::of((registry_.policy().approval_required_envs & env()) != 0);
    case FieldId::kPolicySnapshotRequired:
      return FieldValue::of((registry_.policy().snapshot_required_envs & env()) != 0);

    case FieldId::kSnapshotRecent:
    case FieldId::kSnapshotLast:
      if (once(kSnapshot)) {
        snapshot_last_ = state_.last_snapshot(e.resource_name, e.ts_us);
      }
      if (id == FieldId::kSnapshotRecent) {
        return FieldValue::of(snapshot_last_.has_value() &&
                              *snapshot_last_ >= e.ts_us - registry_.policy().snapshot_window_us);
      }
      return snapshot_last_ ? FieldValue::of(*snapshot_last_) : FieldValue::absent();
    case FieldId::kHistoryCodeWritten:
      if (once(kCodeWritten))
        code_written_ = state_.code_written(e.actor_id, e.task, e.session, e.ts_us);
      return FieldValue::of(code_written_);
    case FieldId::kSourceSeqGap:
      return FieldValue::of(seq_gap_);
    case FieldId::kSourceExpectedSeq:
      return seq_gap_ ? FieldValue::of(static_cast<int64_t>(expected_seq_)) : FieldValue::absent();
    case FieldId::kCount:
      break;
  }
  return FieldValue::absent();
}

}  // namespace aw::detect
