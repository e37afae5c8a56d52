// Every key the evidence store writes, in one place: the column families, the byte encodings and
// the builders and parsers of each key. Keys are compared bytewise by RocksDB, so every encoding
// here preserves order: unsigned integers are big-endian, signed integers big-endian with the
// sign bit flipped, and strings are escaped so that a shorter string sorts before its extensions
// and a string never runs into the field after it (0x00 -> 0x00 0xFF, then 0x00 0x01 ends it).
//
// Layout (DESIGN.md, "Store layouts"; bench/RESULTS.md has the measurements behind it). Event
// time is cut into buckets of StoreOptions::time_bucket_seconds (fixed when the store is
// created). A store batch is one commit: one RocksDB WriteBatch holding whole input batches.
//
//   cf        key                                               value
//   events    bucket i64 | agent str | batch u64 | part u32      event block (store/event_block.h)
//   index     bucket i64 | kind u8 | batch u64 | value str       posting list: (agent, part, slot)
//   ids       'i' | id str | source str [| raw hash u64]         where the event is stored
//   alerts    'a' | alert id 16 bytes                            alert record (header + JSON)
//             't' | event time i64 | alert id                    (empty) by time
//             'g' | agent str | event time i64 | alert id        (empty) by agent
//             'r' | rule str | event time i64 | alert id         (empty) by rule
//             'e' | event key str | alert id                     (empty) alerts of one event
//   positions source name (bytes as given)                       offset u64
//   registry  batch u64 | ordinal u32                            registry change record
//   chain     'l' | batch u64                                    chain link (store/chain.h)
//             'm' | batch u64                                    batch manifest
//   outbox    batch u64 | alert id 16 bytes                      alert awaiting the feed:
//                                                                bytes agent | bytes payload
//   default   "format" / "retention"                             store-wide settings
//
// Bucket-first keys make every commit an append to the newest bucket's range (older buckets are
// never rewritten by compaction), a timeline one contiguous range per bucket, and retention a
// range delete of whole buckets. Posting lists are batch-first within their bucket and kind, so a
// commit appends them too (keyed value-first they landed among earlier batches' keys and cost a
// near-random memtable insert each); a query reads one key per batch whose time range overlaps
// the bucket (one MultiGet). Only `ids` is keyed by a near-random value; it is the price of
// exact deduplication and lookup by id (bench/RESULTS.md measures it at ~1.7 us per event,
// through the memtable or as ingested SST files alike).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aw::store::keys {

// Column family names. RocksDB's "default" family holds the store-wide settings.
inline constexpr std::string_view kEventsCf = "events";
inline constexpr std::string_view kIndexCf = "index";
inline constexpr std::string_view kIdsCf = "ids";
inline constexpr std::string_view kAlertsCf = "alerts";
inline constexpr std::string_view kPositionsCf = "positions";
inline constexpr std::string_view kRegistryCf = "registry";
inline constexpr std::string_view kChainCf = "chain";
inline constexpr std::string_view kOutboxCf = "outbox";

inline constexpr std::string_view kFormatKey = "format";
inline constexpr char kIdTag = 'i';
inline constexpr std::string_view kRetentionKey = "retention";

// The secondary indexes kept as posting lists. The agent index is the events family itself.
enum class IndexKind : uint8_t {
  kCredential = 'c',
  kResource = 'r',
  kSession = 's',
  kTask = 't',
};
inline constexpr IndexKind kIndexKinds[] = {IndexKind::kCredential, IndexKind::kResource,
                                            IndexKind::kSession, IndexKind::kTask};
std::string_view index_kind_name(IndexKind kind);  // "credential", "resource", ...

// Prefix bytes of the alerts family.
inline constexpr char kAlertRecord = 'a';
inline constexpr char kAlertByTime = 't';
inline constexpr char kAlertByAgent = 'g';
inline constexpr char kAlertByRule = 'r';
inline constexpr char kAlertByEvent = 'e';
// Prefix bytes of the chain family.
inline constexpr char kChainLink = 'l';
inline constexpr char kChainManifest = 'm';

inline constexpr size_t kAlertIdBytes = 16;  // 32 hex digits, stored as bytes

// ---- primitive encodings ----

