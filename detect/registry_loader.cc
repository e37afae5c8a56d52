#include "detect/registry_loader.h"

#include <yaml-cpp/yaml.h>

#include <initializer_list>

#include "ingest/text_file.h"
#include "ingest/timestamp.h"
#include "rules/duration.h"

namespace aw::detect {
namespace {

// Reads registry entities from YAML nodes, collecting every problem with its position.
class EntityReader {
 public:
  EntityReader(Registry& registry, std::string_view origin)
      : registry_(registry), origin_(origin) {}

  std::vector<std::string> problems;

  void problem(const YAML::Node& node, std::string_view field, std::string_view reason) {
    // A missing node has no position (and yaml-cpp throws if asked): report the file only.
    const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    std::string where(origin_);
    if (mark.line >= 0) {
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    problems.push_back(where + ": " + std::string(field) + ": " + std::string(reason));
  }

  // Reports keys of `node` outside `allowed`.
  void check_keys(const YAML::Node& node, std::string_view what,
                  std::initializer_list<std::string_view> allowed) {
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      bool known = false;
      for (std::string_view a : allowed) known = known || a == key;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        problem(entry.first, std::string(what) + "." + key,
                "unknown key (expected one of " + list + ")");
      }
    }
  }

  // A string under `key` of `parent`; a missing required one is reported at the parent.
  bool string(const YAML::Node& parent, const char* key, std::string_view field, std::string* out,
              bool required) {
    const YAML::Node node = parent[key];
    if (!node) {
      if (required) problem(parent, field, "missing");
      return !required;
    }
    if (!node.IsScalar()) {
      problem(node, field, "must be a string");
      return false;
    }
    *out = node.Scalar();
    if (required && out->empty()) {
      problem(node, field, "must not be empty");
      return false;
    }
    return true;
  }

  bool time(const YAML::Node& node, std::string_view field, int64_t* out) {
    if (!node.IsScalar()) {
      problem(node, field, "must be an RFC 3339 time");
      return false;
    }
    if (!ingest::parse_rfc3339(node.Scalar(), out)) {
      problem(node, field,
              "'" + node.Scalar() + "' is not an RFC 3339 time (2026-11-20T09:00:00Z)");
      return false;
    }
    return true;
  }

  bool duration(const YAML::Node& node, std::string_view field, int64_t* out) {
    if (!node.IsScalar() || !rules::parse_duration(node.Scalar(), out)) {
      problem(node, field,
              "'" + (node.IsScalar() ? node.Scalar() : std::string("?")) +
                  "' is not a duration (30s, 15m, 1h, 7d)");
      return false;
    }
    return true;
  }

  bool sequence(const YAML::Node& node, std::string_view field) {
    if (!node.IsSequence()) {
      problem(node, field, "must be a list");
      return false;
    }
    return true;
  }

  EnvMask envs(const YAML::Node& node, std::string_view field) {
    if (!node) return kAllEnvs;
    if (!sequence(node, field)) return kAllEnvs;
    EnvMask mask = 0;
    for (const auto& env : node) {
      if (!env.IsScalar() || env.Scalar().empty()) {
        problem(env, field, "an env is a non-empty string");
        continue;
      }
      mask |= registry_.intern_env(env.Scalar());
    }
    return mask;
  }

  ClassMask classes(const YAML::Node& node, std::string_view field) {
    if (!node) return kAllClasses;
    if (!sequence(node, field)) return kAllClasses;
    ClassMask mask = 0;
    for (const auto& name : node) {
      ingest::ActionClass action_class;
      if (!name.IsScalar() || !ingest::parse_action_class(name.Scalar(), &action_class)) {
        problem(name, field,
                "unknown class '" + (name.IsScalar() ? name.Scalar() : std::string("?")) +
                    "' (read, write, delete, admin, escalate, publish, sign, snapshot, exec)");
        continue;
      }
      mask |= class_bit(action_class);
    }
    return mask;
  }

