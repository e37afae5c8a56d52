// The rule loader behind RuleSet::load, Falco style, in three stages over all files at once:
//
//   reader     parses each YAML file into rule entries, checking its shape (known keys, ids);
//   collector  merges the entries by id: built-in definitions, then user definitions (which
//              override a built-in of the same id), then patches (entries without `condition`
//              that change fields of a rule already defined, such as `enabled: false`);
//   compiler   compiles every rule in force: condition, threshold, facts, output, references.
//
// No stage stops at the first problem: every one is collected, with file, line, column, rule id,
// a hint where one helps, and the source line it points into.
//
// Thread-safety: stateless functions; call from any thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace aw::rules {

struct LoadProblem {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem concerns the whole file
  int column = 0;
  std::string rule;  // the rule's id, "#N" (its place in the file) before an id is known, or empty
  std::string message;
  std::string hint;     // "did you mean `credential.revoked`?"; empty when none
  std::string snippet;  // the source line at `line`; empty when none

  // "file:line:column: rule <id>: message; hint" (one line; the snippet is not included).
  std::string to_string() const;
};

struct LoadSummary {
  size_t files = 0;       // rule files read, the built-in pack's included
  size_t builtin = 0;     // rules defined by the built-in pack
  size_t user = 0;        // rules defined by user files, overrides included
  size_t overridden = 0;  // built-in rules replaced by a user definition of the same id
  size_t patched = 0;     // patch entries that change more than `enabled`
  size_t disabled = 0;    // rules in force with `enabled: false`
  size_t enabled = 0;     // rules the set runs
};

// Everything a load found, for tools that show more than the one-line Status.
struct LoadReport {
  std::vector<LoadProblem> problems;
  LoadSummary summary;
};

namespace detail {

struct RuleFile {
  std::string origin;  // the name problems and CompiledRule::origin show
  std::string text;
  bool builtin = false;
};

struct LoadedRules {
  std::vector<CompiledRule> enabled;  // in definition order
  std::vector<std::string> disabled;  // ids, in definition order
  LoadSummary summary;
};

// Loads `files` in order (built-in files first); on any problem, the problems are appended and
// the returned rules are incomplete.
LoadedRules load_rules(std::span<const RuleFile> files, std::vector<LoadProblem>* problems);

}  // namespace detail
}  // namespace aw::rules
