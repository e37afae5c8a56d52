#include "tools/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aw::tools {
namespace {

// Prometheus floats: integers without a fraction, others with full precision.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
    return buffer;
  }
  // The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  return buffer;
}

// Label values escape backslash, double quote and newline; help texts backslash and newline.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// name{a="x",b="y"} with an optional extra label (le for histogram buckets).
void append_series(std::string& out, std::string_view name, const MetricLabels& labels,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void atomic_add_double(std::atomic<uint64_t>& bits, double v) {
  uint64_t old = bits.load(std::memory_order_relaxed);
  for (;;) {
    double current;
    std::memcpy(&current, &old, sizeof current);
    double next = current + v;
    uint64_t next_bits;
    std::memcpy(&next_bits, &next, sizeof next_bits);
    if (bits.compare_exchange_weak(old, next_bits, std::memory_order_relaxed)) return;
  }
}

}  // namespace

uint64_t Gauge::to_bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}
double Gauge::from_bits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
void Gauge::add(double v) { atomic_add_double(bits_, v); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomic_add_double(sum_bits_, v);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const {
  uint64_t bits = sum_bits_.load(std::memory_order_relaxed);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

MetricsRegistry::Series* MetricsRegistry::find_or_add(std::string_view name, std::string_view help,
                                                      Type type, MetricLabels labels,
                                                      bool* type_clash) {
  std::sort(labels.begin(), labels.end());
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  }
  Family& family = it->second;
  *type_clash = family.type != type;
  if (*type_clash) {
    detached_.push_back(std::make_unique<Series>());
    return detached_.back().get();
  }
  for (auto& series : family.series) {
    if (series->labels == labels) return series.get();
  }
  family.series.push_back(std::make_unique<Series>());
  family.series.back()->labels = std::move(labels);
  return family.series.back().get();
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  MetricLabels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  bool clash = false;
  Series* s = find_or_add(name, help, Type::kCounter, std::move(labels), &clash);
  if (!s->counter) s->counter = std::make_unique<Counter>();
  return *s->counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, MetricLabels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  bool clash = false;
  Series* s = find_or_add(name, help, Type::kGauge, std::move(labels), &clash);
  if (!s->gauge) s->gauge = std::make_unique<Gauge>();
  return *s->gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      std::vector<double> bounds, MetricLabels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  bool clash = false;
  Series* s = find_or_add(name, help, Type::kHistogram, std::move(labels), &clash);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s->histogram;
}

void MetricsRegistry::on_scrape(std::function<void()> refresh) {
  std::lock_guard<std::mutex> lock(mu_);
  refreshers_.push_back(std::move(refresh));
}

std::string MetricsRegistry::render() const {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    refreshers = refreshers_;
  }
  // Outside the lock: a refresher sets gauges, which may register them.
  for (const auto& refresh : refreshers) refresh();
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (family.series.empty()) continue;
    out += "# HELP " + name + " ";
    append_escaped(out, family.help, false);
    out += "\n# TYPE " + name + " ";
    out += family.type == Type::kCounter ? "counter"
           : family.type == Type::kGauge ? "gauge"
                                         : "histogram";
    out += '\n';
    for (const auto& series : family.series) {
      if (family.type == Type::kCounter) {
        append_series(out, name, series->labels);
        out += ' ' + std::to_string(series->counter->value()) + '\n';
      } else if (family.type == Type::kGauge) {
        append_series(out, name, series->labels);
        out += ' ' + number(series->gauge->value()) + '\n';
      } else {
        const Histogram& h = *series->histogram;
        std::vector<uint64_t> counts = h.bucket_counts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          std::string le = i < h.bounds().size() ? number(h.bounds()[i]) : "+Inf";
          append_series(out, name + "_bucket", series->labels, "le", le);
          out += ' ' + std::to_string(cumulative) + '\n';
        }
        append_series(out, name + "_sum", series->labels);
        out += ' ' + number(h.sum()) + '\n';
        append_series(out, name + "_count", series->labels);
        // The count of a scrape equals its +Inf bucket, even while observations race in.
        out += ' ' + std::to_string(cumulative) + '\n';
      }
    }
  }
  return out;
}

PipelineMetrics::PipelineMetrics(MetricsRegistry& registry)
    : records_in(registry.counter("agentwatch_records_in_total",
                                  "Records read from the inputs (lines or Kafka messages)")),
      events_decoded(
          registry.counter("agentwatch_events_decoded_total", "Records decoded into events")),
      batch_seconds(registry.histogram("agentwatch_batch_duration_seconds",
                                       "Time to decode, judge and hand one batch to the store",
                                       latency_buckets())),
      store_write_seconds(registry.histogram("agentwatch_store_write_duration_seconds",
                                             "Time of one write of a batch to the evidence store",
                                             latency_buckets())),
      store_size_bytes(registry.gauge("agentwatch_store_size_bytes",
                                      "Live files of the evidence store on disk")),
      ingestion_paused(
          registry.gauge("agentwatch_ingestion_paused",
                         "1 while ingestion is paused because the evidence store's disk is full")),
      registry_(registry) {}

Counter& PipelineMetrics::dead_letters(std::string_view reason) {
  return registry_.counter("agentwatch_dead_letters_total",
                           "Records sent to the dead-letter output, by reason",
                           {{"reason", std::string(reason)}});
}

Counter& PipelineMetrics::alerts(std::string_view rule) {
  return registry_.counter("agentwatch_alerts_total", "Alerts raised, by rule",
                           {{"rule", std::string(rule)}});
}

Gauge& PipelineMetrics::store_memory(std::string_view part) {
  return registry_.gauge("agentwatch_store_memory_bytes",
                         "Memory the evidence store holds, by part (RocksDB block cache, "
                         "memtables, table readers outside the cache)",
                         {{"part", std::string(part)}});
}

Gauge& PipelineMetrics::consumer_lag(int32_t partition) {
  return registry_.gauge("agentwatch_consumer_lag_messages",
                         "Messages between the consumer's position and the partition's end",
                         {{"partition", std::to_string(partition)}});
}

}  // namespace aw::tools
