// Subcommands of the agentwatch binary. Each lives in its own file and registers itself on the
// CLI11 app; its callback stores the process exit code (0 done, 1 checked thing failed, 2 could
// not run), following DESIGN.md's command line.
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitCannotRun = 2;

void add_replay_command(CLI::App& app, int& exit_code);
void add_gen_command(CLI::App& app, int& exit_code);
void add_broker_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace aw::tools
