// agentwatch broker: the embedded Kafka-protocol dev broker (ingest/embedded_broker.h) with the
// audit, registry, alert and dead-letter topics created, running until SIGINT/SIGTERM. Prints
// its bootstrap address on stdout and, for scripts, writes it to --bootstrap-file (the mock
// cluster picks its own ports). For fault drills, SIGUSR1 takes the brokers down and SIGUSR2
// brings them back (clients see failed connections meanwhile; topics and offsets are kept).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ingest/embedded_broker.h"
#include "tools/command.h"
#include "tools/stop_signal.h"

namespace aw::tools {
namespace {

struct BrokerOptions {
  std::string bootstrap_file;
  int partitions = 2;
  std::vector<std::string> topics = {"agent-audit", "agentwatch-registry", "agentwatch-alerts",
                                     "agentwatch-dlq"};
};

// Fault injection (tests, drills): SIGUSR1 takes every broker down, SIGUSR2 brings them back.
// The handlers only record the wish; the main loop acts on it.
std::atomic<int> wanted_up{-1};  // -1: no change asked for
extern "C" void on_brokers_down(int) { wanted_up.store(0); }
extern "C" void on_brokers_up(int) { wanted_up.store(1); }

int run_broker(const BrokerOptions& options) {
  install_stop_handlers();
  std::signal(SIGUSR1, on_brokers_down);
  std::signal(SIGUSR2, on_brokers_up);
  auto broker = ingest::EmbeddedBroker::start();
  if (!broker.ok()) {
    std::fprintf(stderr, "agentwatch broker: %s\n", broker.status().message().c_str());
    return kExitCannotRun;
  }
  for (const std::string& topic : options.topics) {
    // The registry is a global table: one partition keeps its updates in one order.
    int partitions = topic.find("registry") != std::string::npos ? 1 : options.partitions;
    Status created = (*broker)->create_topic(topic, partitions);
    if (!created.ok()) {
      std::fprintf(stderr, "agentwatch broker: %s\n", created.message().c_str());
      return kExitCannotRun;
    }
  }
  const std::string& bootstrap = (*broker)->bootstrap_servers();
  if (!options.bootstrap_file.empty()) {
    // Written whole, then renamed: a script polling for the file never reads half an address.
    std::string temp = options.bootstrap_file + ".tmp";
    {
      std::ofstream out(temp);
      out << bootstrap << "\n";
      if (!out) {
        std::fprintf(stderr, "agentwatch broker: cannot write '%s'\n", temp.c_str());
        return kExitCannotRun;
      }
    }
    if (std::rename(temp.c_str(), options.bootstrap_file.c_str()) != 0) {
      std::fprintf(stderr, "agentwatch broker: cannot write '%s'\n",
                   options.bootstrap_file.c_str());
      return kExitCannotRun;
    }
  }
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "broker: listening on %s; topics:", bootstrap.c_str());
  for (const std::string& topic : options.topics) std::fprintf(stderr, " %s", topic.c_str());
  std::fprintf(stderr, " (%d partitions; registry 1); Ctrl-C stops\n", options.partitions);
  while (!stop_requested()) {
    int up = wanted_up.exchange(-1);
    if (up >= 0) {
      Status changed = (*broker)->set_brokers_up(up == 1);
      std::fprintf(stderr, "broker: %s%s\n",
                   up == 1 ? "up again" : "down (SIGUSR1; SIGUSR2 brings it back)",
                   changed.ok() ? "" : (": " + changed.message()).c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "broker: stopped\n");
  return kExitOk;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BrokerOptions>();
  CLI::App* command = app.add_subcommand(
      "broker", "Run the embedded Kafka-protocol dev broker (librdkafka's mock cluster)");
  command->add_option("--bootstrap-file", options->bootstrap_file,
                      "Also write the bootstrap address to this file");
  command->add_option("--partitions", options->partitions, "Partitions of each audit-side topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  command->add_option("--topic", options->topics, "Topics to create (repeat; replaces the default)")
      ->capture_default_str();
  command->callback([options, &exit_code] { exit_code = run_broker(*options); });
}

}  // namespace aw::tools
