// RuleSet: the rules the detect stage runs. The built-in pack (rules/packs/builtin/, compiled
// into the binary so it works from any directory) is always loaded; user rule files load beside
// it. A user rule with a built-in's id replaces it; an entry without `condition` changes a rule
// defined elsewhere, so `{id: freeze-violation, enabled: false}` disables one (rules/README.md).
//
// Rules are indexed by action class: candidates(c) lists, precomputed, the rules whose condition
// can be true for an event of class c, so an event runs only those.
//
// Thread-safety: a loaded RuleSet is immutable; share it between threads freely.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "rules/rule.h"
#include "rules/rule_loader.h"

namespace aw::rules {

// A rule file given as text rather than a path.
struct RuleSource {
  std::string origin;  // the name problems show, such as "config.yaml#rules"
  std::string text;
};

struct RuleSetOptions {
  // Directories, each contributing its *.yaml and *.yml files (not recursive; sorted by name;
  // names starting with '.' skipped), or single rule files, loaded in this order after the
  // built-in pack. Default: none.
  std::vector<std::string> paths;
  // Rule files as text, loaded after `paths` (tests; rules embedded in a config). Default: none.
  std::vector<RuleSource> sources;
  // Load the built-in pack. Default: true; off only to test user rules in isolation.
  bool include_builtin = true;
};

class RuleSet {
 public:
  // Loads and compiles every rule. Fails with kNotFound when a path does not exist, kIoError
  // when a file cannot be read, and kInvalidArgument listing every problem of every file, one
  // per line, as "file:line:column: rule <id>: reason; hint". When `report` is given it also
  // receives the problems one by one (with the source line each points into) and the summary.
  [[nodiscard]] static Result<RuleSet> load(const RuleSetOptions& options,
                                            LoadReport* report = nullptr);

  // The enabled rules, in definition order: the built-in pack's (by file name), then the user
  // files'. An override takes the place of the rule it replaces.
  const std::vector<CompiledRule>& rules() const { return rules_; }
  // Indexes into rules() of the rules to run for an event of `action_class`, in rules() order.
  // The span stays valid as long as the RuleSet.
  std::span<const uint16_t> candidates(ingest::ActionClass action_class) const;
  // The enabled rule with this id, or nullptr.
  const CompiledRule* find(std::string_view id) const;
  // Ids of the rules turned off with `enabled: false`.
  const std::vector<std::string>& disabled() const { return disabled_; }
  const LoadSummary& summary() const { return summary_; }

 private:
  RuleSet() = default;
  void build_index();

  std::vector<CompiledRule> rules_;
  std::vector<std::string> disabled_;
  LoadSummary summary_;
  // candidates(c) is candidates_[offsets_[c], offsets_[c + 1]).
  std::vector<uint16_t> candidates_;
  std::array<uint32_t, ingest::kActionClassCount + 1> offsets_ = {};
  std::vector<uint16_t> by_id_;  // indexes into rules_, sorted by id
};

}  // namespace aw::rules
