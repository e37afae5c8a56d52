#include "detect/registry.h"

#include <algorithm>

namespace aw::detect {

std::string_view agent_kind_name(AgentKind kind) {
  switch (kind) {
    case AgentKind::kAgent:
      return "agent";
    case AgentKind::kService:
      return "service";
    case AgentKind::kBot:
      return "bot";
    case AgentKind::kHuman:
      return "human";
  }
  return "agent";
}

std::string_view agent_status_name(AgentStatus status) {
  switch (status) {
    case AgentStatus::kActive:
      return "active";
    case AgentStatus::kSuspended:
      return "suspended";
    case AgentStatus::kDecommissioned:
      return "decommissioned";
  }
  return "active";
}

std::string_view credential_kind_name(CredentialKind kind) {
  switch (kind) {
    case CredentialKind::kJit:
      return "jit";
    case CredentialKind::kStatic:
      return "static";
    case CredentialKind::kHuman:
      return "human";
  }
  return "jit";
}

namespace {

bool any_glob_matches(const std::vector<rules::Glob>& globs, std::string_view text) {
  if (globs.empty()) return true;
  for (const rules::Glob& glob : globs) {
    if (glob.matches(text)) return true;
  }
  return false;
}

// Debian's abseil has its own string_view type: heterogeneous look-ups need it spelled out.
absl::string_view key(std::string_view text) { return absl::string_view(text.data(), text.size()); }

}  // namespace

Registry::Registry() = default;

const AgentVersion* Registry::version_at(const Agent* agent, int64_t t) {
  if (agent == nullptr) return nullptr;
  const auto& versions = agent->versions;
  if (versions.size() == 1) return versions[0].from <= t ? &versions[0] : nullptr;
  // The last version whose `from` is at or before t.
  auto it = std::upper_bound(versions.begin(), versions.end(), t,
                             [](int64_t time, const AgentVersion& v) { return time < v.from; });
  if (it == versions.begin()) return nullptr;
  return &*(it - 1);
}

EnvMask Registry::env_bit(std::string_view env) const {
  for (const auto& [name, bit] : envs_) {
    if (name == env) return bit;
  }
  return kUnnamedEnvs;
}

EnvMask Registry::intern_env(std::string_view env) {
  for (const auto& [name, bit] : envs_) {
    if (name == env) return bit;
  }
  if (envs_.size() >= static_cast<size_t>(kMaxEnvs)) return kUnnamedEnvs;
  EnvMask bit = EnvMask{1} << envs_.size();
  envs_.emplace_back(std::string(env), bit);
  return bit;
}

const Freeze* Registry::freeze_at(EnvMask env, std::string_view resource, int64_t t) const {
  for (const Freeze& freeze : freezes_) {
    if ((freeze.envs & env) != 0 && freeze.window.contains(t) &&
        any_glob_matches(freeze.resources, resource)) {
      return &freeze;
    }
  }
  return nullptr;
}

const Approval* Registry::approval_at(std::string_view agent, ingest::ActionClass action_class,
                                      std::string_view resource, int64_t t,
                                      bool break_glass_only) const {
  auto it = approvals_by_agent_.find(key(agent));
  if (it == approvals_by_agent_.end()) return nullptr;
  const Approval* found = nullptr;
  for (const Approval& approval : it->second) {
    if ((approval.classes & class_bit(action_class)) == 0 || !approval.window.contains(t) ||
        !any_glob_matches(approval.resources, resource)) {
      continue;
    }
    if (approval.break_glass) return &approval;
    if (!break_glass_only && found == nullptr) found = &approval;
  }
  return found;
}

size_t Registry::approval_count() const {
  size_t n = 0;
  for (const auto& [agent, approvals] : approvals_by_agent_) n += approvals.size();
  return n;
}

void Registry::put_agent_version(const std::string& id, AgentVersion version) {
  auto [entry, inserted] = agents_.try_emplace(id);
  Agent& agent = entry->second;
  if (inserted) {
    agent.id = id;
    agent_index_.insert(&agent);
  }
  auto& versions = agent.versions;
  // Keep versions ordered by effective time; a second definition for the same instant wins.
  auto it = std::lower_bound(versions.begin(), versions.end(), version.from,
                             [](const AgentVersion& v, int64_t from) { return v.from < from; });
  if (it != versions.end() && it->from == version.from) {
    *it = std::move(version);
  } else {
    versions.insert(it, std::move(version));
  }
}

void Registry::put_credential(Credential credential) {
  credential.env_bit = credential.env.empty() ? 0 : intern_env(credential.env);
  auto [it, inserted] = credentials_.try_emplace(credential.id);
  it->second = std::move(credential);
  if (inserted) credential_index_.insert(&it->second);
}

void Registry::revoke_credential(std::string_view id, int64_t at) {
  auto it = credentials_.find(key(id));
  if (it == credentials_.end()) return;
  auto& revoked_at = it->second.revoked_at;
  if (!revoked_at || *revoked_at > at) revoked_at = at;
}

void Registry::put_freeze(Freeze freeze) {
  for (Freeze& existing : freezes_) {
    if (existing.id == freeze.id) {
      existing = std::move(freeze);
      return;
    }
  }
  freezes_.push_back(std::move(freeze));
}

bool Registry::remove_freeze(std::string_view id) {
  auto it =
      std::find_if(freezes_.begin(), freezes_.end(), [&](const Freeze& f) { return f.id == id; });
  if (it == freezes_.end()) return false;
  freezes_.erase(it);
  return true;
}

void Registry::put_approval(Approval approval) {
  remove_approval(approval.id);
  std::string agent = approval.agent;
  approvals_by_agent_[agent].push_back(std::move(approval));
}

bool Registry::remove_approval(std::string_view id) {
  for (auto& [agent, approvals] : approvals_by_agent_) {
    auto it = std::find_if(approvals.begin(), approvals.end(),
                           [&](const Approval& a) { return a.id == id; });
    if (it != approvals.end()) {
      approvals.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace aw::detect
