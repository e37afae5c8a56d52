// A seeded in-memory corpus of native events for benchmarks: realistic field mix and sizes
// (~450-550 bytes per event, like DESIGN.md's measurements), built outside the timed loops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/line_reader.h"

namespace aw::bench {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

// The corpus text (one event per line, kRecordPadding zero bytes after the last) and the
// record views into it.
struct Corpus {
  std::string text;
  std::vector<ingest::RecordRef> records;
  size_t bytes() const { return text.size() - ingest::kRecordPadding; }
};

inline Corpus make_native_corpus(size_t events, uint64_t seed) {
  static const char* kTools[] = {"sql.execute",    "github.create_pull_request",
                                 "k8s.apply",      "s3.get_object",
                                 "Bash",           "Edit",
                                 "terraform.plan", "Read"};
  static const char* kVerbs[] = {"SELECT", "INSERT", "UPDATE", "DROP TABLE",
                                 "GET",    "PUT",    "apply",  "list"};
  static const char* kClasses[] = {"read", "write", "write", "delete",
                                   "read", "write", "write", "read"};
  static const char* kEnvs[] = {"dev", "staging", "prod"};
  SplitMix64 rng(seed);
  Corpus corpus;
  corpus.text.reserve(events * 560 + ingest::kRecordPadding);
  int64_t ts = 1763633730LL * 1000000;
  for (size_t i = 0; i < events; ++i) {
    ts += static_cast<int64_t>(rng.below(2000));
    size_t tool = rng.below(8);
    uint64_t agent = rng.below(5000);
    const char* env = kEnvs[rng.below(3)];
    char line[1024];
    int n = std::snprintf(
        line, sizeof(line),
        R"({"ts":"2025-11-20T10:%02d:%02d.%06dZ","id":"evt-%016llx","source":"mcp-gateway-eu%d",)"
        R"("seq":%zu,"actor":{"id":"agent-%04llu","type":"agent"},"credential":{"id":"tok-%04llu-%02llu"},)"
        R"("session":"sess-%llu","task":"CHG-%llu","action":{"tool":"%s","verb":"%s","class":"%s"},)"
        R"("resource":{"type":"db.table","name":"db:%s/orders_%llu"},"env":"%s","outcome":"success",)"
        R"("approval":"APR-%llu","src_ip":"10.%llu.%llu.%llu","attrs":{"rows":%llu,"note":"%s"}})",
        static_cast<int>(ts / 60000000 % 60), static_cast<int>(ts / 1000000 % 60),
        static_cast<int>(ts % 1000000), static_cast<unsigned long long>(rng.next()),
        static_cast<int>(rng.below(4)), i, static_cast<unsigned long long>(agent),
        static_cast<unsigned long long>(agent), static_cast<unsigned long long>(rng.below(10)),
        static_cast<unsigned long long>(rng.below(100000)),
        static_cast<unsigned long long>(rng.below(9000) + 1000), kTools[tool], kVerbs[tool],
        kClasses[tool], env, static_cast<unsigned long long>(rng.below(500)), env,
        static_cast<unsigned long long>(rng.below(1000)),
        static_cast<unsigned long long>(rng.below(256)),
        static_cast<unsigned long long>(rng.below(256)),
        static_cast<unsigned long long>(rng.below(256)),
        static_cast<unsigned long long>(rng.below(100000)),
        rng.below(4) == 0 ? "escaped \\\"quote\\\" inside" : "a plain note about the change");
    corpus.text.append(line, static_cast<size_t>(n));
    corpus.text.push_back('\n');
  }
  corpus.text.append(ingest::kRecordPadding, '\0');
  size_t start = 0;
  uint64_t line_number = 1;
  const size_t end = corpus.bytes();
  while (start < end) {
    size_t nl = corpus.text.find('\n', start);
    corpus.records.push_back(ingest::RecordRef{
        {corpus.text.data() + start, nl - start}, nl - start, {line_number++, start, -1}});
    start = nl + 1;
  }
  return corpus;
}

}  // namespace aw::bench
