// Loading the registry: the YAML file at start (DESIGN.md, "Registry"), and registry updates
// ({"registry_update": {"op", "kind", "id", "at", "body"}}) applied in arrival order.
//
// A bad registry file is reported whole: every problem, each as "file:line:column: field:
// reason", not just the first. A bad update is refused with one such message and leaves the
// registry unchanged.
#pragma once

#include <string>
#include <string_view>

#include "detect/registry.h"
#include "ingest/result.h"

namespace aw::detect {

Result<Registry> load_registry_file(const std::string& path);
Result<Registry> parse_registry(std::string_view yaml_text, std::string_view origin);

// What an applied update touched, so the caller can re-judge events stored from `at` on.
struct AppliedUpdate {
  std::string op;    // upsert | revoke | delete
  std::string kind;  // agent | credential | freeze | approval | policy
  std::string id;
  int64_t at = 0;
};

// Parses and applies one update line. `origin` names its place in the input for messages.
Result<AppliedUpdate> apply_registry_update(Registry& registry, std::string_view json_line,
                                            std::string_view origin);

}  // namespace aw::detect