  std::vector<rules::Glob> globs(const YAML::Node& node, std::string_view field) {
    std::vector<rules::Glob> out;
    if (!node || !sequence(node, field)) return out;
    for (const auto& pattern : node) {
      if (!pattern.IsScalar()) {
        problem(pattern, field, "a pattern is a string");
        continue;
      }
      auto glob = rules::Glob::compile(pattern.Scalar());
      if (!glob.ok()) {
        problem(pattern, field, glob.status().message());
        continue;
      }
      out.push_back(std::move(glob.value()));
    }
    return out;
  }

  bool interval(const YAML::Node& node, std::string_view what, Interval* out) {
    bool ok = true;
    if (node["from"]) ok = time(node["from"], std::string(what) + ".from", &out->from) && ok;
    if (node["until"]) ok = time(node["until"], std::string(what) + ".until", &out->until) && ok;
    if (ok && out->from >= out->until) {
      problem(node, what, "`from` must be before `until` (intervals are [from, until))");
      ok = false;
    }
    return ok;
  }

  Scope scope(const YAML::Node& node, std::string_view what) {
    Scope s;
    if (!node.IsMap()) {
      problem(node, what, "a scope is a map of tools, classes, resources, envs, from, until");
      return s;
    }
    check_keys(node, what, {"tools", "classes", "resources", "envs", "from", "until"});
    s.tools = globs(node["tools"], std::string(what) + ".tools");
    s.classes = classes(node["classes"], std::string(what) + ".classes");
    s.resources = globs(node["resources"], std::string(what) + ".resources");
    s.envs = envs(node["envs"], std::string(what) + ".envs");
    interval(node, what, &s.valid);
    return s;
  }

  // An agent definition; `body` may omit id when the update names it.
  bool agent(const YAML::Node& body, std::string id, int64_t from, const AgentVersion* previous) {
    const size_t before = problems.size();
    if (!body.IsMap()) {
      problem(body, "agent", "must be a map");
      return false;
    }
    check_keys(body, "agent", {"id", "owner", "kind", "status", "scopes"});
    if (id.empty()) string(body, "id", "agent.id", &id, true);
    AgentVersion version;
    if (previous != nullptr) version = *previous;  // an update changes what it names
    version.from = from;
    if (body["owner"]) string(body, "owner", "agent.owner", &version.owner, false);
    if (const YAML::Node kind = body["kind"]) {
      std::string k = kind.IsScalar() ? kind.Scalar() : "";
      if (k == "agent") {
        version.kind = AgentKind::kAgent;
      } else if (k == "service") {
        version.kind = AgentKind::kService;
      } else if (k == "bot") {
        version.kind = AgentKind::kBot;
      } else if (k == "human") {
        version.kind = AgentKind::kHuman;
      } else {
        problem(kind, "agent.kind", "'" + k + "' is not agent, service, bot or human");
      }
    }
    if (const YAML::Node status = body["status"]) {
      std::string s = status.IsScalar() ? status.Scalar() : "";
      if (s == "active") {
        version.status = AgentStatus::kActive;
      } else if (s == "suspended") {
        version.status = AgentStatus::kSuspended;
      } else if (s == "decommissioned") {
        version.status = AgentStatus::kDecommissioned;
      } else {
        problem(status, "agent.status", "'" + s + "' is not active, suspended or decommissioned");
      }
    }
    if (const YAML::Node scopes = body["scopes"]) {
      version.scopes.clear();
      if (sequence(scopes, "agent.scopes")) {
        for (size_t i = 0; i < scopes.size(); ++i) {
          version.scopes.push_back(scope(scopes[i], "agent.scopes[" + std::to_string(i) + "]"));
        }
      }
    }
    if (problems.size() != before) return false;
    registry_.put_agent_version(id, std::move(version));
    return true;
  }

