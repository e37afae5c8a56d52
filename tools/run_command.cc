// agentwatch run -c agentwatch.yaml: Kafka in, alerts out, the store kept (tools/run_loop.h).
// A few settings can be given on the command line too, over the file's (scripts and tests point
// one config at different brokers and stores).
#include <cstdio>
#include <memory>
#include <string>

#include "tools/command.h"
#include "tools/run_config.h"
#include "tools/run_loop.h"
#include "tools/stop_signal.h"

namespace aw::tools {
namespace {

struct RunOptions {
  std::string config;
  std::string bootstrap_servers;
  std::string bootstrap_file;
  std::string store;
  std::string group_id;
};

int run_run(const RunOptions& options) {
  auto config = load_run_config(options.config);
  if (!config.ok()) {
    std::fprintf(stderr, "agentwatch run: %s\n", config.status().message().c_str());
    return kExitCannotRun;
  }
  if (!options.bootstrap_file.empty()) {
    std::FILE* file = std::fopen(options.bootstrap_file.c_str(), "r");
    char line[512] = {};
    if (file == nullptr || std::fgets(line, sizeof(line), file) == nullptr) {
      if (file != nullptr) std::fclose(file);
      std::fprintf(stderr, "agentwatch run: cannot read --bootstrap-file '%s'\n",
                   options.bootstrap_file.c_str());
      return kExitCannotRun;
    }
    std::fclose(file);
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    config->bootstrap_servers = text;
  }
  if (!options.bootstrap_servers.empty()) config->bootstrap_servers = options.bootstrap_servers;
  if (!options.store.empty()) config->store = options.store;
  if (!options.group_id.empty()) config->group_id = options.group_id;
  install_stop_handlers();
  Status ran = run_pipeline(*config);
  if (!ran.ok()) {
    std::fprintf(stderr, "agentwatch run: %s\n", ran.message().c_str());
    return kExitCannotRun;
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Consume audit topics from Kafka, judge, store, publish alerts (until SIGTERM)");
  command->add_option("-c,--config", options->config, "The YAML config (examples/agentwatch.yaml)")
      ->required();
  command->add_option("--bootstrap-servers", options->bootstrap_servers,
                      "Override kafka.bootstrap_servers");
  command->add_option("--bootstrap-file", options->bootstrap_file,
                      "Read bootstrap servers from this file (agentwatch broker writes it)");
  command->add_option("--store", options->store, "Override store.path");
  command->add_option("--group-id", options->group_id, "Override kafka.group_id");
  command->callback([options, &exit_code] { exit_code = run_run(*options); });
}

}  // namespace aw::tools
