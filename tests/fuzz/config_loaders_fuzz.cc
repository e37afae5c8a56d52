// libFuzzer target for the configuration loaders: the first input byte picks the loader — the
// source mapping file (ingest/formats/source_mapping.h) or the `run` config (tools/run_config.h)
// — the rest is the file's text. Any bytes must load or be refused with a message naming the
// file, never crash, hang or throw.
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/formats/source_mapping.h"
#include "tools/run_config.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    auto mapping = aw::ingest::SourceMapping::parse(text, "fuzz-mapping.yaml");
    if (!mapping.ok()) {
      check(mapping.status().message().find("fuzz-mapping.yaml") != std::string::npos);
    }
    return 0;
  }
  auto config = aw::tools::parse_run_config(text, "fuzz-run.yaml");
  if (!config.ok()) {
    check(config.status().message().find("fuzz-run.yaml") != std::string::npos);
  } else {
    // What `run` relies on once a config loads: a broker, a store, named audit topics.
    const aw::tools::RunConfig& c = config.value();
    check(!c.bootstrap_servers.empty());
    check(!c.store.empty());
    check(!c.audit_topics.empty());
    for (const aw::tools::AuditTopic& topic : c.audit_topics) check(!topic.topic.empty());
  }
  return 0;
}
