// CorrelationState: what the engine remembers between events, bounded per key. Snapshot times per
// resource, code writes per (actor, task) and (actor, session), the last sequence number per
// source, sliding windows of the threshold rules, and the (source, id) pairs already judged.
//
// Thread-safety: owned by the detect thread.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/fingerprint_set.h"

namespace aw::detect {

struct CorrelationOptions {
  // Duplicates of an event are recognised among at least this many most recent distinct events
  // (two generations of this size are kept). Producer retries arrive within seconds; the
  // evidence store catches older repeats. Default: 65,536.
  // Performance note: both generations are allocated up front and never grow (see
  // detect/fingerprint_set.h); at 64 Ki they take 2 MiB together, mostly cache-resident, where
  // 256 Ki cost a cache miss per probe.
  size_t dedupe_generation = 1 << 16;
  // Records of one source may come from several Kafka partitions (keyed by actor), each in
  // order but interleaved arbitrarily. 0: one ordered input (a file), so a skipped number is a
  // gap at once. N > 0: a missing number is a gap once every partition the source's records
  // come from has gone past it (a watermark; see set_expected_partitions), or, as a backstop,
  // once the source is N numbers past it. Reported by the record that confirmed it.
  // Default: 0.
  uint32_t seq_reorder_window = 0;
  // Snapshot times kept per resource, newest first. Default: 8.
  static constexpr size_t kSnapshotsPerResource = 8;
};

class CorrelationState {
 public:
  explicit CorrelationState(const CorrelationOptions& options = {});

  // The fingerprint of an event for the duplicate check: (source, id), or (source, record bytes)
  // for events without an id, so only byte-identical retries of those are merged.
  uint64_t fingerprint(std::string_view source, std::string_view id, std::string_view raw) const;
  // Starts loading the memory is_duplicate(fingerprint) will touch; call a few events ahead.
  void prefetch(uint64_t fingerprint) const {
    seen_previous_.prefetch(fingerprint);
    seen_current_.prefetch(fingerprint);
  }
  // True when an event with this fingerprint was seen before; records it otherwise.
  bool is_duplicate(uint64_t fingerprint);
  bool is_duplicate(std::string_view source, std::string_view id, std::string_view raw) {
    return is_duplicate(fingerprint(source, id, raw));
  }

  // The time of the latest snapshot of `resource` at or before `t`, if any is remembered.
  std::optional<int64_t> last_snapshot(std::string_view resource, int64_t t) const;
  void record_snapshot(std::string_view resource, int64_t ts);

  // True when `actor` wrote code at or before ts in the same task or the same session.
  bool code_written(std::string_view actor, std::string_view task, std::string_view session,
                    int64_t ts) const;
  void record_code_write(std::string_view actor, std::string_view task, std::string_view session,
                         int64_t ts);

  // Sequence tracking per source: returns true when seq skips numbers after the source's highest
  // seq so far (a gap), with the number that was due. Records seq. With a reorder window, true
  // when seq moves the window past numbers that never arrived; `expected` is the first of them.
  bool sequence_gap(std::string_view source, uint64_t seq, uint64_t* expected,
                    int32_t partition = -1);
  // With a reorder window: how many partitions carry each source (the partitions assigned to
  // this instance). A source's watermark counts only once it was seen in that many.
  void set_expected_partitions(uint32_t partitions) { expected_partitions_ = partitions; }

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
  // One 64-bit fingerprint per event, keyed by a seed drawn at start: two distinct events merge
  // with probability about 2^-64, and nobody outside the process can aim for a collision to
  // make a real event pass for a retry.
  uint64_t fingerprint_seed_;
  // Keys the other tables (snapshots, code writes, windows, sources) the same way, so nobody can
  // choose a resource or task name whose key collides with another's.
  uint64_t key_seed_;
  FingerprintSet seen_current_;
  FingerprintSet seen_previous_;
  absl::flat_hash_map<uint64_t, Snapshots> snapshots_;
  absl::flat_hash_map<uint64_t, int64_t> first_code_write_;
  // Sources are few (gateways, collectors): a short list scanned by name, then a map.
  static constexpr size_t kListedSources = 32;
  struct ListedSource {
    uint64_t key;  // the name's hash
    std::string name;
    uint64_t last;
  };
  std::vector<ListedSource> listed_seq_;
  absl::flat_hash_map<uint64_t, uint64_t> more_seq_;
  // With a reorder window: per source, the lowest number not yet seen and a ring of bits for
  // the numbers seen in [next, next + window).
  struct SeqWindow {
    uint64_t next = 0;
    std::vector<uint64_t> bits;
    std::vector<std::pair<int32_t, uint64_t>> partition_high;  // highest seq per partition
  };
  bool sequence_gap_reordered(std::string_view source, uint64_t seq, int32_t partition,
                              uint64_t* expected);
  uint32_t expected_partitions_ = 1;
  absl::flat_hash_map<uint64_t, SeqWindow> windowed_seq_;
  absl::flat_hash_map<uint64_t, Window> windows_;
};

}  // namespace aw::detect
