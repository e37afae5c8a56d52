// libFuzzer target for the native decoder: any bytes, split into lines as the LineReader does,
// must decode or dead-letter without a crash, and every event must satisfy the decoder's
// guarantees. Also round-trips every timestamp the RFC 3339 parser accepts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/native_decoder.h"
#include "ingest/timestamp.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aw::ingest;
  static NativeDecoder decoder = [] {
    DecoderOptions options;
    options.max_record_bytes = 1 << 16;
    options.max_depth = 16;
    auto made = NativeDecoder::make(options);
    if (!made.ok()) std::abort();
    return std::move(made.value());
  }();
  static EventBatch batch;

  std::string buffer(reinterpret_cast<const char*>(data), size);
  buffer.append(kRecordPadding, '\0');
  std::vector<RecordRef> records;
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
  batch.clear();
  decoder.decode(records, batch);
  check(batch.events.size() + batch.dead_letters.size() + batch.controls.size() == records.size());
  for (const Event& event : batch.events) {
    check(!event.source.empty());
    check(!event.actor_id.empty());
    check(!event.tool.empty() || !event.verb.empty());
    check(event.ts_us >= kMinTimeUs && event.ts_us <= kMaxTimeUs);
  }
  for (const DeadLetter& letter : batch.dead_letters) check(letter.reason != DecodeError::kNone);

  int64_t us;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (parse_rfc3339(text, &us)) {
    int64_t again;
    check(parse_rfc3339(format_rfc3339(us), &again) && again == us);
  }
  return 0;
}
