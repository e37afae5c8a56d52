// agentwatch report coverage: the compliance coverage report (DESIGN.md, "Command line").
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace aw::tools
