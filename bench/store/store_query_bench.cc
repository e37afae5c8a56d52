// Query latency of the evidence store on a big store (issue targets: a 10,000-event timeline
// p99 < 20 ms and an event lookup p99 < 1 ms on 10,000,000 events).
//
// The store is built once (then compacted, as a store that has run a while would be) from
// `agentwatch gen --seed 42 --events N` (streamed: read, decode, store, like replay) into
// AW_STORE_QUERY_DIR (default /tmp/aw-store-query-<N>) and reused; N = AW_STORE_QUERY_EVENTS
// (default 10,000,000). Building also picks the query subjects: agents with 10,000-12,000 events,
// credentials and resources, and random event keys.
//
//   warm: the store stays open (RocksDB block cache and page cache warm)
//   cold: before every query the store is closed, its files are dropped from the page cache
//         (posix_fadvise DONTNEED, this store's files only) and it is reopened; the reopen is
//         not timed, the first read of every block is.
// Each benchmark reports p50/p99/max latency in ms and the events returned.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>

#include "bench/store/store_bench_corpus.h"
#include "ingest/line_reader.h"
#include "store/evidence_store.h"

namespace aw::bench {
namespace {

uint64_t query_events() {
  const char* n = std::getenv("AW_STORE_QUERY_EVENTS");
  return n ? std::strtoull(n, nullptr, 10) : 10000000;
}

std::string store_dir() {
  const char* d = std::getenv("AW_STORE_QUERY_DIR");
  return d ? d : "/tmp/aw-store-query-" + std::to_string(query_events());
}

struct Subjects {
  std::vector<std::string> agents;  // 10k-12k events each
  std::vector<std::string> hot_agents;
  std::vector<std::string> credentials;
  std::vector<std::string> resources;
  std::vector<std::string> keys;
};

// Builds the store (once) and returns the query subjects, kept beside it in subjects.txt.
Subjects& subjects() {
  static std::optional<Subjects> s;
  if (s) return *s;
  s.emplace();
  const std::string dir = store_dir();
  const std::string list = dir + ".subjects";
  if (!std::filesystem::exists(list)) {
    std::filesystem::remove_all(dir);
    std::string events_path = store_corpus_path(query_events());
    store::StoreOptions options;
    options.path = dir;
    auto store = store::EvidenceStore::open(options);
    auto reader = ingest::LineReader::open_file(events_path, {});
    auto decoder = ingest::NativeDecoder::make({});
    if (!store.ok() || !reader.ok() || !decoder.ok()) {
      std::fprintf(stderr, "store query bench: cannot build the store\n");
      std::exit(2);
    }
    std::map<std::string, uint64_t> agents, credentials, resources;
    std::vector<std::string> keys;
    std::mt19937_64 rng(5);
    uint64_t seen = 0;
    ingest::EventBatch batch;
    std::vector<ingest::RecordRef> lines;
    auto start = std::chrono::steady_clock::now();
    while (*reader->next(lines)) {
      batch.clear();
      decoder->decode(lines, batch);
      for (const auto& e : batch.events) {
        ++agents[std::string(e.actor_id)];
        ++credentials[std::string(e.credential_id)];
        ++resources[std::string(e.resource_name)];
        // Reservoir of 2,000 event keys.
        ++seen;
        std::string key = std::string(e.source) + "/" + std::string(e.id);
        if (keys.size() < 2000) {
          keys.push_back(key);
        } else if (rng() % seen < 2000) {
          keys[rng() % 2000] = key;
        }
      }
      store::PositionRecord position{"events.jsonl", reader->bytes_read()};
      store::WriteInput input;
      input.events = batch.events;
      input.origin = "events.jsonl";
      input.positions = std::span<const store::PositionRecord>(&position, 1);
      if (!store->write(input).ok()) std::exit(2);
    }
    if (!store->flush_to_disk().ok()) std::exit(2);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto disk = store->disk_usage();
    std::fprintf(stderr,
                 "store query bench: built %s: %llu events in %.1f s (%.0f events/s), disk "
                 "events %.0f MB, index %.0f MB, ids %.0f MB, raw %.0f MB\n",
                 dir.c_str(), static_cast<unsigned long long>(store->counters().events), seconds,
                 store->counters().events / seconds, disk->events / 1e6, disk->index / 1e6,
                 disk->ids / 1e6, store->counters().raw_bytes / 1e6);
    // A store that has run a while has compacted what it wrote; a fresh one still holds the
    // flushes of the last minutes in level 0. Compact so reads see the steady state, and let the
    // kernel write the dirty pages back before anything is timed.
    auto compact_start = std::chrono::steady_clock::now();
    if (!store->compact().ok()) std::exit(2);
    std::fprintf(
        stderr, "store query bench: compacted in %.1f s\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - compact_start).count());
    (void)store->close();
    ::sync();
    std::ofstream out(list);
    auto pick = [&](const std::map<std::string, uint64_t>& counts, uint64_t lo, uint64_t hi,
                    char tag) {
      int n = 0;
      for (const auto& [v, c] : counts) {
        if (c >= lo && c <= hi && !v.empty() && n < 20) {
          out << tag << ' ' << v << '\n';
          ++n;
        }
      }
    };
    pick(agents, 10000, 12000, 'a');
    pick(agents, 200000, UINT64_MAX, 'h');
    pick(credentials, 300, 2000, 'c');
    pick(resources, 5000, 20000, 'r');
    for (const auto& k : keys) out << "k " << k << '\n';
  }
  std::ifstream in(list);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 3) continue;
    std::string v = line.substr(2);
    switch (line[0]) {
      case 'a':
        s->agents.push_back(v);
        break;
      case 'h':
        s->hot_agents.push_back(v);
        break;
      case 'c':
        s->credentials.push_back(v);
        break;
      case 'r':
        s->resources.push_back(v);
        break;
      case 'k':
        s->keys.push_back(v);
        break;
    }
  }
  return *s;
}

void drop_from_page_cache(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    int fd = ::open(entry.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

std::optional<store::EvidenceStore> open_store() {
  store::StoreOptions options;
  options.path = store_dir();
  options.read_only = true;
  auto store = store::EvidenceStore::open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "store query bench: %s\n", store.status().to_string().c_str());
    return std::nullopt;
  }
  return std::move(store.value());
}

void report(benchmark::State& state, const store::EvidenceStore& store, std::vector<double>& ms,
            uint64_t returned) {
  // Where the store's memory is after the queries (the soak's RSS question: the table readers'
  // part grows with the store unless index and filter blocks are charged to the block cache).
  if (auto memory = store.memory_usage(); memory.ok()) {
    state.counters["cache_mb"] = static_cast<double>(memory->block_cache) / (1 << 20);
    state.counters["table_readers_mb"] = static_cast<double>(memory->table_readers) / (1 << 20);
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return;
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  state.counters["p50_ms"] = at(0.50);
  state.counters["p99_ms"] = at(0.99);
  state.counters["max_ms"] = ms.back();
  state.counters["events_per_query"] = static_cast<double>(returned) / ms.size();
}

// One query per iteration; `query(store, i)` returns how many events it produced.
template <typename Query>
void run(benchmark::State& state, bool cold, Query query) {
  subjects();
  auto store = open_store();
  if (!store) {
    state.SkipWithError("no store");
    return;
  }
  std::vector<double> ms;
  uint64_t returned = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      store.reset();
      drop_from_page_cache(store_dir());
      store = open_store();
      state.ResumeTiming();
    }
    auto start = std::chrono::steady_clock::now();
    int64_t n = query(*store, i++);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (n < 0) {
      state.SkipWithError("query failed");
      return;
    }
    returned += static_cast<uint64_t>(n);
  }
  report(state, *store, ms, returned);
}

