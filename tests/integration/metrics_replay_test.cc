// /metrics scraped while `agentwatch replay --metrics-port` is in progress: the replay reads a
// named pipe the test writes in two parts, so the test knows the replay is mid-way when it
// scrapes; the counters move between the parts, promtool accepts the exposition, and the
// replay ends normally once the pipe closes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/serve_process.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw {
namespace {

// The value of one series line ("name{labels} value"), or -1 when absent.
double metric(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

std::string scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  return res && res->status == 200 ? "\n" + res->body : std::string();
}

// Polls /metrics until `series` exceeds `above`; the last scrape.
std::string wait_for(int port, const std::string& series, double above) {
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text = scrape(port);
    if (metric(text, series) > above) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return text;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

TEST(MetricsDuringReplay, CountersMoveWhileTheReplayRuns) {
  testing::TempDir dir;
  auto gen = testing::run_agentwatch({"gen", "--out", dir.file("w"), "--events", "60000",
                                      "--agents", "100", "--violations-per-rule", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::vector<std::string> lines;
  {
    std::ifstream in(dir.file("w/events.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  }
  ASSERT_EQ(lines.size(), 60000u);
  const std::string pipe = dir.file("events.pipe");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);

  std::string err;
  auto replay =
      testing::ServeProcess::start({"replay", "--registry", dir.file("w/registry.yaml"), "--store",
                                    dir.file("store"), "--metrics-port", "0", pipe},
                                   &err, R"(metrics on http://\S+:(\d+)/metrics)");
  ASSERT_NE(replay, nullptr) << err;
  const int port = replay->port();
  int fd = ::open(pipe.c_str(), O_WRONLY);  // waits for the replay to open its input
  ASSERT_GE(fd, 0);

  // Part one: 30,000 records and one that is not JSON (well over one 4 MiB read chunk).
  std::string first = "this is not json\n";
  for (size_t i = 0; i < 30000; ++i) first += lines[i];
  ASSERT_TRUE(write_all(fd, first));
  std::string mid = wait_for(port, "agentwatch_records_in_total", 0);
  const double records_mid = metric(mid, "agentwatch_records_in_total");
  EXPECT_GT(records_mid, 0) << mid;
  EXPECT_LE(records_mid, 30001) << "the second part is not written yet";
  EXPECT_GT(metric(mid, "agentwatch_events_decoded_total"), 0);
  EXPECT_GT(metric(mid, "agentwatch_batch_duration_seconds_count"), 0);

  // Part two: the counters move on while the pipe is still open (the replay still runs).
  std::string second;
  for (size_t i = 30000; i < lines.size(); ++i) second += lines[i];
  ASSERT_TRUE(write_all(fd, second));
  std::string later = wait_for(port, "agentwatch_records_in_total", 30001 + 10000);
  EXPECT_GT(metric(later, "agentwatch_records_in_total"), 30001 + 10000) << later;
  EXPECT_EQ(metric(later, "agentwatch_dead_letters_total{reason=\"not_json\"}"), 1) << later;
  EXPECT_GT(metric(later, "agentwatch_events_decoded_total"), records_mid);
  EXPECT_GT(metric(later, "agentwatch_batch_duration_seconds_count"),
            metric(mid, "agentwatch_batch_duration_seconds_count"));
  EXPECT_GE(metric(later, "agentwatch_store_size_bytes"), 0);
  // The store's memory by part; index and filter blocks are charged to the block cache, so
  // the table readers hold next to nothing outside it.
  EXPECT_GT(metric(later, "agentwatch_store_memory_bytes{part=\"memtables\"}"), 0) << later;
  EXPECT_GE(metric(later, "agentwatch_store_memory_bytes{part=\"block_cache\"}"), 0) << later;
  const double readers = metric(later, "agentwatch_store_memory_bytes{part=\"table_readers\"}");
  EXPECT_GE(readers, 0) << later;
  EXPECT_LT(readers, 1 << 20) << later;
  double alerts = 0;
  for (size_t at = later.find("\nagentwatch_alerts_total{"); at != std::string::npos;
       at = later.find("\nagentwatch_alerts_total{", at + 1)) {
    alerts += std::stod(later.substr(later.find("} ", at) + 2));
  }
  EXPECT_GT(alerts, 0) << "injected violations raise alerts";

  if (std::filesystem::exists("/usr/bin/promtool")) {
    std::string file = dir.write("metrics.txt", later.substr(1));
    int status = std::system(
        ("/usr/bin/promtool check metrics < " + file + " > " + dir.file("promtool.out") + " 2>&1")
            .c_str());
    EXPECT_EQ(status, 0) << testing::read_file(dir.file("promtool.out"));
  } else {
    ADD_FAILURE() << "promtool is not installed (Debian package prometheus; "
                     "tools/scripts/setup.sh installs it)";
  }
  ::close(fd);
  EXPECT_EQ(replay->wait(std::chrono::seconds(60)), 0) << replay->err();
  EXPECT_NE(replay->err().find("60001 records"), std::string::npos) << replay->err();
}

}  // namespace
}  // namespace aw
