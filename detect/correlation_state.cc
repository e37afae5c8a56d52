#include "detect/correlation_state.h"

#include <algorithm>
#include <random>

#include "detect/hashing.h"

namespace aw::detect {
namespace {

constexpr uint64_t kSeedA = 0x243f6a8885a308d3ULL;
constexpr uint64_t kSeedB = 0x13198a2e03707344ULL;
constexpr uint64_t kSeedResource = 0xa4093822299f31d0ULL;
constexpr uint64_t kSeedTask = 0x082efa98ec4e6c89ULL;
constexpr uint64_t kSeedSession = 0x452821e638d01377ULL;
constexpr uint64_t kSeedSource = 0xbe5466cf34e90c6cULL;

}  // namespace

CorrelationState::CorrelationState(const CorrelationOptions& options)
    : options_(options),
      fingerprint_seed_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()),
      key_seed_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()),
      seen_current_(options.dedupe_generation),
      seen_previous_(options.dedupe_generation) {}

uint64_t CorrelationState::fingerprint(std::string_view source, std::string_view id,
                                       std::string_view raw) const {
  std::string_view key = id.empty() ? raw : id;
  uint64_t tag = id.empty() ? kSeedB : kSeedA;  // an id and a whole record never share a key
  return quick_hash_fields(source, key, fingerprint_seed_ ^ tag);
}

bool CorrelationState::is_duplicate(uint64_t f) {
  if (seen_previous_.contains(f)) return true;
  if (seen_current_.full()) {
    if (seen_current_.contains(f)) return true;
    seen_previous_.swap(seen_current_);
    seen_current_.clear();
  }
  return !seen_current_.insert(f);
}

std::optional<int64_t> CorrelationState::last_snapshot(std::string_view resource, int64_t t) const {
  auto it = snapshots_.find(quick_hash(resource, key_seed_ ^ kSeedResource));
  if (it == snapshots_.end()) return std::nullopt;
  const Snapshots& s = it->second;
  for (uint8_t i = 0; i < s.size; ++i) {  // newest first
    if (s.times[i] <= t) return s.times[i];
  }
  return std::nullopt;
}

void CorrelationState::record_snapshot(std::string_view resource, int64_t ts) {
  Snapshots& s = snapshots_[quick_hash(resource, key_seed_ ^ kSeedResource)];
  // Insert keeping descending order; the oldest falls off when full.
  size_t pos = 0;
  while (pos < s.size && s.times[pos] > ts) ++pos;
  if (pos == s.times.size()) return;
  size_t last = std::min<size_t>(s.size, s.times.size() - 1);
  for (size_t i = last; i > pos; --i) s.times[i] = s.times[i - 1];
  s.times[pos] = ts;
  if (s.size < s.times.size()) ++s.size;
}

bool CorrelationState::code_written(std::string_view actor, std::string_view task,
                                    std::string_view session, int64_t ts) const {
  if (!task.empty()) {
    auto it = first_code_write_.find(quick_hash_fields(actor, task, key_seed_ ^ kSeedTask));
    if (it != first_code_write_.end() && it->second <= ts) return true;
  }
  if (!session.empty()) {
    auto it = first_code_write_.find(quick_hash_fields(actor, session, key_seed_ ^ kSeedSession));
    if (it != first_code_write_.end() && it->second <= ts) return true;
  }
  return false;
}

void CorrelationState::record_code_write(std::string_view actor, std::string_view task,
                                         std::string_view session, int64_t ts) {
  auto remember = [&](uint64_t key) {
    auto [it, inserted] = first_code_write_.emplace(key, ts);
    if (!inserted && ts < it->second) it->second = ts;
  };
  if (!task.empty()) remember(quick_hash_fields(actor, task, key_seed_ ^ kSeedTask));
  if (!session.empty()) remember(quick_hash_fields(actor, session, key_seed_ ^ kSeedSession));
}

