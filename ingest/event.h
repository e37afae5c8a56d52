// The normalized event: the vocabulary every decoder produces and every later stage consumes.
// Fields mirror the native event of DESIGN.md. Event time is integer microseconds since the Unix
// epoch, UTC.
//
// Lifetime: every std::string_view in an Event is a borrowed view, into the input buffer of the
// source that produced the batch, or into the batch's StringArena. Views stay valid until the
// source reads its next chunk or the batch is cleared, whichever comes first; a stage that keeps
// an event longer copies what it needs.
//
// Thread-safety: an EventBatch belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ingest/decode_error.h"
#include "ingest/string_arena.h"

namespace aw::ingest {

enum class ActorType : uint8_t { kUnknown = 0, kAgent, kService, kHuman, kBot };
enum class ActionClass : uint8_t {
  kUnset = 0,  // not given by the record and not yet derived (see rules/action_class_table.h)
  kRead,
  kWrite,
  kDelete,
  kAdmin,
  kEscalate,
  kPublish,
  kSign,
  kSnapshot,
  kExec,
};
inline constexpr int kActionClassCount = 10;
enum class Outcome : uint8_t { kUnset = 0, kSuccess, kFailure, kDenied };

std::string_view actor_type_name(ActorType type);
std::string_view action_class_name(ActionClass action_class);
std::string_view outcome_name(Outcome outcome);
// Parse the JSON spellings ("agent", "delete", "denied"); false for anything else.
bool parse_actor_type(std::string_view text, ActorType* out);
bool parse_action_class(std::string_view text, ActionClass* out);
bool parse_outcome(std::string_view text, Outcome* out);

// Where a record came from: a line of a file (line and byte offset) or a Kafka message
// (partition in `line`'s place is not mixed in: Kafka sources fill partition and offset).
struct SourcePosition {
  uint64_t line = 0;    // 1-based line number in a file; 0 for Kafka messages
  uint64_t offset = 0;  // byte offset in the file, or the Kafka offset
  int32_t partition = -1;
};

struct Event {
  int64_t ts_us = 0;  // event time, µs since the epoch, UTC
  std::string_view id;
  std::string_view source;
  uint64_t seq = 0;
  bool has_seq = false;

  std::string_view actor_id;
  ActorType actor_type = ActorType::kUnknown;
  std::string_view credential_id;
  std::string_view session;
  std::string_view task;

  std::string_view tool;
  std::string_view verb;
  ActionClass action_class = ActionClass::kUnset;
  bool class_from_record = false;  // true when the record named the class itself

  std::string_view resource_type;
  std::string_view resource_name;
  std::string_view env;
  Outcome outcome = Outcome::kUnset;
  std::string_view approval;
  std::string_view src_ip;

  std::string_view attrs_json;  // the raw JSON text of "attrs", empty when absent
  std::string_view raw;         // the whole original record: unknown fields live here
  uint32_t unknown_field_count = 0;
  SourcePosition position;
  bool duplicate = false;  // set by the engine: an earlier record had the same source and id
};

// One record that did not become an event.
struct DeadLetter {
  DecodeError reason = DecodeError::kNone;
  std::string_view field;     // the field concerned ("ts", "actor.id"), empty when none; static
  std::string_view raw;       // the original bytes (a prefix for oversized records)
  uint64_t record_bytes = 0;  // the full size of the record, even when `raw` is a prefix
  SourcePosition position;
  std::string_view detail;  // a longer explanation when there is one; owned by the caller
};

// A registry update met in the stream ({"registry_update": {...}}), kept raw: the detect stage
// parses and applies it. `before_event` is the number of the batch's events that arrived before
// it, so updates apply in arrival order between events.
struct ControlRecord {
  std::string_view raw;
  SourcePosition position;
  size_t before_event = 0;
};

// A batch of decoded events and the records rejected on the way. Reused across batches: clear()
// keeps every buffer's capacity so a warm pipeline allocates nothing per batch.
struct EventBatch {
  std::vector<Event> events;
  std::vector<DeadLetter> dead_letters;
  std::vector<ControlRecord> controls;
  StringArena arena;

  void clear() {
    events.clear();
    dead_letters.clear();
    controls.clear();
    arena.clear();
  }
};

}  // namespace aw::ingest
