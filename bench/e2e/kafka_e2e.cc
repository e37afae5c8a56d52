// kafka_e2e: the load side of bench/e2e/kafka_bench.sh. Produces the audit stream into the
// broker and measures what `agentwatch run` does with it, from outside, as Kafka sees it:
//
//   kafka_e2e registry                               the registry the stream is judged against
//   kafka_e2e throughput B GROUP N                   produce N records paced by the group's
//                                                    committed offsets; events/s stored
//   kafka_e2e produce B N PREFIX                     produce N records at once (a backlog)
//   kafka_e2e drain B GROUP TARGET RUN_LOG           time from the partitions' assignment
//                                                    until the group committed TARGET
//   kafka_e2e latency B RATE SECONDS                 produce at RATE records/s; 1 in 100 raises
//                                                    an alert; production -> alert-topic delay
//
// Records are ~330-byte native events; their ids carry the production time (µs) so the alert
// that names them tells its own delay.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ingest/kafka_client.h"
#include "ingest/timestamp.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 2;
constexpr const char* kTopic = "agent-audit";

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string actor_of(uint64_t n, uint64_t ghost_every) {
  return n % ghost_every == ghost_every - 1 ? "ghost-" + std::to_string(n % 50)
                                            : "agent-" + std::to_string(n % 100);
}

std::string record(const std::string& prefix, uint64_t n, uint64_t ghost_every) {
  char ts[32];
  std::snprintf(ts, sizeof(ts), "2026-11-20T%02llu:%02llu:%02lluZ",
                static_cast<unsigned long long>(n / 3600 % 24),
                static_cast<unsigned long long>(n / 60 % 60),
                static_cast<unsigned long long>(n % 60));
  return std::string(R"({"ts":")") + ts + R"(","id":")" + prefix + "-" + std::to_string(n) + "-" +
         std::to_string(now_us()) + R"(","source":"bench","actor":{"id":")" +
         actor_of(n, ghost_every) +
         R"(","type":"agent"},"session":"sess-1","task":"BENCH-1","action":{"tool":"sql.query","verb":"SELECT"},"resource":{"type":"table","name":"db:dev/t)" +
         std::to_string(n % 10) + R"("},"env":"dev","outcome":"success"})";
}

int64_t committed(rd_kafka_t* rk) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = 0; p < kPartitions; ++p) rd_kafka_topic_partition_list_add(list, kTopic, p);
  int64_t total = -1;
  if (rd_kafka_committed(rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    total = 0;
    for (int i = 0; i < list->cnt; ++i) total += std::max<int64_t>(0, list->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  return total;
}

rd_kafka_t* group_handle(const std::string& bootstrap, const std::string& group) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
  rd_kafka_conf_set(conf, "group.id", group.c_str(), error, sizeof(error));
  return rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
}

std::unique_ptr<aw::ingest::KafkaProducer> producer(const std::string& bootstrap) {
  auto opened = aw::ingest::KafkaProducer::open({{"bootstrap.servers", bootstrap}}, nullptr);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    std::exit(2);
  }
  return std::move(opened.value());
}

