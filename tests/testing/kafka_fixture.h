// Kafka in integration tests: the embedded broker as its own process (`agentwatch broker`),
// kcat (an independent client) to produce and read topics, and `agentwatch run` configs.
#pragma once

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/child_process.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw::testing {

class BrokerProcess {
 public:
  // Starts `agentwatch broker` with the default topics; waits for its address.
  bool start(const TempDir& dir, int partitions = 2) {
    std::string file = dir.file("bootstrap");
    process_ = ChildProcess::start(
        AW_BINARY, {"broker", "--bootstrap-file", file, "--partitions", std::to_string(partitions)},
        dir.file("broker.out"), dir.file("broker.err"));
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(file);
      if (std::getline(in, bootstrap_) && !bootstrap_.empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  const std::string& bootstrap() const { return bootstrap_; }
  // SIGUSR1: every broker down; SIGUSR2: up again (tools/broker_command.cc).
  void signal(int sig) { process_.signal(sig); }
  ~BrokerProcess() {
    process_.signal(SIGTERM);
    process_.wait(std::chrono::seconds(5));
  }

 private:
  ChildProcess process_;
  std::string bootstrap_;
};

// The actor id of a native record, for keying it (records of one agent stay in one partition,
// in order); "-" when there is none.
inline std::string actor_key(const std::string& line) {
  const std::string marker = "\"actor\":{\"id\":\"";
  size_t at = line.find(marker);
  if (at == std::string::npos) return "-";
  at += marker.size();
  size_t end = line.find('"', at);
  return end == std::string::npos ? "-" : line.substr(at, end - at);
}

// Produces every line of `lines_file` to `topic` with kcat, keyed by actor id. True on success.
inline bool kcat_produce(const std::string& bootstrap, const std::string& topic,
                         const std::string& lines_file, const TempDir& dir) {
  std::ifstream in(lines_file);
  std::string keyed_file = dir.file("keyed-" + std::to_string(std::rand()));
  {
    std::ofstream out(keyed_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out << actor_key(line) << '\t' << line << '\n';
    }
  }
  std::string command = "kcat -b " + shell_quote(bootstrap) + " -t " + shell_quote(topic) +
                        " -P -z lz4 -K '\t' -l " + shell_quote(keyed_file) + " 2>" +
                        shell_quote(dir.file("kcat.err"));
  return std::system(command.c_str()) == 0;
}

// Every message of `topic` (payloads, one per line), read with kcat to the current end.
inline std::vector<std::string> kcat_read(const std::string& bootstrap, const std::string& topic,
                                          const TempDir& dir) {
  std::string out_file = dir.file("read-" + topic);
  std::string command = "kcat -b " + shell_quote(bootstrap) + " -C -t " + shell_quote(topic) +
                        " -e -q -f '%s\\n' > " + shell_quote(out_file) + " 2>" +
                        shell_quote(dir.file("kcat-read.err"));
  std::vector<std::string> lines;
  if (std::system(command.c_str()) != 0) return lines;
  std::ifstream in(out_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The value of a top-level string field of a flat JSON line ("" when absent).
inline std::string json_field(const std::string& line, const std::string& name) {
  const std::string marker = "\"" + name + "\":\"";
  size_t at = line.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return line.substr(at, line.find('"', at) - at);
}

inline std::set<std::string> alert_ids(const std::vector<std::string>& alerts) {
  std::set<std::string> ids;
  for (const std::string& a : alerts) ids.insert(json_field(a, "alert_id"));
  return ids;
}

// A `run` config for the embedded broker: default topics, quick group membership, short ticks.
inline std::string write_run_config(const TempDir& dir, const std::string& name,
                                    const std::string& registry_file, const std::string& store,
                                    const std::string& extra = "",
                                    const std::string& extra_properties = "") {
  std::string path = dir.file(name);
  std::ofstream out(path);
  out << "kafka:\n"
         "  bootstrap_servers: 127.0.0.1:1\n"  // replaced by --bootstrap-file
         "  group_id: agentwatch-test\n"
         "  properties:\n"
         "    session.timeout.ms: \"6000\"\n"
         "    heartbeat.interval.ms: \"500\"\n"
         "    topic.metadata.refresh.interval.ms: \"1000\"\n"
      << extra_properties
      << "audit_topics:\n"
         "  - topic: agent-audit\n"
         "registry:\n"
      << (registry_file.empty() ? "" : "  file: " + registry_file + "\n")
      << "  topic: agentwatch-registry\n"
         "alerts:\n"
         "  topic: agentwatch-alerts\n"
         "dead_letter_topic: agentwatch-dlq\n"
         "store:\n"
         "  path: "
      << store
      << "\n"
         "lag_log_interval: 1s\n"
      << extra;
  return path;
}

// Polls `done` every 200 ms until it holds or `timeout` passes.
template <typename Fn>
bool eventually(Fn done, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

}  // namespace aw::testing
