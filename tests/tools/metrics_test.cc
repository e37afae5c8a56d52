// The metrics registry: values, labels, histogram buckets, the Prometheus text format (checked
// by Prometheus's own `promtool check metrics`), concurrent updates, and the HTTP endpoint.
#include "tools/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "tools/metrics_endpoint.h"

namespace aw::tools {
namespace {

TEST(Metrics, CountersAndGaugesRenderWithHelpTypeAndLabels) {
  MetricsRegistry registry;
  PipelineMetrics pipeline(registry);
  pipeline.records_in.add(7);
  pipeline.events_decoded.add(5);
  pipeline.dead_letters("not_json").add(2);
  pipeline.dead_letters("bad_timestamp").add(1);
  pipeline.dead_letters("not_json").add(1);  // the same series again
  pipeline.alerts("freeze-violation").add(3);
  pipeline.consumer_lag(3).set(1200);
  pipeline.store_size_bytes.set(4096);
  std::string text = registry.render();
  EXPECT_NE(text.find("# HELP agentwatch_records_in_total "), std::string::npos) << text;
  EXPECT_NE(
      text.find("# TYPE agentwatch_records_in_total counter\nagentwatch_records_in_total 7\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("agentwatch_dead_letters_total{reason=\"not_json\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("agentwatch_dead_letters_total{reason=\"bad_timestamp\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("agentwatch_alerts_total{rule=\"freeze-violation\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE agentwatch_consumer_lag_messages gauge\n"
                      "agentwatch_consumer_lag_messages{partition=\"3\"} 1200\n"),
            std::string::npos);
  EXPECT_NE(text.find("agentwatch_store_size_bytes 4096\n"), std::string::npos);
  // One HELP/TYPE block per family, however many series.
  EXPECT_EQ(text.find("# TYPE agentwatch_dead_letters_total"),
            text.rfind("# TYPE agentwatch_dead_letters_total"));
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("test_seconds", "a test", {0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
  std::string text = registry.render();
  EXPECT_NE(text.find("test_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos)
      << text;  // 0.1 itself falls in le=0.1
  EXPECT_NE(text.find("test_seconds_bucket{le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("test_seconds_bucket{le=\"10\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("test_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("test_seconds_count 5\n"), std::string::npos);
  EXPECT_NE(text.find("test_seconds_sum 55.65"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  registry.counter("odd_total", "help with \\ and\nnewline", {{"path", "a\"b\\c\nd"}}).add();
  std::string text = registry.render();
  EXPECT_NE(text.find("odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP odd_total help with \\\\ and\\nnewline\n"), std::string::npos);
}

TEST(Metrics, AskingForAnotherTypeUnderATakenNameDoesNotCorruptTheFamily) {
  MetricsRegistry registry;
  registry.counter("taken", "a counter").add(4);
  registry.gauge("taken", "now a gauge?").set(9);
  std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE taken counter\ntaken 4\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("taken 9"), std::string::npos);
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  PipelineMetrics pipeline(registry);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pipeline, t] {
      for (int i = 0; i < 10000; ++i) {
        pipeline.records_in.add(2);
        pipeline.batch_seconds.observe(0.001 * (i % 7));
        pipeline.alerts(t % 2 ? "a" : "b").add();
      }
    });
  }
  std::thread scraper([&registry] {
    for (int i = 0; i < 20; ++i) (void)registry.render();
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_EQ(pipeline.records_in.value(), 80000u);
  EXPECT_EQ(pipeline.batch_seconds.count(), 40000u);
  EXPECT_EQ(pipeline.alerts("a").value() + pipeline.alerts("b").value(), 40000u);
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
  const char* promtool = "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; tools/scripts/setup.sh "
                    "installs it)";
  }
  MetricsRegistry registry;
  PipelineMetrics pipeline(registry);
  pipeline.records_in.add(10);
  pipeline.events_decoded.add(9);
  pipeline.dead_letters("not_json").add(1);
  pipeline.alerts("audit-gap").add(2);
  pipeline.batch_seconds.observe(0.02);
  pipeline.store_write_seconds.observe(0.2);
  pipeline.consumer_lag(0).set(5);
  pipeline.store_size_bytes.set(1 << 20);
  testing::TempDir dir;
  std::string file = dir.write("metrics.txt", registry.render());
  std::string command =
      std::string(promtool) + " check metrics < " + file + " > " + dir.file("out") + " 2>&1";
  int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << testing::read_file(dir.file("out")) << "\n" << registry.render();
}

TEST(MetricsEndpoint, ServesMetricsAndHealth) {
  MetricsRegistry registry;
  PipelineMetrics pipeline(registry);
  pipeline.records_in.add(42);
  MetricsEndpointOptions options;
  options.port = 0;
  bool healthy = true;
  options.health = [&healthy](std::string* text) {
    if (!healthy) *text = "store closed";
    return healthy;
  };
  auto endpoint = MetricsEndpoint::start(registry, options);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().message();
  httplib::Client client("127.0.0.1", (*endpoint)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), kPrometheusContentType);
  EXPECT_NE(metrics->body.find("agentwatch_records_in_total 42\n"), std::string::npos);
  pipeline.records_in.add(1);
  EXPECT_NE(client.Get("/metrics")->body.find("agentwatch_records_in_total 43\n"),
            std::string::npos);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  healthy = false;
  auto sick = client.Get("/healthz");
  ASSERT_TRUE(sick);
  EXPECT_EQ(sick->status, 503);
  EXPECT_EQ(sick->body, "store closed\n");
  EXPECT_EQ(client.Get("/nothing")->status, 404);
  (*endpoint)->stop();
  EXPECT_FALSE(client.Get("/metrics"));
}

TEST(MetricsEndpoint, RefusesAnAddressItCannotBind) {
  MetricsRegistry registry;
  MetricsEndpointOptions options;
  options.bind = "203.0.113.1";  // TEST-NET-3: not an address of this machine
  options.port = 0;
  auto endpoint = MetricsEndpoint::start(registry, options);
  EXPECT_FALSE(endpoint.ok());
}

}  // namespace
}  // namespace aw::tools
