// Event blocks: the value of an events-family key, holding up to StoreOptions::block_max_events
// events of one agent and time bucket from one store batch, in time order.
//
// Value layout (format 1):
//   u8 format | u8 codec | varint count | varint payload bytes | i64 min ts | i64 max ts | payload
// The header stays uncompressed so a reader can skip a block by time without decompressing it.
// The payload, compressed with `codec`:
//   varint origin count, origins (varint length + bytes)
//   per event: varint ts delta (from the previous event, the first from min ts) | u8 flags
//     (1 has_seq, 2 class_from_record) | u8 actor type | u8 action class | u8 outcome |
//     [varint seq] | varint unknown fields | varint origin | varint line | varint offset |
//     varint zigzag partition | varint raw length |
//     14 string fields (Event order: id, source, actor_id, credential_id, session, task, tool,
//     verb, resource_type, resource_name, env, approval, src_ip, attrs_json), each varint length
//     and, when not empty, varint (offset << 1 | in_extra): an offset into the event's own raw
//     record (the common case: the decoder's views point into it) or into the extra area
//   every event's raw record, concatenated
//   the extra area (strings that were not views into the record, such as unescaped ones)
// Storing fields as offsets into the original record keeps the normalized event exact for every
// input format at a few bytes per field, without re-decoding.
//
// Thread-safety: an encoder or decoder per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "store/store_options.h"

namespace aw::store {

inline constexpr int kStringFieldCount = 14;
inline constexpr uint8_t kBlockFormat = 1;

// A span of store-owned text.
struct TextRef {
  uint32_t offset = 0;
  uint32_t length = 0;
};

// An event copied into store-owned text (see copy_event); what a pending store batch holds.
struct EventRecord {
  int64_t ts_us = 0;
  uint64_t seq = 0;
  bool has_seq = false;
  bool class_from_record = false;
  ingest::ActorType actor_type = ingest::ActorType::kUnknown;
  ingest::ActionClass action_class = ingest::ActionClass::kUnset;
  ingest::Outcome outcome = ingest::Outcome::kUnset;
  uint32_t unknown_field_count = 0;
  uint32_t origin = 0;  // index into the pending batch's origin names
  ingest::SourcePosition position;
  TextRef raw;
  TextRef fields[kStringFieldCount];  // in the order of string_field()
};

// The string fields of an Event, in block order.
std::string_view string_field(const ingest::Event& event, int field);
void set_string_field(ingest::Event& event, int field, std::string_view value);

// Copies `event` into `text`: its raw record once, and each field that is not a view into the
// record. Appends only; `text` may reallocate (records hold offsets).
void copy_event(const ingest::Event& event, uint32_t origin, std::string* text, EventRecord* out);

struct BlockHeader {
  uint8_t codec = 0;
  uint32_t count = 0;
  uint32_t payload_bytes = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  size_t header_bytes = 0;
};
bool parse_block_header(std::string_view value, BlockHeader* out);

class BlockEncoder {
 public:
  BlockEncoder();
  ~BlockEncoder();
  BlockEncoder(const BlockEncoder&) = delete;
  BlockEncoder& operator=(const BlockEncoder&) = delete;

  // Appends the block value of records[order[i]] (already in time order) to `out`. `text` is
  // what the records' refs point into; `origins` names the records' origin indexes.
  void encode(std::string_view text, std::span<const EventRecord> records,
              std::span<const uint32_t> order, std::span<const std::string> origins,
              BlockCodec codec, int zstd_level, std::string* out);

 private:
  struct Compressor;
  std::unique_ptr<Compressor> compressor_;
  std::string payload_;
  std::string raws_;
  std::string extra_;
  std::vector<uint32_t> origin_map_;
};

struct DecodedBlock {
  BlockHeader header;
  std::string payload;                // the decompressed payload; events point into it
  std::vector<ingest::Event> events;  // in time order; slot i is events[i]
  std::vector<std::string_view> origins;
  std::vector<uint32_t> event_origin;  // per event, index into origins
};

class BlockDecoder {
 public:
  BlockDecoder();
  ~BlockDecoder();
  BlockDecoder(const BlockDecoder&) = delete;
  BlockDecoder& operator=(const BlockDecoder&) = delete;

  // kCorruption when the value is not a well-formed block.
  [[nodiscard]] Status decode(std::string_view value, DecodedBlock* out);

 private:
  struct Decompressor;
  std::unique_ptr<Decompressor> decompressor_;
};

}  // namespace aw::store
