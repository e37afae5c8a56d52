// Rule fixtures: data-driven tests of rules (`agentwatch rules test DIR`). A fixture file is
// YAML:
//
//   rule: post-revocation            # the rule under test
//   registry: {agents: [...], credentials: [...], ...}   # DESIGN.md registry, shared by cases
//   cases:
//     - name: use after revocation fires
//       registry: {...}              # optional: replaces the file's registry for this case
//       events: |                    # JSON Lines exactly as replay reads them; registry updates
//         {"ts":"2026-11-20T09:00:00Z","id":"e1",...}    # may be interleaved
//       expect: [e2]                 # ids of the events the rule must fire on, and no others
//
// Each case runs the whole rule set (so overrides and interactions are exercised) through a fresh
// engine and registry, and compares the set of event ids the named rule fired on.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ingest/result.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"

namespace aw::detect {

struct FixtureCaseResult {
  std::string file;
  std::string name;
  std::string rule;
  std::vector<std::string> expected;  // sorted
  std::vector<std::string> fired;     // sorted
  std::string error;                  // set when the case could not run
  bool passed() const { return error.empty() && expected == fired; }
};

// Runs every case of one fixture file. Fails only when the file itself cannot be read or is not
// a fixture; a case that cannot run is reported in its result.
Result<std::vector<FixtureCaseResult>> run_rule_fixture_file(
    const std::string& path, const rules::RuleSet& rules, const rules::ActionClassTable& classes);

}  // namespace aw::detect
