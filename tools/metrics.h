// Metrics: a small registry of counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4), and PipelineMetrics, the pipeline's own
// metrics declared once in one place (STYLE.md: stats declared once per component).
//
// Hot path: a metric is looked up (and created) once, under the registry's mutex; updating it
// afterwards is a relaxed atomic operation. The pipeline updates per batch, never per event.
// References returned by the registry stay valid as long as the registry.
//
// Thread-safety: everything may be called from any thread; render() sees each value as of its
// own read (values of one scrape are not a consistent snapshot of each other).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aw::tools {

// Label names and values of one series, e.g. {{"reason", "not_json"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { bits_.store(to_bits(v), std::memory_order_relaxed); }
  void add(double v);
  double value() const { return from_bits(bits_.load(std::memory_order_relaxed)); }

 private:
  static uint64_t to_bits(double v);
  static double from_bits(uint64_t bits);
  std::atomic<uint64_t> bits_{0};  // a double's bits: 0 is 0.0
};

class Histogram {
 public:
  // `bounds`: ascending upper bounds of the buckets; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket (not cumulative), the +Inf bucket last.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_bits_{0};
};

// Latency buckets in seconds, 100 µs to 60 s.
std::vector<double> latency_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The series of `name` with these labels, created on first use. A name keeps the type and
  // help of its first registration; asking for it as another type is a programming error and
  // returns a detached metric that is never rendered.
  Counter& counter(std::string_view name, std::string_view help, MetricLabels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, MetricLabels labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       MetricLabels labels = {});
  // Runs before every render(), to refresh gauges read from elsewhere (store size, lag).
  void on_scrape(std::function<void()> refresh);

  // The Prometheus text exposition of every series, families sorted by name.
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series* find_or_add(std::string_view name, std::string_view help, Type type, MetricLabels labels,
                      bool* type_clash);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void()>> refreshers_;
  std::vector<std::unique_ptr<Series>> detached_;
};

// The pipeline's metrics (issue "For people"): what replay and run update per batch.
//   agentwatch_records_in_total                     records read (lines or Kafka messages)
//   agentwatch_events_decoded_total                 records that became events
//   agentwatch_dead_letters_total{reason}           records refused, by reason
//   agentwatch_alerts_total{rule}                   alerts raised, by rule
//   agentwatch_batch_duration_seconds               decode + judge + store hand-off per batch
//   agentwatch_store_write_duration_seconds         one store write (commit or hand-off)
//   agentwatch_consumer_lag_messages{partition}     Kafka consumer lag per partition
//   agentwatch_store_size_bytes                     the store's live files on disk
class PipelineMetrics {
 public:
  explicit PipelineMetrics(MetricsRegistry& registry);

  Counter& records_in;
  Counter& events_decoded;
  Histogram& batch_seconds;
  Histogram& store_write_seconds;
  Gauge& store_size_bytes;
  Gauge& ingestion_paused;  // 1 while the store's disk is full (run pauses)
  // Looked up by value under the registry's mutex: call per batch, not per event.
  Counter& dead_letters(std::string_view reason);
  Counter& alerts(std::string_view rule);
  Gauge& consumer_lag(int32_t partition);
  // The store's memory by part: block_cache, memtables, table_readers (store::MemoryUsage).
  Gauge& store_memory(std::string_view part);

 private:
  MetricsRegistry& registry_;
};

}  // namespace aw::tools
