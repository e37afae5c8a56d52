// The store benchmarks' input: a generated workload (`agentwatch gen`, seed 42) decoded once into
// input batches the way replay cuts them (4 MiB chunks of lines), held in memory so the timed
// loops measure the store alone.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/native_decoder.h"
#include "tools/workload_generator.h"

namespace aw::bench {

struct StoreCorpus {
  std::string text;
  std::vector<ingest::EventBatch> batches;
  std::vector<uint64_t> end_offsets;
  uint64_t events = 0;
  uint64_t raw_bytes = 0;  // the events' record bytes (the JSON Lines size without newlines)
};

// $AW_STORE_BENCH_DIR/events-<n>/events.jsonl (default /tmp), generated when missing.
inline std::string store_corpus_path(uint64_t events) {
  const char* base = std::getenv("AW_STORE_BENCH_DIR");
  std::string dir =
      std::string(base ? base : "/tmp") + "/aw-store-corpus-" + std::to_string(events);
  std::string file = dir + "/events.jsonl";
  if (!std::filesystem::exists(file)) {
    tools::WorkloadOptions options;
    options.seed = 42;
    options.events = events;
    tools::WorkloadSummary summary;
    Status made = tools::generate_workload(options, dir, &summary);
    if (!made.ok()) {
      std::fprintf(stderr, "store bench: %s\n", made.to_string().c_str());
      std::exit(2);
    }
  }
  return file;
}

inline std::unique_ptr<StoreCorpus> load_store_corpus(uint64_t events) {
  auto corpus = std::make_unique<StoreCorpus>();
  {
    std::ifstream in(store_corpus_path(events), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    corpus->text = s.str();
  }
  const size_t size = corpus->text.size();
  corpus->text.append(ingest::kRecordPadding, '\0');
  auto decoder = ingest::NativeDecoder::make({});
  std::vector<ingest::RecordRef> records;
  constexpr size_t kChunk = 4 << 20;  // LineReaderOptions::chunk_bytes
  size_t at = 0, chunk_start = 0;
  uint64_t line = 1;
  while (at < size) {
    size_t end = corpus->text.find('\n', at);
    if (end == std::string::npos || end > size) end = size;
    records.push_back(ingest::RecordRef{std::string_view(corpus->text).substr(at, end - at),
                                        end - at, ingest::SourcePosition{line++, at, -1}});
    at = end + 1;
    if (at - chunk_start >= kChunk || at >= size) {
      corpus->batches.emplace_back();
      decoder->decode(records, corpus->batches.back());
      corpus->end_offsets.push_back(std::min(at, size));
      for (const auto& e : corpus->batches.back().events) corpus->raw_bytes += e.raw.size();
      corpus->events += corpus->batches.back().events.size();
      records.clear();
      chunk_start = at;
    }
  }
  return corpus;
}

// Bytes this process has caused to be written to storage so far (/proc/self/io).
inline uint64_t process_write_bytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return 0;
}

}  // namespace aw::bench
