// agentwatch rules: working with rule files. `rules check DIR...` compiles the built-in pack
// and the given directories (or files) and prints every problem; further sub-subcommands
// (`rules test`) register on the same `rules` command.
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

// Adds `rules` and its sub-subcommands to `app`; the chosen one stores its exit code in
// `exit_code` (0 clean, 1 problems found, 2 could not run).
void add_rules_command(CLI::App& app, int& exit_code);

// `agentwatch rules test`, registered under `rules` (tools/rules_test_command.cc).
void add_rules_test_command(CLI::App& rules, int& exit_code);

}  // namespace aw::tools
