// CorrelationState: what the engine remembers between events, bounded per key. Snapshot times per
// resource, code writes per (actor, task) and (actor, session), the last sequence number per
// source, sliding windows of the threshold rules, and the (source, id) pairs already judged.
//
// Thread-safety: owned by the detect thread.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace aw::detect {

struct CorrelationOptions {
  // Duplicates of an event are recognised among at least this many most recent distinct events
  // (two generations of this size are kept). Default: 1,048,576.
  size_t dedupe_generation = 1 << 20;
  // Snapshot times kept per resource, newest first. Default: 8.
  static constexpr size_t kSnapshotsPerResource = 8;
};

class CorrelationState {
 public:
  explicit CorrelationState(const CorrelationOptions& options = {});

  // True when an event with this (source, id) was seen before; records it otherwise. Events
  // without an id are keyed by their whole record, so only byte-identical retries are merged.
  bool is_duplicate(std::string_view source, std::string_view id, std::string_view raw);

  // The time of the latest snapshot of `resource` at or before `t`, if any is remembered.
  std::optional<int64_t> last_snapshot(std::string_view resource, int64_t t) const;
  void record_snapshot(std::string_view resource, int64_t ts);

  // True when `actor` wrote code at or before ts in the same task or the same session.
  bool code_written(std::string_view actor, std::string_view task, std::string_view session,
                    int64_t ts) const;
  void record_code_write(std::string_view actor, std::string_view task, std::string_view session,
                         int64_t ts);

  // Sequence tracking per source: returns true when seq skips numbers after the source's highest
  // seq so far (a gap), with the number that was due. Records seq.
  bool sequence_gap(std::string_view source, uint64_t seq, uint64_t* expected);

  // Adds an event at ts to the window of (rule, group); returns true when the window now holds
  // more than `count` events within (ts - window, ts] and the window was armed. It re-arms once
  // the count drops back to `count` or fewer.
  bool threshold_crossed(uint32_t rule, std::string_view group, int64_t ts, int64_t window_us,
                         uint32_t count);

  size_t window_count() const { return windows_.size(); }

 private:
  struct Window {
    std::vector<int64_t> times;  // ascending, at most count + 1
    bool armed = true;
  };
  struct Snapshots {
    std::array<int64_t, CorrelationOptions::kSnapshotsPerResource> times{};  // descending
    uint8_t size = 0;
  };

  CorrelationOptions options_;
  // Two 64-bit fingerprints per event make an accidental merge of two events practically
  // impossible (about 2^-128 per pair).
  struct Fingerprint {
    uint64_t a, b;
    bool operator==(const Fingerprint&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Fingerprint& f) {
      return H::combine(std::move(h), f.a, f.b);
    }
  };
  absl::flat_hash_set<Fingerprint> seen_current_;
  absl::flat_hash_set<Fingerprint> seen_previous_;
  absl::flat_hash_map<uint64_t, Snapshots> snapshots_;
  absl::flat_hash_map<uint64_t, int64_t> first_code_write_;
  absl::flat_hash_map<uint64_t, uint64_t> last_seq_;
  absl::flat_hash_map<uint64_t, Window> windows_;
};

}  // namespace aw::detect