  bool credential(const YAML::Node& body, std::string id, const Credential* previous) {
    const size_t before = problems.size();
    if (!body.IsMap()) {
      problem(body, "credential", "must be a map");
      return false;
    }
    check_keys(body, "credential",
               {"id", "agent", "kind", "env", "issued_at", "expires_at", "revoked_at"});
    if (id.empty()) string(body, "id", "credential.id", &id, true);
    Credential c;
    if (previous != nullptr) c = *previous;
    c.id = id;
    if (body["agent"] || previous == nullptr) {
      string(body, "agent", "credential.agent", &c.agent, true);
    }
    if (const YAML::Node kind = body["kind"]) {
      std::string k = kind.IsScalar() ? kind.Scalar() : "";
      if (k == "jit") {
        c.kind = CredentialKind::kJit;
      } else if (k == "static") {
        c.kind = CredentialKind::kStatic;
      } else if (k == "human") {
        c.kind = CredentialKind::kHuman;
      } else {
        problem(kind, "credential.kind", "'" + k + "' is not jit, static or human");
      }
    }
    if (body["env"]) {
      string(body, "env", "credential.env", &c.env, false);
      if (!c.env.empty()) registry_.intern_env(c.env);
    }
    if (body["issued_at"]) time(body["issued_at"], "credential.issued_at", &c.issued_at);
    int64_t t;
    if (body["expires_at"] && time(body["expires_at"], "credential.expires_at", &t)) {
      c.expires_at = t;
    }
    if (body["revoked_at"] && time(body["revoked_at"], "credential.revoked_at", &t)) {
      c.revoked_at = t;
    }
    if (c.expires_at && c.issued_at != kBeginningOfTime && *c.expires_at < c.issued_at) {
      problem(body["expires_at"], "credential.expires_at", "is before issued_at");
    }
    if (problems.size() != before) return false;
    registry_.put_credential(std::move(c));
    return true;
  }

  bool freeze(const YAML::Node& body, std::string id) {
    const size_t before = problems.size();
    if (!body.IsMap()) {
      problem(body, "freeze", "must be a map");
      return false;
    }
    check_keys(body, "freeze", {"id", "envs", "resources", "from", "until", "reason"});
    if (id.empty()) string(body, "id", "freeze.id", &id, true);
    Freeze f;
    f.id = id;
    f.envs = envs(body["envs"], "freeze.envs");
    f.resources = globs(body["resources"], "freeze.resources");
    interval(body, "freeze", &f.window);
    if (body["reason"]) string(body, "reason", "freeze.reason", &f.reason, false);
    if (problems.size() != before) return false;
    registry_.put_freeze(std::move(f));
    return true;
  }

  bool approval(const YAML::Node& body, std::string id) {
    const size_t before = problems.size();
    if (!body.IsMap()) {
      problem(body, "approval", "must be a map");
      return false;
    }
    check_keys(
        body, "approval",
        {"id", "agent", "classes", "resources", "from", "until", "approvers", "break_glass"});
    if (id.empty()) string(body, "id", "approval.id", &id, true);
    Approval a;
    a.id = id;
    string(body, "agent", "approval.agent", &a.agent, true);
    a.classes = classes(body["classes"], "approval.classes");
    a.resources = globs(body["resources"], "approval.resources");
    interval(body, "approval", &a.window);
    if (const YAML::Node approvers = body["approvers"]) {
      if (sequence(approvers, "approval.approvers")) {
        for (const auto& who : approvers) a.approvers.push_back(who.Scalar());
      }
    }
    if (const YAML::Node glass = body["break_glass"]) {
      std::string v = glass.IsScalar() ? glass.Scalar() : "";
      if (v == "true") {
        a.break_glass = true;
      } else if (v != "false") {
        problem(glass, "approval.break_glass", "must be true or false");
      }
    }
    if (problems.size() != before) return false;
    registry_.put_approval(std::move(a));
    return true;
  }