int64_t timeline(store::EvidenceStore& s, store::TimelineKind kind, const std::string& value,
                 size_t limit) {
  store::TimelineQuery q;
  q.kind = kind;
  q.value = value;
  q.limit = limit;
  auto result = s.timeline(q);
  return result.ok() ? static_cast<int64_t>(result->events.size()) : -1;
}

void BM_AgentTimeline10k(benchmark::State& state, bool cold) {
  run(state, cold, [](store::EvidenceStore& s, size_t i) {
    const auto& agents = subjects().agents;
    return timeline(s, store::TimelineKind::kAgent, agents[i % agents.size()], 0);
  });
}

void BM_HotAgentNewest10k(benchmark::State& state, bool cold) {
  run(state, cold, [](store::EvidenceStore& s, size_t i) {
    const auto& agents = subjects().hot_agents;
    return timeline(s, store::TimelineKind::kAgent, agents[i % agents.size()], 10000);
  });
}

void BM_CredentialTimeline(benchmark::State& state, bool cold) {
  run(state, cold, [](store::EvidenceStore& s, size_t i) {
    const auto& v = subjects().credentials;
    return timeline(s, store::TimelineKind::kCredential, v[i % v.size()], 0);
  });
}

void BM_ResourceNewest10k(benchmark::State& state, bool cold) {
  run(state, cold, [](store::EvidenceStore& s, size_t i) {
    const auto& v = subjects().resources;
    return timeline(s, store::TimelineKind::kResource, v[i % v.size()], 10000);
  });
}

void BM_EventLookup(benchmark::State& state, bool cold) {
  run(state, cold, [](store::EvidenceStore& s, size_t i) -> int64_t {
    const auto& keys = subjects().keys;
    auto found = s.event(keys[(i * 7919) % keys.size()]);
    return found.ok() ? 1 : -1;
  });
}

void register_all() {
  auto add = [](const char* name, void (*fn)(benchmark::State&, bool), int warm_n, int cold_n) {
    benchmark::RegisterBenchmark((std::string(name) + "/warm").c_str(), fn, false)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(warm_n);
    benchmark::RegisterBenchmark((std::string(name) + "/cold").c_str(), fn, true)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(cold_n);
  };
  add("BM_AgentTimeline10k", BM_AgentTimeline10k, 200, 60);
  add("BM_HotAgentNewest10k", BM_HotAgentNewest10k, 200, 60);
  add("BM_CredentialTimeline", BM_CredentialTimeline, 200, 60);
  add("BM_ResourceNewest10k", BM_ResourceNewest10k, 100, 30);
  add("BM_EventLookup", BM_EventLookup, 2000, 200);
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
