// agentwatch query timeline|event|alerts: read the evidence store (DESIGN.md, "Command line").
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

void add_query_command(CLI::App& app, int& exit_code);

}  // namespace aw::tools
