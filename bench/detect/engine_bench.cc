// The detect stage alone: decoded events in memory, a registry of 5,000 agents and 50,000
// credentials, the full built-in rule pack. Reports events/s and heap allocations per event.
// The workload comes from the seeded generator (agentwatch gen) and is decoded outside the
// timed loop; each iteration builds and warms a fresh engine untimed, then judges the stream.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/alloc_counter.h"
#include "detect/engine.h"
#include "detect/registry_loader.h"
#include "ingest/native_decoder.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"
#include "tools/workload_generator.h"

namespace aw::bench {
namespace {

constexpr uint64_t kEvents = 500000;
constexpr size_t kBatch = 8192;

struct Workload {
  std::string text;  // events.jsonl with padding; events view into it
  std::vector<ingest::EventBatch> batches;
  std::optional<rules::RuleSet> rules;
  std::string registry_yaml;
  size_t events = 0;
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    auto dir = std::filesystem::temp_directory_path() / "agentwatch-engine-bench";
    if (!std::filesystem::exists(dir / "events.jsonl")) {
      tools::WorkloadOptions options;
      options.events = kEvents;
      tools::WorkloadSummary summary;
      Status made = tools::generate_workload(options, dir.string(), &summary);
      if (!made.ok()) std::abort();
    }
    std::ifstream events(dir / "events.jsonl", std::ios::binary);
    std::stringstream buffer;
    buffer << events.rdbuf();
    out.text = buffer.str();
    out.text.append(ingest::kRecordPadding, '\0');
    std::ifstream registry(dir / "registry.yaml");
    std::stringstream registry_text;
    registry_text << registry.rdbuf();
    out.registry_yaml = registry_text.str();
    auto decoder = ingest::NativeDecoder::make({});
    rules::ActionClassifier classifier(rules::ActionClassTable::builtin());
    std::vector<ingest::RecordRef> records;
    size_t start = 0;
    const size_t end = out.text.size() - ingest::kRecordPadding;
    while (start < end) {
      size_t nl = out.text.find('\n', start);
      records.push_back(ingest::RecordRef{{out.text.data() + start, nl - start}, nl - start, {}});
      start = nl + 1;
    }
    for (size_t i = 0; i < records.size(); i += kBatch) {
      auto& batch = out.batches.emplace_back();
      decoder->decode(std::span(records.data() + i, std::min(kBatch, records.size() - i)), batch);
      classifier.classify(batch);
      out.events += batch.events.size();
    }
    auto rules = rules::RuleSet::load({});
    if (!rules.ok()) std::abort();
    out.rules.emplace(std::move(rules.value()));
    return out;
  }();
  return w;
}

void BM_DetectEngine(benchmark::State& state) {
  const Workload& w = workload();
  auto registry = detect::parse_registry(w.registry_yaml, "registry.yaml");
  if (!registry.ok()) {
    state.SkipWithError(registry.status().message().c_str());
    return;
  }
  // The timed pass judges the whole stream with a warm engine: one that has already judged the
  // same stream under other event ids (so its agents, credentials, windows, resources, tasks and
  // sources are all known, and no timed event is a duplicate). Copies, because the engine marks
  // duplicates in the events it judges.
  std::vector<ingest::EventBatch> batches(w.batches.size());
  std::vector<ingest::EventBatch> warm_batches(w.batches.size());
  std::vector<std::string> warm_ids;
  warm_ids.reserve(w.events);
  for (size_t i = 0; i < w.batches.size(); ++i) {
    batches[i].events = w.batches[i].events;
    warm_batches[i].events = w.batches[i].events;
    for (ingest::Event& e : warm_batches[i].events) {
      warm_ids.push_back("warm-" + std::string(e.id));
      e.id = warm_ids.back();
    }
  }
  detect::AlertBuffer alerts;
  uint64_t allocations = 0;
  uint64_t alert_count = 0;
  uint64_t timed_events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    detect::EngineOptions options;
    options.detected_at_us = 1;
    detect::Engine engine(*w.rules, *registry, options);
    for (auto& batch : warm_batches) {
      for (auto& e : batch.events) e.duplicate = false;
      alerts.clear();
      engine.process(batch, "bench", alerts);
    }
    for (auto& batch : batches) {
      for (auto& e : batch.events) e.duplicate = false;
    }
    state.ResumeTiming();
    for (auto& batch : batches) {
      alerts.clear();
      uint64_t before = allocation_count();
      engine.process(batch, "bench", alerts);
      allocations += allocation_count() - before;
      alert_count += alerts.alerts.size();
      timed_events += batch.events.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(timed_events));
  state.counters["allocs_per_event"] =
      benchmark::Counter(static_cast<double>(allocations) / static_cast<double>(timed_events));
  state.counters["alerts_per_pass"] = benchmark::Counter(static_cast<double>(alert_count) /
                                                         static_cast<double>(state.iterations()));
}
BENCHMARK(BM_DetectEngine)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aw::bench

BENCHMARK_MAIN();