  bool policy(const YAML::Node& body) {
    const size_t before = problems.size();
    if (!body.IsMap()) {
      problem(body, "policy", "must be a map");
      return false;
    }
    check_keys(body, "policy",
               {"max_credential_ttl", "snapshot_window", "snapshot_required_envs",
                "approval_required_envs"});
    Policy p = registry_.policy();
    if (body["max_credential_ttl"]) {
      duration(body["max_credential_ttl"], "policy.max_credential_ttl", &p.max_credential_ttl_us);
    }
    if (body["snapshot_window"]) {
      duration(body["snapshot_window"], "policy.snapshot_window", &p.snapshot_window_us);
    }
    if (body["snapshot_required_envs"]) {
      p.snapshot_required_envs =
          envs(body["snapshot_required_envs"], "policy.snapshot_required_envs");
    }
    if (body["approval_required_envs"]) {
      p.approval_required_envs =
          envs(body["approval_required_envs"], "policy.approval_required_envs");
    }
    if (problems.size() != before) return false;
    registry_.mutable_policy() = p;
    return true;
  }

 private:
  Registry& registry_;
  std::string_view origin_;
};

Status join(const std::vector<std::string>& problems) {
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
  return Status::invalid_argument(message);
}

std::string yaml_error(std::string_view origin, const YAML::Exception& e) {
  return std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ":" +
         std::to_string(e.mark.column + 1) + ": " + e.msg;
}

}  // namespace

Result<Registry> parse_registry(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(yaml_error(origin, e));
  }
  Registry registry;
  EntityReader reader(registry, origin);
  try {
    if (root.IsNull()) return registry;  // an empty registry: everyone is unregistered
    if (!root.IsMap()) {
      return Status::invalid_argument(std::string(origin) +
                                      ": a registry is a map of policy, agents, credentials, "
                                      "freezes, approvals");
    }
    reader.check_keys(root, "registry",
                      {"policy", "agents", "credentials", "freezes", "approvals"});
    if (root["policy"]) reader.policy(root["policy"]);
    // Envs named by policy and freezes are interned before scopes so bits stay stable.
    auto each = [&](const char* key, auto&& read) {
      const YAML::Node list = root[key];
      if (!list || list.IsNull()) return;
      if (!reader.sequence(list, key)) return;
      for (const auto& item : list) read(item);
    };
    each("agents", [&](const YAML::Node& n) {
      if (n.IsMap() && n["id"] && registry.agent(n["id"].Scalar()) != nullptr) {
        reader.problem(n["id"], "agent.id", "'" + n["id"].Scalar() + "' is defined twice");
        return;
      }
      reader.agent(n, "", kBeginningOfTime, nullptr);
    });
    each("credentials", [&](const YAML::Node& n) {
      if (n.IsMap() && n["id"] && registry.credential(n["id"].Scalar()) != nullptr) {
        reader.problem(n["id"], "credential.id", "'" + n["id"].Scalar() + "' is defined twice");
        return;
      }
      reader.credential(n, "", nullptr);
    });
    each("freezes", [&](const YAML::Node& n) { reader.freeze(n, ""); });
    each("approvals", [&](const YAML::Node& n) { reader.approval(n, ""); });
  } catch (const YAML::Exception& e) {
    reader.problems.push_back(yaml_error(origin, e));
  }
  if (!reader.problems.empty()) return join(reader.problems);
  registry.record_change(RegistryChange{"load", "registry", std::string(origin), kBeginningOfTime});
  return registry;
}

Result<Registry> load_registry_file(const std::string& path) {
  std::string text;
  ingest::TextFileError error = ingest::read_text_file(path, &text);
  if (error == ingest::TextFileError::kCannotOpen) {
    return Status::not_found(path + ": cannot open the registry file");
  }
  if (error != ingest::TextFileError::kNone) {
    return Status::invalid_argument(
        path + ": cannot read the registry file: " + ingest::text_file_error_reason(error));
  }
  return parse_registry(text, path);
}

