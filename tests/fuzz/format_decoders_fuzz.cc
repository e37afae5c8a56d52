// libFuzzer target for the format decoders (ingest/format.h): the first byte picks the format
// (and whether the rest is one whole document or JSON Lines), the rest is the input. Every
// record must decode, be skipped or be dead-lettered without a crash, and every event must have
// what the later stages rely on. Joins are flushed, so held records are exercised too.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ingest/format.h"
#include "ingest/timestamp.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr aw::ingest::Format kFormats[] = {
    aw::ingest::Format::kCloudTrail, aw::ingest::Format::kK8sAudit,
    aw::ingest::Format::kOtelGenAi,  aw::ingest::Format::kClaudeHook,
    aw::ingest::Format::kMcp,        aw::ingest::Format::kGithubAudit,
    aw::ingest::Format::kVaultAudit, aw::ingest::Format::kPgaudit,
    aw::ingest::Format::kAuto,
};
constexpr size_t kFormatCount = sizeof(kFormats) / sizeof(kFormats[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aw::ingest;
  if (size == 0) return 0;
  // One decoder per format, kept across inputs like a long-running consumer; small join bounds
  // so eviction paths run often.
  static std::vector<std::unique_ptr<RecordDecoder>> decoders = [] {
    std::vector<std::unique_ptr<RecordDecoder>> made;
    DecoderOptions options;
    options.max_record_bytes = 1 << 16;
    options.max_depth = 16;
    FormatOptions format_options;
    format_options.max_pending = 4;
    format_options.max_remembered_spans = 8;
    for (Format format : kFormats) {
      auto decoder = make_decoder(format, options, nullptr, format_options);
      if (!decoder.ok()) std::abort();
      made.push_back(std::move(decoder.value()));
    }
    return made;
  }();
  static EventBatch batch;

  const uint8_t selector = data[0];
  const bool whole_document = (selector & 0x80) != 0;
  // kAuto keeps the format it picked first; use a fresh one so each input is detected anew.
  size_t index = (selector & 0x7f) % kFormatCount;
  std::unique_ptr<RecordDecoder> fresh_auto;
  RecordDecoder* decoder = decoders[index].get();
  if (kFormats[index] == Format::kAuto) {
    DecoderOptions options;
    options.max_record_bytes = 1 << 16;
    options.max_depth = 16;
    auto made = make_decoder(Format::kAuto, options, nullptr);
    if (!made.ok()) std::abort();
    fresh_auto = std::move(made.value());
    decoder = fresh_auto.get();
  }
  ++data;
  --size;

  std::string buffer(reinterpret_cast<const char*>(data), size);
  buffer.append(kRecordPadding, '\0');
  std::vector<RecordRef> records;
  std::vector<int64_t> default_times;
  if (whole_document) {
    records.push_back(RecordRef{{buffer.data(), size}, size, {1, 0, -1}});
  } else {
    size_t start = 0;
    uint64_t line = 1;
    while (start < size) {
      size_t nl = buffer.find('\n', start);
      if (nl == std::string::npos || nl >= size) nl = size;
      if (nl > start) {
        records.push_back(
            RecordRef{{buffer.data() + start, nl - start}, nl - start, {line, start, -1}});
      }
      start = nl + 1;
      ++line;
    }
  }
  // Every other record has a Kafka timestamp; the rest have none and no assumed time.
  for (size_t i = 0; i < records.size(); ++i) {
    default_times.push_back(i % 2 == 0 ? int64_t{1763633730} * 1000000 : kNoDefaultTime);
  }
  batch.clear();
  decoder->decode(records, default_times, batch);
  decoder->flush(batch);
  for (const Event& event : batch.events) {
    check(!event.source.empty());
    check(!event.actor_id.empty());
    check(!event.tool.empty() || !event.verb.empty());
    check(event.ts_us >= kMinTimeUs && event.ts_us <= kMaxTimeUs);
  }
  for (const DeadLetter& letter : batch.dead_letters) check(letter.reason != DecodeError::kNone);
  for (const ControlRecord& control : batch.controls) {
    check(control.raw.substr(0, 19) == "{\"registry_update\":");
    check(control.before_event <= batch.events.size());
  }
  return 0;
}
