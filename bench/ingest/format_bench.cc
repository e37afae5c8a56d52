// Format decoders against the native decoder, in one run (bench/RESULTS.md, "Format decoders").
// Each format's corpus is built from its samples in tests/data/formats, outside the timed loop:
// every record minified onto a line of its own (one record per Kafka message), copied until the
// corpus holds about 8 MB, with the ids that joins key on (OTel trace ids, Vault request ids,
// MCP ids) made unique per copy so joins pair as they would in a real stream. The native decoder
// runs on bench_corpus.h's seeded corpus through the same RecordDecoder interface.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_corpus.h"
#include "ingest/format.h"
#include "ingest/formats/source_mapping.h"

namespace aw::bench {
namespace {

constexpr size_t kBatch = 1024;
constexpr size_t kTargetBytes = 8u << 20;

std::string data_path(const std::string& relative) {
  return std::string(AW_SOURCE_DIR) + "/tests/data/formats/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The records of a file as minified JSON lines: the elements of a Records wrapper or an array,
// or each line of JSON Lines.
std::vector<std::string> json_records(const std::string& path) {
  std::vector<std::string> out;
  std::string text = read_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto add_array = [&](simdjson::dom::array array) {
    for (simdjson::dom::element element : array) out.push_back(simdjson::minify(element));
  };
  if (parser.parse(text).get(root) == simdjson::SUCCESS) {
    simdjson::dom::array array;
    simdjson::dom::element records;
    if (root.get_array().get(array) == simdjson::SUCCESS) {
      add_array(array);
      return out;
    }
    if (root["Records"].get(records) == simdjson::SUCCESS &&
        records.get_array().get(array) == simdjson::SUCCESS) {
      add_array(array);
      return out;
    }
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    simdjson::dom::element element;
    if (parser.parse(line).get(element) == simdjson::SUCCESS) {
      out.push_back(simdjson::minify(element));
    }
  }
  return out;
}

std::vector<std::string> text_lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) out.push_back(line);
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Copies `records` until the corpus is kTargetBytes; `unique(copy, text)` rewrites join ids.
template <typename Unique>
Corpus build(const std::vector<std::string>& records, Unique&& unique) {
  Corpus corpus;
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t copy = 0; corpus.text.size() < kTargetBytes; ++copy) {
    for (const std::string& record : records) {
      std::string line = record;
      unique(copy, line);
      spans.emplace_back(corpus.text.size(), line.size());
      corpus.text += line;
      corpus.text += '\n';
    }
  }
  corpus.text.append(ingest::kRecordPadding, '\0');
  uint64_t number = 1;
  for (const auto& [offset, size] : spans) {
    corpus.records.push_back(
        ingest::RecordRef{{corpus.text.data() + offset, size}, size, {number++, offset, -1}});
  }
  return corpus;
}

void no_change(size_t, std::string&) {}

std::string hex8(size_t n) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%08zx", n);
  return buffer;
}

// The regression-suite entries as a server writes them: an RDS-style log_line_prefix on each
// entry's first line (the suite's own output has none, so its lines average ~50 bytes).
constexpr const char* kServerPrefix = "2021-10-30 07:23:56 UTC:10.1.2.3(50222):app@orders:[28180]:";

const Corpus& server_log_corpus() {
  static const Corpus c = [] {
    std::vector<std::string> lines;
    for (std::string line :
         text_lines(data_path("pgaudit/pgaudit-regression-expected.audit-lines.log"))) {
      for (const char* level : {"NOTICE:  AUDIT: ", "WARNING:  AUDIT: "}) {
        if (line.rfind(level, 0) == 0) {
          line = std::string(kServerPrefix) + "LOG:  AUDIT: " + line.substr(std::strlen(level));
        }
      }
      lines.push_back(line);
    }
    return build(lines, no_change);
  }();
  return c;
}