Result<AppliedUpdate> apply_registry_update(Registry& registry, std::string_view json_line,
                                            std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(json_line));  // JSON is YAML's flow syntax
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(yaml_error(origin, e));
  }
  // Apply to a copy of nothing: readers validate fully before they mutate the registry.
  EntityReader reader(registry, origin);
  AppliedUpdate applied;
  try {
    const YAML::Node update = root["registry_update"];
    if (!update || !update.IsMap()) {
      return Status::invalid_argument(std::string(origin) + ": registry_update: must be an object");
    }
    reader.check_keys(update, "registry_update", {"op", "kind", "id", "at", "body"});
    reader.string(update, "op", "registry_update.op", &applied.op, true);
    reader.string(update, "kind", "registry_update.kind", &applied.kind, true);
    if (applied.kind != "policy")
      reader.string(update, "id", "registry_update.id", &applied.id, true);
    if (update["at"]) {
      reader.time(update["at"], "registry_update.at", &applied.at);
    } else {
      reader.problem(update, "registry_update.at", "missing (the effective time of the change)");
    }
    if (!reader.problems.empty()) return join(reader.problems);
    const YAML::Node body = update["body"];
    const std::string& op = applied.op;
    const std::string& kind = applied.kind;
    if (op != "upsert" && op != "revoke" && op != "delete") {
      return Status::invalid_argument(std::string(origin) + ": registry_update.op: '" + op +
                                      "' is not upsert, revoke or delete");
    }
    if (kind == "agent") {
      const AgentVersion* previous = registry.agent_at(applied.id, applied.at);
      if (op == "upsert") {
        reader.agent(body ? body : YAML::Node(YAML::NodeType::Map), applied.id, applied.at,
                     previous);
      } else {
        if (previous == nullptr) {
          return Status::not_found(std::string(origin) + ": registry_update: agent '" + applied.id +
                                   "' is not registered at " + ingest::format_rfc3339(applied.at));
        }
        AgentVersion version = *previous;
        version.from = applied.at;
        version.status = op == "revoke" ? AgentStatus::kSuspended : AgentStatus::kDecommissioned;
        registry.put_agent_version(applied.id, std::move(version));
      }
    } else if (kind == "credential") {
      const Credential* previous = registry.credential(applied.id);
      if (op == "upsert") {
        reader.credential(body ? body : YAML::Node(YAML::NodeType::Map), applied.id, previous);
      } else if (previous == nullptr) {
        return Status::not_found(std::string(origin) + ": registry_update: credential '" +
                                 applied.id + "' is not registered");
      } else {
        registry.revoke_credential(applied.id, applied.at);
      }
    } else if (kind == "freeze" || kind == "approval") {
      if (op == "upsert") {
        if (!body) {
          return Status::invalid_argument(std::string(origin) + ": registry_update.body: missing");
        }
        if (kind == "freeze") {
          reader.freeze(body, applied.id);
        } else {
          reader.approval(body, applied.id);
        }
      } else {
        bool removed = kind == "freeze" ? registry.remove_freeze(applied.id)
                                        : registry.remove_approval(applied.id);
        if (!removed) {
          return Status::not_found(std::string(origin) + ": registry_update: " + kind + " '" +
                                   applied.id + "' is not registered");
        }
      }
    } else if (kind == "policy") {
      if (op != "upsert" || !body) {
        return Status::invalid_argument(std::string(origin) +
                                        ": registry_update: policy takes upsert with a body");
      }
      reader.policy(body);
    } else {
      return Status::invalid_argument(std::string(origin) + ": registry_update.kind: '" + kind +
                                      "' is not agent, credential, freeze, approval or policy");
    }
  } catch (const YAML::Exception& e) {
    reader.problems.push_back(yaml_error(origin, e));
  }
  if (!reader.problems.empty()) return join(reader.problems);
  registry.record_change(RegistryChange{applied.op, applied.kind, applied.id, applied.at});
  return applied;
}

}  // namespace aw::detect
