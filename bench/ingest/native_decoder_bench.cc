// Native decoder throughput against a bare simdjson On-Demand pass that reads the same fields
// from the same buffer (the baseline of the foundation issue), with heap allocations per event.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "bench/alloc_counter.h"
#include "bench/bench_corpus.h"
#include "ingest/native_decoder.h"

namespace aw::bench {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kEvents = 200000;
constexpr size_t kBatch = 1024;

const Corpus& corpus() {
  static const Corpus c = make_native_corpus(kEvents, 42);
  return c;
}

void report(benchmark::State& state, uint64_t allocations_before, size_t events, size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs_per_event"] =
      benchmark::Counter(static_cast<double>(allocation_count() - allocations_before) /
                         static_cast<double>(state.iterations() * events));
}

// Touch every string the decoder reads so the baseline cannot skip work.
inline void consume(std::string_view s, size_t* sink) { *sink += s.size(); }

// Reads the named string fields of a nested object, finding each by its key as any On-Demand
// user would; `names` are the fields the decoder also reads there.
void read_object_strings(od::value value, std::initializer_list<std::string_view> names,
                         size_t* sink) {
  od::object object;
  if (value.get_object().get(object)) return;
  for (auto field : object) {
    od::raw_json_string key;
    if (field.key().get(key)) return;
    for (std::string_view name : names) {
      if (key == name) {
        std::string_view s;
        if (!field.value().get_string().get(s)) consume(s, sink);
        break;
      }
    }
  }
}

// The baseline: parse each record and read the same fields, with no validation beyond what
// simdjson does, no error classification, no output structure.
void BM_BareSimdjsonOnDemand(benchmark::State& state) {
  const Corpus& c = corpus();
  od::parser parser;
  if (parser.allocate(1 << 20)) {
    state.SkipWithError("allocate failed");
    return;
  }
  size_t sink = 0;
  size_t complete = 0;  // records whose every field was read: proves the baseline did the work
  uint64_t before = allocation_count();
  for (auto _ : state) {
    for (const ingest::RecordRef& r : c.records) {
      size_t fields = 0;
      od::document doc;
      if (parser.iterate(r.bytes.data(), r.bytes.size(), r.bytes.size() + 64).get(doc)) continue;
      od::object root;
      if (doc.get_object().get(root)) continue;
      for (auto field : root) {
        std::string_view key;
        if (field.unescaped_key().get(key)) break;
        od::value value = field.value();
        if (key == "ts" || key == "id" || key == "source" || key == "session" || key == "task" ||
            key == "env" || key == "outcome" || key == "approval" || key == "src_ip") {
          std::string_view s;
          if (!value.get_string().get(s)) consume(s, &sink);
        } else if (key == "seq") {
          uint64_t n;
          if (!value.get_uint64().get(n)) sink += n;
        } else if (key == "actor") {
          read_object_strings(value, {"id", "type"}, &sink);
        } else if (key == "credential") {
          read_object_strings(value, {"id"}, &sink);
        } else if (key == "action") {
          read_object_strings(value, {"tool", "verb", "class"}, &sink);
        } else if (key == "resource") {
          read_object_strings(value, {"type", "name"}, &sink);
        } else if (key == "attrs") {
          od::object attrs;
          std::string_view raw;
          if (!value.get_object().get(attrs) && !attrs.raw_json().get(raw)) consume(raw, &sink);
        }
        ++fields;
      }
      if (fields == 15) ++complete;
    }
    benchmark::DoNotOptimize(sink);
  }
  if (complete != state.iterations() * c.records.size()) state.SkipWithError("records skipped");
  report(state, before, c.records.size(), c.bytes());
}
BENCHMARK(BM_BareSimdjsonOnDemand)->Unit(benchmark::kMillisecond);

void BM_NativeDecoder(benchmark::State& state) {
  const Corpus& c = corpus();
  auto decoder = ingest::NativeDecoder::make({});
  ingest::EventBatch batch;
  batch.events.reserve(kBatch);
  // Warm: the first pass sizes the batch vectors and arena.
  decoder->decode(std::span(c.records.data(), std::min(kBatch, c.records.size())), batch);
  size_t events = 0;
  uint64_t decoder_allocations = 0;  // counted around the decoder calls only
  for (auto _ : state) {
    for (size_t i = 0; i < c.records.size(); i += kBatch) {
      batch.clear();
      size_t n = std::min(kBatch, c.records.size() - i);
      uint64_t before = allocation_count();
      decoder->decode(std::span(c.records.data() + i, n), batch);
      decoder_allocations += allocation_count() - before;
      events += batch.events.size();
    }
    benchmark::DoNotOptimize(events);
  }
  if (events != state.iterations() * c.records.size()) state.SkipWithError("records rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.records.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes()));
  state.counters["allocs_per_event"] =
      benchmark::Counter(static_cast<double>(decoder_allocations) /
                         static_cast<double>(state.iterations() * c.records.size()));
}
BENCHMARK(BM_NativeDecoder)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aw::bench

BENCHMARK_MAIN();