bool CorrelationState::sequence_gap_reordered(std::string_view source, uint64_t seq,
                                              int32_t partition, uint64_t* expected) {
  const uint64_t window = options_.seq_reorder_window;
  SeqWindow& s = windowed_seq_[quick_hash(source, key_seed_ ^ kSeedSource)];
  auto bit = [&](uint64_t n) -> std::pair<uint64_t&, uint64_t> {
    uint64_t slot = n % window;
    return {s.bits[slot / 64], uint64_t{1} << (slot % 64)};
  };
  // Marks [s.next, end) as passed: seen numbers are cleared, the first unseen one is the gap.
  bool gap = false;
  auto pass_until = [&](uint64_t end) {
    const uint64_t scanned_end = std::min(end, s.next + window);  // only these can hold bits
    for (uint64_t n = s.next; n < scanned_end; ++n) {
      auto [word, mask] = bit(n);
      if ((word & mask) != 0) {
        word &= ~mask;
      } else if (!gap) {
        gap = true;
        *expected = n;
      }
    }
    if (!gap && end > scanned_end) {
      gap = true;
      *expected = scanned_end;
    }
    s.next = std::max(s.next, end);
  };
  if (s.bits.empty()) {  // the first record of a source has nothing to compare with
    s.bits.assign((window + 63) / 64, 0);
    s.next = seq + 1;
    s.partition_high.emplace_back(partition, seq);
    return false;
  }
  bool known_partition = false;
  for (auto& [p, high] : s.partition_high) {
    if (p == partition) {
      high = std::max(high, seq);
      known_partition = true;
    }
  }
  if (!known_partition) s.partition_high.emplace_back(partition, seq);
  if (seq >= s.next) {
    // Backstop: the ring holds `window` numbers; older holes are gaps whatever the watermark.
    if (seq >= s.next + window) pass_until(seq - window + 1);
    auto [word, mask] = bit(seq);
    word |= mask;
  }
  // Watermark: every partition carrying the source is past this, so what is missing below it
  // can no longer arrive (each partition is in order).
  if (s.partition_high.size() >= expected_partitions_) {
    uint64_t watermark = UINT64_MAX;
    for (const auto& [p, high] : s.partition_high) watermark = std::min(watermark, high);
    if (watermark > s.next) pass_until(watermark);
  }
  while (true) {  // the lowest unseen number moves up over what has arrived
    auto [next_word, next_mask] = bit(s.next);
    if ((next_word & next_mask) == 0) break;
    next_word &= ~next_mask;
    ++s.next;
  }
  return gap;
}

bool CorrelationState::sequence_gap(std::string_view source, uint64_t seq, uint64_t* expected,
                                    int32_t partition) {
  if (options_.seq_reorder_window > 0) {
    return sequence_gap_reordered(source, seq, partition, expected);
  }
  // The hash screens the listed names, so a name is compared only when it is the one.
  const uint64_t key = quick_hash(source, key_seed_ ^ kSeedSource);
  uint64_t* last_seen = nullptr;
  for (ListedSource& listed : listed_seq_) {
    if (listed.key == key && listed.name == source) {
      last_seen = &listed.last;
      break;
    }
  }
  if (last_seen == nullptr) {
    if (listed_seq_.size() < kListedSources) {
      listed_seq_.push_back(ListedSource{key, std::string(source), seq});
      return false;  // the first record of a source has nothing to compare with
    }
    auto [it, inserted] = more_seq_.emplace(key, seq);
    if (inserted) return false;
    last_seen = &it->second;
  }
  uint64_t last = *last_seen;
  if (seq <= last) return false;  // a late or repeated record, not a gap
  *last_seen = seq;
  if (seq == last + 1) return false;
  *expected = last + 1;
  return true;
}

bool CorrelationState::threshold_crossed(uint32_t rule, std::string_view group, int64_t ts,
                                         int64_t window_us, uint32_t count) {
  Window& w = windows_[quick_hash(group, key_seed_ ^ (0x9e3779b97f4a7c15ULL * (rule + 1)))];
  auto& times = w.times;
  if (times.capacity() == 0) times.reserve(static_cast<size_t>(count) + 2);  // never grows again
  times.insert(std::upper_bound(times.begin(), times.end(), ts), ts);
  if (times.size() > static_cast<size_t>(count) + 1) times.erase(times.begin());
  // Events in (newest - window, newest]; the newest is times.back().
  int64_t newest = times.back();
  size_t in_window = 0;
  for (int64_t t : times) {
    if (t > newest - window_us) ++in_window;
  }
  if (in_window > count) {
    if (!w.armed) return false;
    w.armed = false;
    return true;
  }
  w.armed = true;
  return false;
}

}  // namespace aw::detect
