// agentwatch verify --store DIR: recompute the evidence chain and check every stored key.
#pragma once

#include <CLI/CLI.hpp>

namespace aw::tools {

void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace aw::tools
