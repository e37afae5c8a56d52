#include "ingest/formats/source_mapping.h"

#include <yaml-cpp/yaml.h>

#include "ingest/text_file.h"

namespace aw::ingest {

namespace {

constexpr std::string_view kEnvTableNames[] = {"accounts", "clusters", "namespaces", "orgs",
                                               "databases"};

}  // namespace

// Reads the YAML tree into a mapping, collecting every problem (file:line:column: field: reason).
class SourceMappingParser {
 public:
  explicit SourceMappingParser(std::string_view origin) : origin_(origin) {}

  void problem(const YAML::Node& node, std::string_view field, std::string_view reason) {
    const YAML::Mark mark = node.Mark();
    problems_.push_back(std::string(origin_) + ":" + std::to_string(mark.line + 1) + ":" +
                        std::to_string(mark.column + 1) + ": " + std::string(field) + ": " +
                        std::string(reason));
  }

  bool scalar(const YAML::Node& node, std::string_view field, std::string* out) {
    if (!node.IsScalar()) {
      problem(node, field, "must be a string");
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  void table(const YAML::Node& node, std::string_view field,
             std::unordered_map<std::string, std::string, SourceMapping::StringHash,
                                std::equal_to<>>* out) {
    if (!node.IsMap()) {
      problem(node, field, "must be a map of key: value");
      return;
    }
    for (const auto& entry : node) {
      std::string key, value;
      if (scalar(entry.first, field, &key) && scalar(entry.second, field, &value)) {
        (*out)[key] = value;
      }
    }
  }

  void env(const YAML::Node& node, SourceMapping& mapping) {
    if (!node.IsMap()) {
      problem(node, "env",
              "must be a map (default, accounts, clusters, namespaces, orgs, databases)");
      return;
    }
    for (const auto& entry : node) {
      std::string key;
      if (!scalar(entry.first, "env", &key)) continue;
      if (key == "default") {
        scalar(entry.second, "env.default", &mapping.default_env_);
        continue;
      }
      bool known = false;
      for (size_t i = 0; i < std::size(kEnvTableNames); ++i) {
        if (key == kEnvTableNames[i]) {
          table(entry.second, "env." + key, &mapping.env_tables_[i]);
          known = true;
        }
      }
      if (!known) {
        problem(entry.first, "env." + key,
                "unknown table (default, accounts, clusters, namespaces, orgs, databases)");
      }
    }
  }

  void actors(const YAML::Node& node, SourceMapping& mapping) {
    if (!node.IsSequence()) {
      problem(node, "actors", "must be a list of {identity|credential, actor, type}");
      return;
    }
    for (const auto& entry : node) {
      if (!entry.IsMap()) {
        problem(entry, "actors", "each entry is a map of identity|credential, actor, type");
        continue;
      }
      std::string identity, credential;
      MappedActor actor;
      for (const auto& field : entry) {
        std::string key;
        if (!scalar(field.first, "actors", &key)) continue;
        if (key == "identity") {
          scalar(field.second, "actors.identity", &identity);
        } else if (key == "credential") {
          scalar(field.second, "actors.credential", &credential);
        } else if (key == "actor") {
          scalar(field.second, "actors.actor", &actor.id);
        } else if (key == "type") {
          std::string type;
          if (scalar(field.second, "actors.type", &type) && !parse_actor_type(type, &actor.type)) {
            problem(field.second, "actors.type",
                    "'" + type + "' is not agent, service, human, bot");
          }
        } else {
          problem(field.first, "actors." + key,
                  "unknown field (identity, credential, actor, type)");
        }
      }
      if (actor.id.empty()) problem(entry, "actors.actor", "missing");
      if (identity.empty() == credential.empty()) {
        problem(entry, "actors", "give exactly one of identity (a glob) or credential");
        continue;
      }
      if (!credential.empty()) {
        mapping.by_credential_[credential] = actor;
      } else if (identity.find('*') == std::string::npos) {
        mapping.by_identity_[identity] = actor;
      } else {
        mapping.identity_globs_.push_back({identity, actor});
      }
    }
  }

  void classes(const YAML::Node& node, SourceMapping& mapping) {
    if (!node.IsMap()) {
      problem(node, "action_classes", "must be a map of tool glob: class");
      return;
    }
    for (const auto& entry : node) {
      std::string glob, name;
      if (!scalar(entry.first, "action_classes", &glob) ||
          !scalar(entry.second, "action_classes", &name)) {
        continue;
      }
      ActionClass action_class;
      if (!parse_action_class(name, &action_class)) {
        problem(entry.second, "action_classes." + glob, "'" + name + "' is not an action class");
        continue;
      }
      mapping.classes_.push_back({glob, action_class});
    }
  }

  void root(const YAML::Node& node, SourceMapping& mapping) {
    if (!node.IsMap()) {
      problem(node, "mapping", "must be a map");
      return;
    }
    for (const auto& entry : node) {
      std::string key;
      if (!scalar(entry.first, "mapping", &key)) continue;
      if (key == "format") {
        std::string name;
        if (!scalar(entry.second, "format", &name)) continue;
        auto format = parse_format(name);
        if (!format.ok()) {
          problem(entry.second, "format", format.status().message());
        } else {
          mapping.format_ = *format;
        }
      } else if (key == "source") {
        scalar(entry.second, "source", &mapping.source_);
      } else if (key == "cluster") {
        scalar(entry.second, "cluster", &mapping.cluster_);
      } else if (key == "actor") {
        scalar(entry.second, "actor", &mapping.default_actor_);
      } else if (key == "log_line_prefix") {
        scalar(entry.second, "log_line_prefix", &mapping.log_line_prefix_);
      } else if (key == "env") {
        env(entry.second, mapping);
      } else if (key == "actors") {
        actors(entry.second, mapping);
      } else if (key == "credentials") {
        table(entry.second, "credentials", &mapping.credentials_);
      } else if (key == "action_classes") {
        classes(entry.second, mapping);
      } else {
        problem(entry.first, key,
                "unknown field (format, source, cluster, actor, log_line_prefix, env, actors, "
                "credentials, action_classes)");
      }
    }
  }

  Status status() const {
    if (problems_.empty()) return Status();
    std::string message;
    for (const std::string& p : problems_) message += (message.empty() ? "" : "\n") + p;
    return Status::invalid_argument(message);
  }

 private:
  std::string_view origin_;
  std::vector<std::string> problems_;
};

Result<SourceMapping> SourceMapping::parse(std::string_view yaml_text, std::string_view origin) {
  SourceMapping mapping;
  SourceMappingParser parser(origin);
  // yaml-cpp throws; nothing of it crosses this function.
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    parser.root(root, mapping);
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(std::string(origin) + ":" + std::to_string(e.mark.line + 1) +
                                    ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  Status status = parser.status();
  if (!status.ok()) return status;
  return mapping;
}

Result<SourceMapping> SourceMapping::load_file(const std::string& path) {
  std::string text;
  TextFileError error = read_text_file(path, &text);
  if (error == TextFileError::kCannotOpen) {
    return Status::not_found(path + ": cannot open the mapping file");
  }
  if (error != TextFileError::kNone) {
    return Status::invalid_argument(
        path + ": cannot read the mapping file: " + text_file_error_reason(error));
  }
  return parse(text, path);
}

std::string_view SourceMapping::env_for(EnvKey table, std::string_view key) const {
  if (key.empty()) return {};
  const Table& t = env_tables_[static_cast<size_t>(table)];
  if (t.empty()) return {};
  auto it = t.find(key);
  return it == t.end() ? std::string_view() : std::string_view(it->second);
}

const MappedActor* SourceMapping::actor_for(std::string_view identity,
                                            std::string_view credential) const {
  if (!credential.empty() && !by_credential_.empty()) {
    auto it = by_credential_.find(credential);
    if (it != by_credential_.end()) return &it->second;
  }
  if (identity.empty()) return nullptr;
  if (!by_identity_.empty()) {
    auto it = by_identity_.find(identity);
    if (it != by_identity_.end()) return &it->second;
  }
  for (const IdentityRule& rule : identity_globs_) {
    if (glob_match(rule.glob, identity)) return &rule.actor;
  }
  return nullptr;
}

std::string_view SourceMapping::credential_for(std::string_view credential) const {
  if (credential.empty() || credentials_.empty()) return credential;
  auto it = credentials_.find(credential);
  return it == credentials_.end() ? credential : std::string_view(it->second);
}

bool SourceMapping::class_for(std::string_view tool, ActionClass* out) const {
  for (const ClassRule& rule : classes_) {
    if (glob_match(rule.glob, tool)) {
      *out = rule.action_class;
      return true;
    }
  }
  return false;
}

bool SourceMapping::glob_match(std::string_view pattern, std::string_view text) {
  // Iterative wildcard match with one backtrack point: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace aw::ingest
