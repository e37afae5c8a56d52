// The query and verify subcommands in a binary of their own, so their tests run whether or not
// the agentwatch binary registers them yet. Same parsing and exit codes as tools/main.cc.
#include <cstdio>

#include "tools/command.h"
#include "tools/query_command.h"
#include "tools/verify_command.h"

int main(int argc, char** argv) {
  CLI::App app{"agentwatch (store commands)"};
  app.require_subcommand(1);
  int exit_code = aw::tools::kExitOk;
  aw::tools::add_query_command(app, exit_code);
  aw::tools::add_verify_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "agentwatch: %s\n", e.what());
    return aw::tools::kExitCannotRun;
  }
  return exit_code;
}
