// agentwatch demo: the main job on embedded defaults, in one process. Starts the embedded
// broker, writes a demo registry (a generated organisation plus the shipped incident's agents),
// produces a realistic stream (background activity of many agents with the incident woven in
// at its times), runs the production pipeline of `run` on it, prints alerts as they happen with
// a progress line, records the incident's token revocation late (on the registry topic, after
// the agent's actions were stored) so the post-revocation finding arrives as a retro alert,
// then prints the agent's timeline from the store and the commands to run next.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ingest/embedded_broker.h"
#include "ingest/kafka_client.h"
#include "ingest/timestamp.h"
#include "tools/command.h"
#include "tools/demo/incident.h"
#include "tools/run_loop.h"
#include "tools/stop_signal.h"
#include "tools/workload_generator.h"

namespace aw::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoOptions {
  std::string dir = "agentwatch-demo";
  uint64_t events = 200000;
  uint32_t agents = 500;
};

constexpr const char* kAuditTopic = "agent-audit";
constexpr const char* kRegistryTopic = "agentwatch-registry";
constexpr const char* kAlertTopic = "agentwatch-alerts";
constexpr const char* kDeadLetterTopic = "agentwatch-dlq";
constexpr const char* kIncidentAgent = "agent-0421";

int fail(const std::string& message) {
  std::fprintf(stderr, "agentwatch demo: %s\n", message.c_str());
  return kExitCannotRun;
}

// The generated organisation's registry with the incident's entities added (its policy stays).
Status write_registry(const std::string& generated, const std::string& out) {
  try {
    YAML::Node merged = YAML::LoadFile(generated);
    YAML::Node incident = YAML::Load(demo::kIncidentRegistry);
    // The incident's holiday freeze covers its orders database only: over the whole generated
    // organisation's production it would drown the demo in freeze findings.
    for (YAML::Node freeze : incident["freezes"]) {
      freeze["resources"] = std::vector<std::string>{"db:prod/orders", "db:prod/orders/**"};
    }
    for (const char* kind : {"agents", "credentials", "freezes", "approvals"}) {
      if (!incident[kind] || !incident[kind].IsSequence()) continue;
      if (!merged[kind] || !merged[kind].IsSequence())
        merged[kind] = YAML::Node(YAML::NodeType::Sequence);
      for (const YAML::Node& entity : incident[kind]) merged[kind].push_back(entity);
    }
    YAML::Emitter emitter;
    emitter << merged;
    std::ofstream file(out);
    file << "# agentwatch demo registry: a generated organisation plus the incident's agents.\n"
         << emitter.c_str() << "\n";
    if (!file) return Status::io_error("cannot write '" + out + "'");
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(std::string("demo registry: ") + e.what());
  }
  return Status::ok_status();
}

std::string actor_of(std::string_view line) {
  constexpr std::string_view marker = "\"actor\":{\"id\":\"";
  size_t at = line.find(marker);
  if (at == std::string_view::npos) return "";
  at += marker.size();
  return std::string(line.substr(at, line.find('"', at) - at));
}

int64_t time_of(std::string_view line) {
  constexpr std::string_view marker = "\"ts\":\"";
  size_t at = line.find(marker);
  int64_t us = 0;
  if (at == std::string_view::npos) return 0;
  at += marker.size();
  return ingest::parse_rfc3339(line.substr(at, line.find('"', at) - at), &us) ? us : 0;
}

// The records to produce, in time order: the generated stream with the incident's events woven
// in; the incident's registry updates are kept apart, to be recorded late.
struct DemoStream {
  std::vector<std::string> audit;
  std::vector<std::string> late_updates;
};

Result<DemoStream> build_stream(const std::string& generated_events) {
  DemoStream stream;
  std::vector<std::string> incident;
  std::istringstream lines(demo::kIncidentStream);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    (line.rfind("{\"registry_update\"", 0) == 0 ? stream.late_updates : incident).push_back(line);
  }
  std::ifstream in(generated_events);
  if (!in) return Status::io_error("cannot read '" + generated_events + "'");
  size_t next = 0;
  for (std::string line; std::getline(in, line);) {
    int64_t ts = time_of(line);
    // Bad records of the incident have no usable time: they go with the one before them.
    while (next < incident.size() &&
           (time_of(incident[next]) == 0 || time_of(incident[next]) <= ts)) {
      stream.audit.push_back(incident[next++]);
    }
    stream.audit.push_back(std::move(line));
  }
  while (next < incident.size()) stream.audit.push_back(incident[next++]);
  return stream;
}

