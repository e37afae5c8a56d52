// Write throughput of the evidence store, layouts compared on one corpus in one run.
//
//   BM_Naive            the DESIGN.md baseline: one RocksDB key per event (its JSON) plus three
//                       index keys (agent, credential, resource, each key|ts|id), WriteBatches
//                       of 1,000 events, LZ4, WAL on. Raw RocksDB, for the ratio only.
//   BM_Store/<variant>  EvidenceStore with StoreOptions varied one at a time from the defaults.
//   BM_Pipeline         what `replay --store` does per batch: decode, classify, judge with the
//                       workload's registry and the built-in rules, render alerts, store.
//
// Counters: events/s; disk_ratio = events + indexes + ids on disk / raw JSON bytes (after the
// memtables are flushed); io_ratio = bytes written to storage by the process / raw bytes (WAL,
// flushes and compactions: write amplification).
// Corpus: AW_STORE_BENCH_EVENTS (default 1,000,000) events of `agentwatch gen --seed 42`.
// Store directory: AW_STORE_BENCH_DIR (default /tmp).
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "bench/store/store_bench_corpus.h"
#include "detect/engine.h"
#include "detect/registry_loader.h"
#include "ingest/line_reader.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"
#include "store/alert_records.h"
#include "store/evidence_store.h"

