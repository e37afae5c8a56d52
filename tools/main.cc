// agentwatch: one binary, one subcommand per job (DESIGN.md, "Command line").
#include <cstdio>

#include "tools/command.h"
#include "tools/query_command.h"
#include "tools/report_command.h"
#include "tools/rules_command.h"
#include "tools/serve_command.h"
#include "tools/verify_command.h"

int main(int argc, char** argv) {
  CLI::App app{"agentwatch: watches what AI agents and other non-human identities do"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "agentwatch 0.1.0");
  int exit_code = aw::tools::kExitOk;
  aw::tools::add_demo_command(app, exit_code);
  aw::tools::add_replay_command(app, exit_code);
  aw::tools::add_gen_command(app, exit_code);
  aw::tools::add_broker_command(app, exit_code);
  aw::tools::add_run_command(app, exit_code);
  aw::tools::add_rules_command(app, exit_code);
  aw::tools::add_query_command(app, exit_code);
  aw::tools::add_verify_command(app, exit_code);
  aw::tools::add_report_command(app, exit_code);
  aw::tools::add_serve_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line on stderr, exit 2: the command could not run.
    std::fprintf(stderr, "agentwatch: %s\n", e.what());
    return aw::tools::kExitCannotRun;
  }
  return exit_code;
}
