// Helpers of the store tests: decoded event corpora (from text or a generated workload) held in
// memory as input batches, and a brute-force model of what the store should answer.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/native_decoder.h"
#include "store/evidence_store.h"
#include "tests/testing/temp_dir.h"
#include "tools/workload_generator.h"

namespace aw::store::testing {

// A JSON Lines text decoded into input batches of `batch_records` lines. The events' views
// point into `text`, so a DecodedCorpus must not be copied (it is movable: strings keep their
// buffers when moved).
struct DecodedCorpus {
  std::string text;
  std::vector<ingest::EventBatch> batches;
  std::vector<uint64_t> end_offsets;  // byte offset after each batch's last line
  std::vector<const ingest::Event*> all() const {
    std::vector<const ingest::Event*> out;
    for (const auto& b : batches) {
      for (const auto& e : b.events) out.push_back(&e);
    }
    return out;
  }
};

inline std::unique_ptr<DecodedCorpus> decode_text(std::string text, size_t batch_records) {
  auto corpus = std::make_unique<DecodedCorpus>();
  corpus->text = std::move(text);
  size_t data_size = corpus->text.size();
  corpus->text.append(ingest::kRecordPadding, '\0');
  auto decoder = ingest::NativeDecoder::make({});
  EXPECT_TRUE(decoder.ok());
  std::vector<ingest::RecordRef> records;
  uint64_t line = 1;
  size_t at = 0;
  while (at < data_size) {
    size_t end = corpus->text.find('\n', at);
    if (end == std::string::npos || end > data_size) end = data_size;
    if (end > at) {
      records.push_back(ingest::RecordRef{std::string_view(corpus->text).substr(at, end - at),
                                          end - at, ingest::SourcePosition{line, at, -1}});
    }
    ++line;
    at = end + 1;
    if (records.size() == batch_records || at >= data_size) {
      corpus->batches.emplace_back();
      decoder->decode(records, corpus->batches.back());
      corpus->end_offsets.push_back(std::min(at, data_size));
      records.clear();
    }
  }
  return corpus;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A generated workload (tools/workload_generator.h), decoded.
inline std::unique_ptr<DecodedCorpus> generated(const aw::testing::TempDir& dir, uint64_t events,
                                                size_t batch_records, uint64_t seed = 7) {
  tools::WorkloadOptions options;
  options.seed = seed;
  options.events = events;
  options.agents = 100;
  options.credentials_per_agent = 6;
  options.hours = 6;
  options.violations_per_rule = 2;
  tools::WorkloadSummary summary;
  Status made = tools::generate_workload(options, dir.file("gen"), &summary);
  EXPECT_TRUE(made.ok()) << made.to_string();
  return decode_text(read_all(dir.file("gen") + "/events.jsonl"), batch_records);
}

inline std::string event_key(const ingest::Event& e) {
  return std::string(e.source) + "/" + std::string(e.id);
}

// The store's model: the first occurrence of every (source, id).
inline std::vector<const ingest::Event*> unique_events(const DecodedCorpus& corpus) {
  std::set<std::string> seen;
  std::vector<const ingest::Event*> out;
  for (const ingest::Event* e : corpus.all()) {
    if (seen.insert(event_key(*e)).second) out.push_back(e);
  }
  return out;
}

inline std::string_view field_of(const ingest::Event& e, TimelineKind kind) {
  switch (kind) {
    case TimelineKind::kAgent:
      return e.actor_id;
    case TimelineKind::kCredential:
      return e.credential_id;
    case TimelineKind::kResource:
      return e.resource_name;
    case TimelineKind::kSession:
      return e.session;
    case TimelineKind::kTask:
      return e.task;
    case TimelineKind::kAll:
      return {};
  }
  return {};
}

// (ts, key) of the events a timeline query must return, oldest first, without the limit.
inline std::vector<std::pair<int64_t, std::string>> brute_force(
    const std::vector<const ingest::Event*>& events, const TimelineQuery& q) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const ingest::Event* e : events) {
    if (q.kind != TimelineKind::kAll && field_of(*e, q.kind) != q.value) continue;
    if (e->ts_us < q.from_us || e->ts_us >= q.to_us) continue;
    out.emplace_back(e->ts_us, event_key(*e));
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline WriteInput input_of(const ingest::EventBatch& batch, std::string_view origin,
                           const PositionRecord* position) {
  WriteInput input;
  input.events = batch.events;
  input.origin = origin;
  if (position != nullptr) input.positions = std::span<const PositionRecord>(position, 1);
  return input;
}

}  // namespace aw::store::testing
