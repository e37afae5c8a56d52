// agentwatch serve: HTTP API, web timeline and /metrics over an evidence store (DESIGN.md,
// "Command line").
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace aw::tools