const Corpus& corpus(ingest::Format format) {
  static std::deque<std::pair<ingest::Format, Corpus>> built;  // stable references
  for (const auto& [f, c] : built) {
    if (f == format) return c;
  }
  std::vector<std::string> records;
  Corpus c;
  switch (format) {
    case ingest::Format::kNative:
      c = make_native_corpus(20000, 42);
      break;
    case ingest::Format::kCloudTrail:
      for (const auto& entry : std::filesystem::directory_iterator(data_path("cloudtrail"))) {
        auto more = json_records(entry.path().string());
        records.insert(records.end(), more.begin(), more.end());
      }
      c = build(records, no_change);
      break;
    case ingest::Format::kK8sAudit:
      records = json_records(data_path("k8s-audit/audit2rbac-demo.log"));
      for (const auto& entry :
           std::filesystem::directory_iterator(data_path("k8s-audit/falco-trace-files"))) {
        auto more = json_records(entry.path().string());
        records.insert(records.end(), more.begin(), more.end());
      }
      c = build(records, no_change);
      break;
    case ingest::Format::kOtelGenAi:
      for (const auto& entry : std::filesystem::directory_iterator(data_path("otel-genai"))) {
        if (entry.path().extension() != ".jsonl") continue;
        auto more = json_records(entry.path().string());
        records.insert(records.end(), more.begin(), more.end());
      }
      c = build(records, [](size_t copy, std::string& line) {
        size_t at = line.find("\"traceId\":\"");
        if (at == std::string::npos) return;
        std::string trace = line.substr(at + 11, 32);
        replace_all(line, trace, hex8(copy) + trace.substr(8));
      });
      break;
    case ingest::Format::kClaudeHook:
      for (const char* file :
           {"mcp-venus-os_pre_tool_use.selected.json", "mcp-venus-os_post_tool_use.selected.json",
            "mcp-venus-os_stop.json", "mcp-venus-os_notification.json"}) {
        auto more = json_records(data_path(std::string("claude-code-hooks/") + file));
        records.insert(records.end(), more.begin(), more.end());
      }
      c = build(records, no_change);
      break;
    case ingest::Format::kMcp:
      records = json_records(data_path("mcp/spec-examples-2025-06-18_NOT-CAPTURED-TRAFFIC.jsonl"));
      c = build(records, [](size_t copy, std::string& line) {
        // Every copy is its own session, so requests pair with their own results.
        line.insert(1, "\"session\":\"s" + std::to_string(copy) + "\",");
      });
      break;
    case ingest::Format::kGithubAudit:
      records = json_records(data_path("github-audit/constructed-from-docs.jsonl"));
      c = build(records, no_change);
      break;
    case ingest::Format::kVaultAudit:
      records = json_records(data_path("vault-audit/constructed-from-docs.jsonl"));
      c = build(records, [](size_t copy, std::string& line) {
        replace_all(line, "4f2b9c1e-", hex8(copy) + "-");
      });
      break;
    case ingest::Format::kPgaudit:
      c = build(text_lines(data_path("pgaudit/pgaudit-regression-expected.audit-lines.log")),
                no_change);
      break;
    default:
      break;
  }
  built.emplace_back(format, std::move(c));
  return built.back().second;
}

void run(benchmark::State& state, ingest::Format format, const Corpus& c,
         const ingest::SourceMapping* mapping = nullptr) {
  ingest::FormatOptions options;
  options.assume_ts_us = 1763633730LL * 1000000;  // hooks, MCP and pgaudit carry no time
  auto made = ingest::make_decoder(format, ingest::DecoderOptions{}, mapping, options);
  if (!made.ok() || c.records.empty()) {
    state.SkipWithError("no decoder or no corpus");
    return;
  }
  ingest::RecordDecoder& decoder = **made;
  ingest::EventBatch batch;
  // Warm: one pass sizes the batch vectors, the arena and the join tables.
  for (size_t i = 0; i < c.records.size(); i += kBatch) {
    batch.clear();
    decoder.decode(std::span(c.records.data() + i, std::min(kBatch, c.records.size() - i)), batch);
  }
  size_t events = 0;
  size_t dead = 0;
  uint64_t allocations = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < c.records.size(); i += kBatch) {
      batch.clear();
      size_t n = std::min(kBatch, c.records.size() - i);
      uint64_t before = allocation_count();
      decoder.decode(std::span(c.records.data() + i, n), batch);
      allocations += allocation_count() - before;
      events += batch.events.size();
      dead += batch.dead_letters.size();
    }
    benchmark::DoNotOptimize(events);
  }
  if (dead != 0) state.SkipWithError("records dead-lettered");
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes()));
  state.counters["records"] = static_cast<double>(c.records.size());
  state.counters["events_per_record"] =
      static_cast<double>(events) / static_cast<double>(state.iterations() * c.records.size());
  state.counters["allocs_per_event"] =
      events == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(events);
}

void run(benchmark::State& state, ingest::Format format) { run(state, format, corpus(format)); }

void BM_Native(benchmark::State& state) { run(state, ingest::Format::kNative); }
void BM_CloudTrail(benchmark::State& state) { run(state, ingest::Format::kCloudTrail); }
void BM_K8sAudit(benchmark::State& state) { run(state, ingest::Format::kK8sAudit); }
void BM_OtelGenAi(benchmark::State& state) { run(state, ingest::Format::kOtelGenAi); }
void BM_ClaudeHook(benchmark::State& state) { run(state, ingest::Format::kClaudeHook); }
void BM_Mcp(benchmark::State& state) { run(state, ingest::Format::kMcp); }
void BM_GithubAudit(benchmark::State& state) { run(state, ingest::Format::kGithubAudit); }
void BM_VaultAudit(benchmark::State& state) { run(state, ingest::Format::kVaultAudit); }
void BM_Pgaudit(benchmark::State& state) { run(state, ingest::Format::kPgaudit); }
void BM_PgauditServerLog(benchmark::State& state) {
  static const ingest::SourceMapping mapping = [] {
    auto parsed = ingest::SourceMapping::parse("log_line_prefix: \"%t:%r:%u@%d:[%p]:\"\n", "bench");
    return parsed.ok() ? std::move(parsed.value()) : ingest::SourceMapping();
  }();
  run(state, ingest::Format::kPgaudit, server_log_corpus(), &mapping);
}

BENCHMARK(BM_Native)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CloudTrail)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_K8sAudit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OtelGenAi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClaudeHook)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Mcp)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GithubAudit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VaultAudit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pgaudit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PgauditServerLog)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aw::bench

BENCHMARK_MAIN();