void put_u8(std::string* out, uint8_t v);
void put_u16(std::string* out, uint16_t v);
void put_u32(std::string* out, uint32_t v);
void put_u64(std::string* out, uint64_t v);
void put_i64(std::string* out, int64_t v);  // sign bit flipped: -1 < 0 < 1 bytewise
void put_string(std::string* out, std::string_view s);

// Parsers consume from the front of `in`; false when the bytes are not a valid encoding.
bool get_u8(std::string_view* in, uint8_t* v);
bool get_u16(std::string_view* in, uint16_t* v);
bool get_u32(std::string_view* in, uint32_t* v);
bool get_u64(std::string_view* in, uint64_t* v);
bool get_i64(std::string_view* in, int64_t* v);
bool get_string(std::string_view* in, std::string* s);

// The smallest string greater than every string starting with `prefix` (for iterate_upper_bound);
// empty when there is none (all 0xFF).
std::string prefix_successor(std::string_view prefix);

// The bucket of an event time: floor(ts / bucket_us), also for times before 1970.
int64_t time_bucket(int64_t ts_us, int64_t bucket_us);

// ---- events ----

struct BlockKey {
  int64_t bucket = 0;
  std::string agent;
  uint64_t batch = 0;
  uint32_t part = 0;
};
void append_block_key(int64_t bucket, std::string_view agent, uint64_t batch, uint32_t part,
                      std::string* out);
// The prefix of every block of `agent` in `bucket`.
void append_block_prefix(int64_t bucket, std::string_view agent, std::string* out);
bool parse_block_key(std::string_view key, BlockKey* out);

// ---- index ----

struct PostingKey {
  int64_t bucket = 0;
  IndexKind kind = IndexKind::kCredential;
  std::string value;
  uint64_t batch = 0;
};
void append_posting_key(int64_t bucket, IndexKind kind, std::string_view value, uint64_t batch,
                        std::string* out);
bool parse_posting_key(std::string_view key, PostingKey* out);

// ---- ids ----

// `raw_hash` is used only when `id` is empty (records without an id are keyed by their bytes).
void append_id_key(std::string_view id, std::string_view source, uint64_t raw_hash,
                   std::string* out);
// The prefix of every source's event with this id.
void append_id_prefix(std::string_view id, std::string* out);
struct IdKey {
  std::string id;
  std::string source;
  uint64_t raw_hash = 0;  // 0 when the id is not empty
};
bool parse_id_key(std::string_view key, IdKey* out);

// ---- alerts ----

// 32 lowercase hex digits <-> 16 bytes; false for anything else.
bool alert_id_to_bytes(std::string_view hex, char out[kAlertIdBytes]);
std::string alert_id_to_hex(std::string_view bytes);
void append_alert_record_key(std::string_view id_bytes, std::string* out);
void append_alert_time_key(int64_t event_time_us, std::string_view id_bytes, std::string* out);
void append_alert_agent_key(std::string_view agent, int64_t event_time_us,
                            std::string_view id_bytes, std::string* out);
void append_alert_rule_key(std::string_view rule, int64_t event_time_us, std::string_view id_bytes,
                           std::string* out);
void append_alert_event_key(std::string_view event_key, std::string_view id_bytes,
                            std::string* out);

// ---- registry, chain ----

void append_registry_key(uint64_t batch, uint32_t ordinal, std::string* out);
bool parse_registry_key(std::string_view key, uint64_t* batch, uint32_t* ordinal);
void append_chain_key(char kind, uint64_t batch, std::string* out);
// ---- outbox ----
void append_outbox_key(uint64_t batch, std::string_view id_bytes, std::string* out);
bool parse_chain_key(std::string_view key, char* kind, uint64_t* batch);

// ---- values: little helpers shared by the value encodings ----

inline void put_varint(std::string* out, uint64_t v) {
  if (v < 0x80) {  // the common case: one byte
    out->push_back(static_cast<char>(v));
    return;
  }
  char b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}
bool get_varint(std::string_view* in, uint64_t* v);
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ (v >> 63); }
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
void put_bytes(std::string* out, std::string_view bytes);  // varint length, then the bytes
bool get_bytes(std::string_view* in, std::string_view* bytes);

// Human-readable rendering of a key of family `cf` for messages ("events/3@2026-11-20T10:00Z/
// agent-1/batch 17/part 0"); falls back to hex for anything it cannot parse.
std::string describe_key(std::string_view cf, std::string_view key, int64_t bucket_us);

}  // namespace aw::store::keys