int throughput(const std::string& bootstrap, const std::string& group, uint64_t records) {
  auto out = producer(bootstrap);
  rd_kafka_t* rk = group_handle(bootstrap, group);
  const int64_t start_committed = std::max<int64_t>(0, committed(rk));
  uint64_t n = 0;
  Clock::time_point first_progress{};
  int64_t first_committed = 0;
  std::vector<std::pair<double, int64_t>> samples;
  auto started = Clock::now();
  while (true) {
    int64_t done = committed(rk) - start_committed;
    if (first_progress == Clock::time_point{} && done > 0) {
      first_progress = Clock::now();
      first_committed = done;
    }
    samples.emplace_back(std::chrono::duration<double>(Clock::now() - started).count(),
                         static_cast<int64_t>(n) - done);
    if (done >= static_cast<int64_t>(records)) break;
    // The broker keeps a few MiB per partition: stay within 100,000 records of the consumer.
    while (n < records && static_cast<int64_t>(n) < done + 100000) {
      (void)out->produce(kTopic, actor_of(n, 300), record("tp", n, 300), 0);
      ++n;
    }
    out->poll(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - first_progress).count();
  int64_t max_lag = 0;
  for (const auto& [t, lag] : samples) max_lag = std::max(max_lag, lag);
  std::printf(
      "throughput: %llu records stored and committed; %.0f events/s (from the first "
      "commit, %.2f s); producer kept lag <= 100000 (max seen %lld)\n",
      static_cast<unsigned long long>(records),
      static_cast<double>(records - static_cast<uint64_t>(first_committed)) / seconds, seconds,
      static_cast<long long>(max_lag));
  rd_kafka_destroy(rk);
  return 0;
}

int produce(const std::string& bootstrap, uint64_t records, const std::string& prefix) {
  auto out = producer(bootstrap);
  for (uint64_t n = 0; n < records; ++n) {
    (void)out->produce(kTopic, actor_of(n, 300), record(prefix, n, 300), 0);
  }
  (void)out->flush(30000);
  std::printf("produced %llu records\n", static_cast<unsigned long long>(records));
  return 0;
}

// The consumer's start is its last "assigned" log line (run's lines begin with their time).
int drain(const std::string& bootstrap, const std::string& group, int64_t target,
          const std::string& run_log) {
  rd_kafka_t* rk = group_handle(bootstrap, group);
  const int64_t at_start = committed(rk);
  while (committed(rk) < target) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t end_us = now_us();
  int64_t assigned_us = 0;
  std::FILE* log = std::fopen(run_log.c_str(), "r");
  char line[1024];
  while (log != nullptr && std::fgets(line, sizeof(line), log) != nullptr) {
    std::string text(line);
    int64_t at = 0;
    if (text.find(" run: assigned ") != std::string::npos &&
        aw::ingest::parse_rfc3339(text.substr(0, text.find(' ')), &at)) {
      assigned_us = at;
    }
  }
  if (log != nullptr) std::fclose(log);
  double seconds = (end_us - assigned_us) / 1e6;
  std::printf(
      "drain: lag of %lld records drained in %.3f s from the partitions' assignment "
      "(%.0f records/s)\n",
      static_cast<long long>(target - at_start), seconds,
      assigned_us > 0 && seconds > 0 ? (target - at_start) / seconds : 0.0);
  rd_kafka_destroy(rk);
  return 0;
}

int latency(const std::string& bootstrap, uint64_t rate, int seconds) {
  // The alert topic, from its end now: only this run's alerts count.
  std::vector<int64_t> delays;
  std::vector<int64_t> slow;  // production times of alerts over 200 ms
  std::atomic<bool> done{false};
  std::thread reader([&] {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
    rd_kafka_conf_set(conf, "group.id", "kafka-e2e-latency", error, sizeof(error));
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "5", error, sizeof(error));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
      rd_kafka_topic_partition_list_add(list, "agentwatch-alerts", p)->offset = RD_KAFKA_OFFSET_END;
    }
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    while (!done) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
      if (m == nullptr) continue;
      if (m->err == 0) {
        int64_t received = now_us();
        std::string payload(static_cast<const char*>(m->payload), m->len);
        size_t at = payload.find("\"event_id\":\"lat-");
        if (at != std::string::npos) {
          size_t end = payload.find('"', at + 12);
          std::string id = payload.substr(at + 12, end - at - 12);
          int64_t produced = std::atoll(id.substr(id.rfind('-') + 1).c_str());
          delays.push_back(received - produced);
          if (received - produced > 200000) {
            slow.push_back(produced);
          }
        }
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  });
  // The producer connects (metadata, idempotence handshake) while the reader is assigned:
  // the first records must not wait for either.
  auto out = producer(bootstrap);
  (void)aw::ingest::partition_count(out->handle(), kTopic, 5000);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto started = Clock::now();
  const int64_t start_us = now_us();
  uint64_t n = 0;
  const uint64_t total = rate * static_cast<uint64_t>(seconds);
  while (n < total) {
    // Steady: every millisecond, what is due by then.
    double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    uint64_t due = std::min<uint64_t>(total, static_cast<uint64_t>(elapsed * rate));
    for (; n < due; ++n) (void)out->produce(kTopic, actor_of(n, 100), record("lat", n, 100), 0);
    out->poll(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  (void)out->flush(10000);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the last alerts
  done = true;
  reader.join();
  if (!slow.empty()) {
    std::printf("latency: %zu alerts over 200 ms, produced %.2f s to %.2f s after the start\n",
                slow.size(), (*std::min_element(slow.begin(), slow.end()) - start_us) / 1e6,
                (*std::max_element(slow.begin(), slow.end()) - start_us) / 1e6);
  }
  std::sort(delays.begin(), delays.end());
  auto pct = [&](double p) {
    return delays.empty()
               ? 0.0
               : delays[std::min(delays.size() - 1, static_cast<size_t>(p * delays.size()))] /
                     1000.0;
  };
  std::printf(
      "latency: %llu records at %llu/s for %d s; %zu alerts (expected %llu); production "
      "-> alert topic delay p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      static_cast<unsigned long long>(total), static_cast<unsigned long long>(rate), seconds,
      delays.size(), static_cast<unsigned long long>(total / 100), pct(0.50), pct(0.90), pct(0.99),
      delays.empty() ? 0.0 : delays.back() / 1000.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "registry") {
    std::printf("agents:\n");
    for (int i = 0; i < 100; ++i) {
      std::printf(
          "  - id: agent-%d\n    owner: team-a\n    kind: agent\n    status: active\n"
          "    scopes:\n      - tools: [\"*\"]\n        resources: [\"**\"]\n        envs: [dev]\n",
          i);
    }
    return 0;
  }
  if (args.size() == 4 && args[0] == "throughput") {
    return throughput(args[1], args[2], std::stoull(args[3]));
  }
  if (args.size() == 4 && args[0] == "produce")
    return produce(args[1], std::stoull(args[2]), args[3]);
  if (args.size() == 5 && args[0] == "drain") {
    return drain(args[1], args[2], std::stoll(args[3]), args[4]);
  }
  if (args.size() == 4 && args[0] == "latency") {
    return latency(args[1], std::stoull(args[2]), std::stoi(args[3]));
  }
  std::fprintf(stderr, "usage: see the top of bench/e2e/kafka_e2e.cc\n");
  return 2;
}