// Returns to the start of the progress line on a terminal; nothing when output is a file.
const char* erase_line(std::FILE* file) { return ::isatty(::fileno(file)) ? "\r\033[K" : ""; }

void print_alert(std::string_view json) {
  auto field = [&](std::string_view name) {
    std::string marker = "\"" + std::string(name) + "\":\"";
    size_t at = json.find(marker);
    if (at == std::string_view::npos) return std::string();
    at += marker.size();
    return std::string(json.substr(at, json.find('"', at) - at));
  };
  std::string severity = field("severity");
  std::string agent = field("agent");
  // The incident's agent, and everything critical, as it happens; the rest is counted.
  if (agent != kIncidentAgent && severity != "critical") return;
  bool retro = json.find("\"retro\":true") != std::string_view::npos;
  std::printf("%s%-8s %-28s %-12s %s%s\n", erase_line(stdout), severity.c_str(),
              field("rule").c_str(), agent.c_str(), field("summary").c_str(),
              retro ? "  [retro: revocation recorded late]" : "");
  std::fflush(stdout);
}

int run_demo(const DemoOptions& options) {
  auto started = Clock::now();
  install_stop_handlers();
  const fs::path dir = fs::absolute(options.dir);
  std::error_code ec;
  fs::remove_all(dir / "store", ec);
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create '" + dir.string() + "': " + ec.message());

  std::printf("agentwatch demo: an organisation of %u agents, %llu audit records, one incident\n",
              options.agents, static_cast<unsigned long long>(options.events));
  WorkloadOptions workload;
  workload.events = options.events;
  workload.agents = options.agents;
  workload.violations_per_rule = 3;
  WorkloadSummary summary;
  Status generated = generate_workload(workload, (dir / "generated").string(), &summary);
  if (!generated.ok()) return fail(generated.message());
  const std::string registry = (dir / "registry.yaml").string();
  Status written = write_registry((dir / "generated" / "registry.yaml").string(), registry);
  if (!written.ok()) return fail(written.message());
  auto stream = build_stream((dir / "generated" / "events.jsonl").string());
  if (!stream.ok()) return fail(stream.status().message());

  auto broker = ingest::EmbeddedBroker::start();
  if (!broker.ok()) return fail(broker.status().message());
  for (auto [topic, partitions] : {std::pair{kAuditTopic, 2}, std::pair{kRegistryTopic, 1},
                                   std::pair{kAlertTopic, 2}, std::pair{kDeadLetterTopic, 1}}) {
    Status created = (*broker)->create_topic(topic, partitions);
    if (!created.ok()) return fail(created.message());
  }
  const std::string bootstrap = (*broker)->bootstrap_servers();
  std::printf("embedded broker on %s; store in %s\n\n", bootstrap.c_str(), (dir / "store").c_str());

  RunConfig config;
  config.path = "(demo)";
  config.bootstrap_servers = bootstrap;
  config.group_id = "agentwatch-demo";
  config.audit_topics = {AuditTopic{kAuditTopic, "native", ""}};
  config.registry_file = registry;
  config.registry_topic = kRegistryTopic;
  config.alert_topic = kAlertTopic;
  config.dead_letter_topic = kDeadLetterTopic;
  config.store = (dir / "store").string();
  config.alerts_file = (dir / "alerts.jsonl").string();
  config.lag_log_interval_ms = 0;

  // The producer: audit records keyed by agent, paced by what the pipeline has consumed (the
  // embedded broker keeps only a few MiB per partition), then the late revocation.
  std::atomic<uint64_t> consumed{0};
  std::atomic<bool> produced_all{false}, revoked{false};
  std::atomic<uint64_t> retro_alerts{0};
  Status producer_status;
  std::thread producer_thread([&] {
    auto producer = ingest::KafkaProducer::open({{"bootstrap.servers", bootstrap}}, nullptr);
    if (!producer.ok()) {
      producer_status = producer.status();
      produced_all = revoked = true;
      return;
    }
    uint64_t sent = 0;
    for (const std::string& line : stream->audit) {
      while (sent > consumed.load() + 20000 && !stop_requested()) {
        (*producer)->poll(5);
      }
      if (stop_requested()) break;
      Status status = (*producer)->produce(kAuditTopic, actor_of(line), line, 0);
      if (!status.ok()) {
        producer_status = status;
        break;
      }
      ++sent;
    }
    (void)(*producer)->flush(10000);
    produced_all = true;
    // Recorded late: the revocation reaches the registry only after the agent's later actions
    // were judged and stored.
    while (consumed.load() < sent && !stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const std::string& update : stream->late_updates) {
      (void)(*producer)->produce(kRegistryTopic, kIncidentAgent, update, 0);
    }
    (void)(*producer)->flush(10000);
    revoked = true;
  });

  RunHooks hooks;
  hooks.quiet = true;
  std::map<std::string, uint64_t> by_rule;
  hooks.on_alert = [&](std::string_view json) {
    if (json.find("\"retro\":true") != std::string_view::npos) ++retro_alerts;
    constexpr std::string_view marker = "\"rule\":\"";
    if (size_t at = json.find(marker); at != std::string_view::npos) {
      at += marker.size();
      ++by_rule[std::string(json.substr(at, json.find('"', at) - at))];
    }
    print_alert(json);
  };
  Clock::time_point revoked_at{};
  hooks.should_stop = [&](const RunProgress& progress) {
    consumed = progress.records;
    if (!revoked) return false;
    if (revoked_at == Clock::time_point{}) revoked_at = Clock::now();
    // Done once the late revocation's retro alerts are out (or after a few seconds).
    return retro_alerts > 0 || Clock::now() - revoked_at > std::chrono::seconds(5);
  };
  hooks.on_progress = [&](const RunProgress& progress) {
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::fprintf(stderr, "%s%llu records, %llu alerts, %llu dead-lettered, %.0f s%s",
                 erase_line(stderr), static_cast<unsigned long long>(progress.records),
                 static_cast<unsigned long long>(progress.alerts),
                 static_cast<unsigned long long>(progress.dead_letters), seconds,
                 ::isatty(::fileno(stderr)) ? "" : "\n");
  };
  Status ran = run_pipeline(config, hooks);
  request_stop();  // the producer, if the pipeline stopped early
  producer_thread.join();
  std::fprintf(stderr, "%s", erase_line(stderr));
  if (!ran.ok()) return fail(ran.message());
  if (!producer_status.ok()) return fail(producer_status.message());

  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("\n%zu records streamed through Kafka, judged and stored in %.1f s. Alerts:",
              stream->audit.size(), seconds);
  for (const auto& [rule, count] : by_rule) {
    std::printf(" %s %llu", rule.c_str(), static_cast<unsigned long long>(count));
  }
  std::printf("\n\n");
  std::printf("== what %s did (from the store)\n", kIncidentAgent);
  std::fflush(stdout);
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  const std::string store = (dir / "store").string();
  std::string timeline = "'" + self + "' query timeline --store '" + store + "' --agent " +
                         kIncidentAgent + " --limit 20";
  if (std::system(timeline.c_str()) != 0) return fail("could not show the timeline");
  std::printf(
      "\nNext:\n"
      "  agentwatch query event --store %s evt-7f3a       # the record, its alerts, the registry "
      "then\n"
      "  agentwatch query alerts --store %s --severity critical\n"
      "  agentwatch report coverage --store %s -o coverage.html\n"
      "  agentwatch serve --store %s                       # the web timeline on 127.0.0.1\n"
      "  agentwatch verify --store %s\n"
      "Alerts as JSON lines: %s\n",
      store.c_str(), store.c_str(), store.c_str(), store.c_str(), store.c_str(),
      (dir / "alerts.jsonl").c_str());
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* command = app.add_subcommand(
      "demo", "The main job on embedded defaults: broker, stream, pipeline, alerts, timeline");
  command->add_option("--dir", options->dir, "Where the demo keeps its store and files")
      ->capture_default_str();
  command->add_option("--events", options->events, "Background audit records")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{5000000}));
  command->add_option("--agents", options->agents, "Agents of the generated organisation")
      ->capture_default_str()
      ->check(CLI::Range(100u, 100000u));
  command->callback([options, &exit_code] { exit_code = run_demo(*options); });
}

}  // namespace aw::tools
