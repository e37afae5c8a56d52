// SourceMapping: what a log format does not say and the registry needs, per source (YAML; see
// examples/mapping.yaml and README "Log formats"): the format, the event source name, how to
// derive env (account, cluster, namespace, org, database -> env tables), how identities and
// credentials as the log spells them map to registry actors and credentials, and action-class
// overrides by tool glob.
//
// Loaded once; every problem is reported with file, line and column. Look-ups take views and
// return views into the mapping, which must outlive the decoders using it.
//
// Thread-safety: immutable after load; share freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/event.h"
#include "ingest/format.h"
#include "ingest/result.h"

namespace aw::ingest {

// The key a format derives env from (FORMATS.md, env_hint).
enum class EnvKey : uint8_t { kAccount, kCluster, kNamespace, kOrg, kDatabase };

// The registry actor an identity maps to.
struct MappedActor {
  std::string id;
  ActorType type = ActorType::kUnknown;  // kUnknown: keep the type the format derived
};

class SourceMapping {
 public:
  static Result<SourceMapping> load_file(const std::string& path);
  static Result<SourceMapping> parse(std::string_view yaml_text, std::string_view origin);

  // `format:`, when given.
  std::optional<Format> format() const { return format_; }
  // `source:`, the events' source; empty for the format's default (format_source_name).
  std::string_view source() const { return source_; }
  // `cluster:`, the Kubernetes cluster this source's audit log comes from (not in the events).
  std::string_view cluster() const { return cluster_; }
  // `actor:`, the actor of records that name none (hook payloads, MCP, pgaudit without prefix).
  std::string_view default_actor() const { return default_actor_; }
  // `log_line_prefix:`, PostgreSQL's setting for this server's log (pgaudit), e.g.
  // "%m:%r:%u@%d:[%p]:"; empty when lines carry no prefix.
  std::string_view log_line_prefix() const { return log_line_prefix_; }

  // env.<table>[key], else empty.
  std::string_view env_for(EnvKey table, std::string_view key) const;
  // env.default, else empty.
  std::string_view default_env() const { return default_env_; }

  // The actor an identity (as the format derived it) or a credential maps to: `actors` entries
  // with `credential:` are matched first, then `identity:` globs in file order. Null when none.
  const MappedActor* actor_for(std::string_view identity, std::string_view credential) const;
  // credentials[credential], else `credential` itself.
  std::string_view credential_for(std::string_view credential) const;
  // The class of the first `action_classes` glob matching `tool`; false when none does.
  bool class_for(std::string_view tool, ActionClass* out) const;

  // '*' matches any run of characters (also none); everything else matches itself.
  static bool glob_match(std::string_view pattern, std::string_view text);

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Table = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;
  struct IdentityRule {
    std::string glob;
    MappedActor actor;
  };
  struct ClassRule {
    std::string glob;
    ActionClass action_class;
  };
  friend class SourceMappingParser;

  std::optional<Format> format_;
  std::string source_;
  std::string cluster_;
  std::string default_actor_;
  std::string log_line_prefix_;
  std::string default_env_;
  Table env_tables_[5];
  std::unordered_map<std::string, MappedActor, StringHash, std::equal_to<>> by_credential_;
  std::unordered_map<std::string, MappedActor, StringHash, std::equal_to<>> by_identity_;
  std::vector<IdentityRule> identity_globs_;
  Table credentials_;
  std::vector<ClassRule> classes_;
};

}  // namespace aw::ingest
