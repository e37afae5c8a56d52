// Registry: who the agents are, what they may touch, which credentials they hold, the freezes,
// approvals and policy, with each entity's history, so an event is judged against the state valid
// at the event's own time (DESIGN.md, "Time").
//
// How time works per entity:
//  - Agents keep versions. An update with effective time `at` starts a new version from `at`
//    (status, owner, kind, scopes); agent_at(id, t) returns the version valid at t. Agents from
//    the registry file are valid from the beginning of time. `revoke` suspends the agent from
//    `at`; `delete` decommissions it from `at` (its history stays: evidence must stay
//    explainable).
//  - Credentials, freezes and approvals carry their own instants and intervals (issued_at,
//    expires_at, revoked_at; [from, until)); the latest definition applies. `revoke` of a
//    credential sets revoked_at to `at` unless it was revoked earlier; `delete` of a credential
//    revokes it at `at`; `delete` of a freeze or approval removes it.
// Every interval is half-open, [from, until).
//
// Thread-safety: owned by the detect thread. Updates apply between events, in arrival order; the
// hot path only reads. A deployment with several detect threads gives each its own registry fed
// by the same update stream (the registry topic is read by every instance).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/id_index.h"
#include "ingest/event.h"
#include "rules/glob.h"
#include "rules/program.h"

namespace aw::detect {

inline constexpr int64_t kBeginningOfTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kEndOfTime = std::numeric_limits<int64_t>::max();

struct Interval {
  int64_t from = kBeginningOfTime;
  int64_t until = kEndOfTime;
  bool contains(int64_t t) const { return from <= t && t < until; }
};

// Environments are interned to small ids so scopes, freezes and policy test them with one bit.
using EnvMask = uint64_t;
inline constexpr EnvMask kAllEnvs = ~EnvMask{0};
inline constexpr int kMaxEnvs = 63;  // id 63 stands for every env not named anywhere
inline constexpr EnvMask kUnnamedEnvs = EnvMask{1} << kMaxEnvs;

// One bit per ingest::ActionClass, as rule conditions index them (rules/program.h).
using ClassMask = uint16_t;
using rules::class_bit;
using rules::kAllClasses;

enum class AgentKind : uint8_t { kAgent, kService, kBot, kHuman };
enum class AgentStatus : uint8_t { kActive, kSuspended, kDecommissioned };
enum class CredentialKind : uint8_t { kJit, kStatic, kHuman };
std::string_view agent_kind_name(AgentKind kind);
std::string_view agent_status_name(AgentStatus status);
std::string_view credential_kind_name(CredentialKind kind);

// In scope = every field the scope sets matches; an empty list matches anything.
struct Scope {
  std::vector<rules::Glob> tools;
  ClassMask classes = kAllClasses;
  std::vector<rules::Glob> resources;
  EnvMask envs = kAllEnvs;
  Interval valid;
};

struct AgentVersion {
  int64_t from = kBeginningOfTime;  // effective time of the definition or update
  AgentKind kind = AgentKind::kAgent;
  AgentStatus status = AgentStatus::kActive;
  std::string owner;
  std::vector<Scope> scopes;
};

struct Agent {
  std::string id;
  std::vector<AgentVersion> versions;  // sorted by `from`
};

// Performance note: the fields every judged event reads come first, so they share the entry's
// first cache line or two (the engine prefetches both).
struct Credential {
  CredentialKind kind = CredentialKind::kJit;
  EnvMask env_bit = 0;  // env's bit (Registry::env_bit), 0 when env is empty; set by the registry
  int64_t issued_at = kBeginningOfTime;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
  std::string agent;
  std::string env;
  std::string id;
};

struct Freeze {
  std::string id;
  EnvMask envs = kAllEnvs;
  std::vector<rules::Glob> resources;  // empty = every resource
  Interval window;
  std::string reason;
};

struct Approval {
  std::string id;
  std::string agent;
  ClassMask classes = kAllClasses;
  std::vector<rules::Glob> resources;
  Interval window;
  std::vector<std::string> approvers;
  bool break_glass = false;
};

struct Policy {
  // DESIGN.md defaults.
  int64_t max_credential_ttl_us = 3600LL * 1000000;  // Default: 1h
  int64_t snapshot_window_us = 900LL * 1000000;      // Default: 15m
  EnvMask snapshot_required_envs = 0;
  EnvMask approval_required_envs = 0;
};

// One applied registry change, for audit and for the "registry state at this time" views.
struct RegistryChange {
  std::string op;    // load | upsert | revoke | delete
  std::string kind;  // agent | credential | freeze | approval | policy
  std::string id;
  int64_t at = kBeginningOfTime;
};

class Registry {
 public:
  Registry();
  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;