namespace aw::bench {
namespace {

uint64_t corpus_events() {
  const char* n = std::getenv("AW_STORE_BENCH_EVENTS");
  return n ? std::strtoull(n, nullptr, 10) : 1000000;
}

StoreCorpus& corpus() {
  static std::unique_ptr<StoreCorpus> c = load_store_corpus(corpus_events());
  return *c;
}

std::string run_dir() {
  const char* base = std::getenv("AW_STORE_BENCH_DIR");
  return std::string(base ? base : "/tmp") + "/aw-store-bench-run";
}

void report(benchmark::State& state, uint64_t events, uint64_t raw, uint64_t io_bytes,
            const std::optional<store::DiskUsage>& disk) {
  state.SetItemsProcessed(static_cast<int64_t>(events * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(raw * state.iterations()));
  state.counters["io_ratio"] = static_cast<double>(io_bytes) / raw;
  if (disk) {
    state.counters["disk_ratio"] =
        static_cast<double>(disk->events + disk->index + disk->ids) / raw;
    state.counters["events_ratio"] = static_cast<double>(disk->events) / raw;
    state.counters["index_ratio"] = static_cast<double>(disk->index) / raw;
    state.counters["ids_ratio"] = static_cast<double>(disk->ids) / raw;
  }
}

void BM_Store(benchmark::State& state, store::StoreOptions options) {
  StoreCorpus& c = corpus();
  options.path = run_dir();
  uint64_t io_bytes = 0;
  std::optional<store::DiskUsage> disk;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(options.path);
    uint64_t io_start = process_write_bytes();
    state.ResumeTiming();
    auto store = store::EvidenceStore::open(options);
    if (!store.ok()) {
      state.SkipWithError(store.status().to_string().c_str());
      return;
    }
    for (size_t b = 0; b < c.batches.size(); ++b) {
      store::PositionRecord position{"events.jsonl", c.end_offsets[b]};
      store::WriteInput input;
      input.events = c.batches[b].events;
      input.origin = "events.jsonl";
      input.positions = std::span<const store::PositionRecord>(&position, 1);
      Status written = store->write(input);
      if (!written.ok()) {
        state.SkipWithError(written.to_string().c_str());
        return;
      }
    }
    Status flushed = store->flush();
    state.PauseTiming();
    if (!flushed.ok()) {
      state.SkipWithError(flushed.to_string().c_str());
      return;
    }
    state.counters["prepare_s"] = store->counters().prepare_seconds;
    state.counters["write_s"] = store->counters().write_seconds;
    Status on_disk = store->flush_to_disk();
    auto usage = store->disk_usage();
    if (on_disk.ok() && usage.ok()) disk = *usage;
    (void)store->close();
    io_bytes = process_write_bytes() - io_start;
    state.ResumeTiming();
  }
  report(state, c.events, c.raw_bytes, io_bytes, disk);
  std::filesystem::remove_all(options.path);
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

void BM_Naive(benchmark::State& state) {
  StoreCorpus& c = corpus();
  const std::string path = run_dir();
  uint64_t io_bytes = 0;
  std::optional<store::DiskUsage> disk;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(path);
    uint64_t io_start = process_write_bytes();
    state.ResumeTiming();
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kLZ4Compression;
    options.write_buffer_size = 64 << 20;
    options.max_background_jobs = 2;
    rocksdb::DB* raw_db = nullptr;
    rocksdb::Status opened = rocksdb::DB::Open(options, path, &raw_db);
    if (!opened.ok()) {
      state.SkipWithError(opened.ToString().c_str());
      return;
    }
    std::unique_ptr<rocksdb::DB> db(raw_db);
    rocksdb::WriteBatch wb;
    std::string key;
    size_t in_batch = 0;
    auto index = [&](char kind, std::string_view value, const ingest::Event& e) {
      key.clear();
      key.push_back(kind);
      key.append(value);
      key.push_back('\0');
      char ts[8];
      uint64_t u = static_cast<uint64_t>(e.ts_us) ^ (uint64_t{1} << 63);
      for (int i = 7; i >= 0; --i, u >>= 8) ts[i] = static_cast<char>(u);
      key.append(ts, 8);
      key.append(e.id);
      wb.Put(slice(key), rocksdb::Slice());
    };
    for (const auto& batch : c.batches) {
      for (const auto& e : batch.events) {
        key.assign("e");
        key.append(e.source);
        key.push_back('/');
        key.append(e.id);
        wb.Put(slice(key), slice(e.raw));
        index('a', e.actor_id, e);
        index('c', e.credential_id, e);
        index('r', e.resource_name, e);
        if (++in_batch == 1000) {
          db->Write(rocksdb::WriteOptions(), &wb);
          wb.Clear();
          in_batch = 0;
        }
      }
    }
    db->Write(rocksdb::WriteOptions(), &wb);
    state.PauseTiming();
    db->Flush(rocksdb::FlushOptions());
    uint64_t bytes = 0;
    db->GetIntProperty("rocksdb.live-sst-files-size", &bytes);
    disk = store::DiskUsage{};
    disk->events = bytes;
    db->Close();
    db.reset();
    io_bytes = process_write_bytes() - io_start;
    state.ResumeTiming();
  }
  report(state, c.events, c.raw_bytes, io_bytes, disk);
  std::filesystem::remove_all(path);
}

// The whole replay path per 4 MiB chunk, reading the corpus file from the page cache.
void BM_Pipeline(benchmark::State& state, bool with_store, uint32_t group_events) {
  StoreCorpus& c = corpus();
  std::string events_path = store_corpus_path(corpus_events());
  std::string registry_path =
      std::filesystem::path(events_path).parent_path().string() + "/registry.yaml";
  auto rule_set = rules::RuleSet::load({});
  if (!rule_set.ok()) {
    state.SkipWithError(rule_set.status().to_string().c_str());
    return;
  }
  store::StoreOptions options;
  options.path = run_dir();
  options.group_events = group_events;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(options.path);
    auto registry = detect::load_registry_file(registry_path);
    if (!registry.ok()) {
      state.SkipWithError(registry.status().to_string().c_str());
      return;
    }
    detect::Engine engine(*rule_set, *registry);
    rules::ActionClassifier classifier(rules::ActionClassTable::builtin());
    auto decoder = ingest::NativeDecoder::make({});
    auto reader = ingest::LineReader::open_file(events_path, {});
    state.ResumeTiming();
    std::optional<store::EvidenceStore> store;
    if (with_store) {
      auto opened = store::EvidenceStore::open(options);
      if (!opened.ok()) {
        state.SkipWithError(opened.status().to_string().c_str());
        return;
      }
      store.emplace(std::move(opened.value()));
    }
    ingest::EventBatch batch;
    detect::AlertBuffer alerts;
    store::AlertRecordBuilder records;
    std::vector<ingest::RecordRef> lines;
    while (*reader->next(lines)) {
      batch.clear();
      decoder->decode(lines, batch);
      classifier.classify(batch);
      alerts.clear();
      engine.process(batch, reader->name(), alerts);
      if (store) {
        store::PositionRecord position{
            reader->name(), lines.back().position.offset + lines.back().record_bytes + 1};
        store::WriteInput input;
        input.events = batch.events;
        input.origin = reader->name();
        input.alerts = records.build(alerts, *rule_set, batch.events);
        input.positions = std::span<const store::PositionRecord>(&position, 1);
        Status written = store->write(input);
        if (!written.ok()) {
          state.SkipWithError(written.to_string().c_str());
          return;
        }
      }
    }
    if (store) {
      Status closed = store->close();
      if (!closed.ok()) state.SkipWithError(closed.to_string().c_str());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(c.events * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(c.raw_bytes * state.iterations()));
  std::filesystem::remove_all(options.path);
}

void register_all() {
  auto add = [](const std::string& name, store::StoreOptions options) {
    benchmark::RegisterBenchmark(("BM_Store/" + name).c_str(), BM_Store, options)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1);
  };
  store::StoreOptions defaults;
  add("default", defaults);
  store::StoreOptions o = defaults;
  o.block_codec = store::BlockCodec::kZstd;
  add("zstd_blocks", o);
  o.zstd_level = 3;
  add("zstd3_blocks", o);
  o = defaults;
  o.background_writer = false;
  add("no_writer_thread", o);
  o = defaults;
  o.disable_wal = true;
  add("wal_off", o);
  o = defaults;
  o.group_events = 16384;
  add("group_16k", o);
  o = defaults;
  o.group_events = 262144;
  o.group_bytes = 256 << 20;
  add("group_256k", o);
  o = defaults;
  o.group_events = 0;  // every 4 MiB input batch is a commit
  add("group_input_batch", o);
  o = defaults;
  o.time_bucket_seconds = 10LL * 366 * 86400;  // one bucket: agent-first keys, no time order
  add("agent_first", o);
  o = defaults;
  o.time_bucket_seconds = 600;
  add("bucket_10min", o);
  benchmark::RegisterBenchmark("BM_Naive", BM_Naive)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(1);
  benchmark::RegisterBenchmark("BM_Pipeline/decode_detect", BM_Pipeline, false, 0)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(1);
  for (uint32_t group : {32768u, 65536u, 131072u}) {
    benchmark::RegisterBenchmark(
        ("BM_Pipeline/decode_detect_store/group_" + std::to_string(group / 1024) + "k").c_str(),
        BM_Pipeline, true, group)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1);
  }
}

}  // namespace
}  // namespace aw::bench

int main(int argc, char** argv) {
  aw::bench::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