  // Look-ups on the hot path. Pointers stay valid until the next change to the same entity
  // kind (updates apply between events, so within one event they are stable).
  const Agent* agent(std::string_view id) const { return agent_index_.find(id); }
  const AgentVersion* agent_at(std::string_view id, int64_t t) const {
    return version_at(agent(id), t);
  }
  const Credential* credential(std::string_view id) const { return credential_index_.find(id); }
  // The same look-ups in steps, for a batch: hash every id, prefetch, then find (see
  // detect/id_index.h).
  const IdIndex<Agent>& agent_index() const { return agent_index_; }
  const IdIndex<Credential>& credential_index() const { return credential_index_; }
  // The version of `agent` valid at t, or null (also for a null agent).
  static const AgentVersion* version_at(const Agent* agent, int64_t t);
  const Policy& policy() const { return policy_; }
  // The env's bit; envs never named in the registry share the last bit (kUnnamedEnvs).
  EnvMask env_bit(std::string_view env) const;
  // The first freeze covering env and resource at t, or null.
  const Freeze* freeze_at(EnvMask env, std::string_view resource, int64_t t) const;
  // The covering approval of agent, class and resource at t, break-glass ones first; null when
  // none. `break_glass_only` restricts to break-glass grants.
  const Approval* approval_at(std::string_view agent, ingest::ActionClass action_class,
                              std::string_view resource, int64_t t, bool break_glass_only) const;

  size_t agent_count() const { return agents_.size(); }
  size_t credential_count() const { return credentials_.size(); }
  size_t freeze_count() const { return freezes_.size(); }
  size_t approval_count() const;
  const std::vector<RegistryChange>& changes() const { return changes_; }
  // Every agent and credential, in no particular order (reports walk the whole inventory).
  const absl::node_hash_map<std::string, Agent>& agents() const { return agents_; }
  const absl::node_hash_map<std::string, Credential>& credentials() const { return credentials_; }

  // Mutations, used by the loader and the update applier (detect/registry_loader.h).
  EnvMask intern_env(std::string_view env);  // may return the shared bit when full
  void put_agent_version(const std::string& id, AgentVersion version);
  void put_credential(Credential credential);
  void revoke_credential(std::string_view id, int64_t at);
  void put_freeze(Freeze freeze);
  bool remove_freeze(std::string_view id);
  void put_approval(Approval approval);
  bool remove_approval(std::string_view id);
  Policy& mutable_policy() { return policy_; }
  void record_change(RegistryChange change) { changes_.push_back(std::move(change)); }

 private:
  // Node maps: the indexes below point at the entries, which must not move.
  absl::node_hash_map<std::string, Agent> agents_;
  absl::node_hash_map<std::string, Credential> credentials_;
  IdIndex<Agent> agent_index_;
  IdIndex<Credential> credential_index_;
  // Few envs (at most kMaxEnvs): a linear scan beats hashing the name.
  std::vector<std::pair<std::string, EnvMask>> envs_;
  std::vector<Freeze> freezes_;
  absl::flat_hash_map<std::string, std::vector<Approval>> approvals_by_agent_;
  Policy policy_;
  std::vector<RegistryChange> changes_;
};

}  // namespace aw::detect
