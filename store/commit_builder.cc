// The write path: one pending store batch (Group) into one RocksDB WriteBatch.
//
// Performance notes (bench/RESULTS.md, "Evidence store"):
//  - Every family's puts are added in key order, so RocksDB's memtable inserts walk forward from
//    the previous insert's position (its sequential-insert splice) instead of from the top of
//    the skip list: the bucket-first families become appends, and the near-random id keys of a
//    batch land in one ordered sweep.
//  - Sorting compares integers wherever it can: events by (bucket, agent rank, time), postings by
//    an interned pair id; strings are compared once per distinct agent or indexed value.
//  - Every buffer, map and the WriteBatch itself are reused between commits.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <tuple>

#include "detect/alert.h"
#include "store/store_impl.h"

namespace aw::store::detail {
namespace {

constexpr uint8_t kAlertFormat = 1;

// Event fields of each posting-list index, as string_field() numbers them.
constexpr int kFieldId = 0;
constexpr int kFieldSource = 1;
constexpr int kFieldActor = 2;
constexpr struct {
  keys::IndexKind kind;
  int field;
} kIndexedFields[] = {
    {keys::IndexKind::kCredential, 3},
    {keys::IndexKind::kResource, 9},
    {keys::IndexKind::kSession, 4},
    {keys::IndexKind::kTask, 5},
};

int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TextRef copy_text(std::string_view s, std::string* text) {
  TextRef ref{static_cast<uint32_t>(text->size()), static_cast<uint32_t>(s.size())};
  text->append(s);
  return ref;
}

std::string_view view(const std::string& text, TextRef ref) {
  return std::string_view(text).substr(ref.offset, ref.length);
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

Status from_rocks(const rocksdb::Status& status, std::string_view context) {
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsNotFound()) return Status::not_found(std::move(message));
  // A full disk is worth telling apart: `run` pauses and resumes when space returns.
  if (status.IsNoSpace() ||
      status.ToString().find("No space left on device") != std::string::npos) {
    return Status::no_space(std::move(message));
  }
  if (status.IsCorruption()) return Status::corruption(std::move(message));
  if (status.IsInvalidArgument() || status.IsNotSupported()) {
    return Status::invalid_argument(std::move(message));
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() || status.IsIncomplete()) {
    return Status::unavailable(std::move(message));
  }
  return Status::io_error(std::move(message));
}

std::string_view cf_name(int cf) {
  switch (cf) {
    case kDefault:
      return "default";
    case kEvents:
      return keys::kEventsCf;
    case kIndex:
      return keys::kIndexCf;
    case kIds:
      return keys::kIdsCf;
    case kAlerts:
      return keys::kAlertsCf;
    case kPositions:
      return keys::kPositionsCf;
    case kRegistry:
      return keys::kRegistryCf;
    case kChain:
      return keys::kChainCf;
    case kOutbox:
      return keys::kOutboxCf;
  }
  return "unknown";
}

// ---- value encodings ----

void encode_id_value(const IdValue& v, std::string* out) {
  keys::put_varint(out, keys::zigzag(v.bucket));
  keys::put_bytes(out, v.agent);
  keys::put_varint(out, v.batch);
  keys::put_varint(out, v.part);
  keys::put_varint(out, v.slot);
}

bool parse_id_value(std::string_view in, IdValue* out) {
  uint64_t bucket = 0, part = 0, slot = 0;
  if (!keys::get_varint(&in, &bucket) || !keys::get_bytes(&in, &out->agent) ||
      !keys::get_varint(&in, &out->batch) || !keys::get_varint(&in, &part) ||
      !keys::get_varint(&in, &slot) || !in.empty() || part > UINT32_MAX || slot > UINT32_MAX) {
    return false;
  }
  out->bucket = keys::unzigzag(bucket);
  out->part = static_cast<uint32_t>(part);
  out->slot = static_cast<uint32_t>(slot);
  return true;
}

bool parse_id_bucket(std::string_view in, int64_t* bucket) {
  uint64_t v = 0;
  if (!keys::get_varint(&in, &v)) return false;
  *bucket = keys::unzigzag(v);
  return true;
}

bool parse_posting_value(std::string_view in, std::vector<PostingRef>* out) {
  out->clear();
  while (!in.empty()) {
    std::string_view agent;
    uint64_t part = 0, n = 0;
    if (!keys::get_bytes(&in, &agent) || !keys::get_varint(&in, &part) ||
        !keys::get_varint(&in, &n) || n == 0 || n > in.size() || part > UINT32_MAX) {
      return false;
    }
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t slot = 0;
      if (!keys::get_varint(&in, &slot) || slot > UINT32_MAX) return false;
      out->push_back(PostingRef{agent, static_cast<uint32_t>(part), static_cast<uint32_t>(slot)});
    }
  }
  return true;
}

void encode_alert_value(const AlertRecord& alert, uint64_t batch, std::string* out) {
  keys::put_u8(out, kAlertFormat);
  keys::put_u8(out, static_cast<uint8_t>(alert.severity));
  keys::put_u8(out, alert.retro ? 1 : 0);
  keys::put_varint(out, keys::zigzag(alert.event_time_us));
  keys::put_varint(out, keys::zigzag(alert.detected_at_us));
  keys::put_varint(out, batch);
  keys::put_bytes(out, alert.rule);
  keys::put_bytes(out, alert.agent);
  keys::put_bytes(out, alert.event_key);
  keys::put_bytes(out, alert.json);
}

bool parse_alert_value(std::string_view in, std::string_view id_bytes, StoredAlert* out) {
  uint8_t format = 0, severity = 0, retro = 0;
  uint64_t event_time = 0, detected = 0;
  std::string_view rule, agent, event_key, json;
  if (!keys::get_u8(&in, &format) || format != kAlertFormat || !keys::get_u8(&in, &severity) ||
      severity > static_cast<uint8_t>(rules::Severity::kCritical) || !keys::get_u8(&in, &retro) ||
      !keys::get_varint(&in, &event_time) || !keys::get_varint(&in, &detected) ||
      !keys::get_varint(&in, &out->batch) || !keys::get_bytes(&in, &rule) ||
      !keys::get_bytes(&in, &agent) || !keys::get_bytes(&in, &event_key) ||
      !keys::get_bytes(&in, &json) || !in.empty()) {
    return false;
  }
  out->id = keys::alert_id_to_hex(id_bytes);
  out->severity = static_cast<rules::Severity>(severity);
  out->retro = retro != 0;
  out->event_time_us = keys::unzigzag(event_time);
  out->detected_at_us = keys::unzigzag(detected);
  out->rule.assign(rule);
  out->agent.assign(agent);
  out->event_key.assign(event_key);
  out->json.assign(json);
  return true;
}

void encode_registry_value(const RegistryChangeRecord& change, std::string* out) {
  keys::put_varint(out, keys::zigzag(change.at_us));
  keys::put_bytes(out, change.op);
  keys::put_bytes(out, change.kind);
  keys::put_bytes(out, change.id);
  keys::put_bytes(out, change.text);
}

bool parse_registry_value(std::string_view in, StoredRegistryChange* out) {
  uint64_t at = 0;
  std::string_view op, kind, id, text;
  if (!keys::get_varint(&in, &at) || !keys::get_bytes(&in, &op) || !keys::get_bytes(&in, &kind) ||
      !keys::get_bytes(&in, &id) || !keys::get_bytes(&in, &text) || !in.empty()) {
    return false;
  }
  out->at_us = keys::unzigzag(at);
  out->op.assign(op);
  out->kind.assign(kind);
  out->id.assign(id);
  out->text.assign(text);
  return true;
}

uint64_t raw_record_hash(std::string_view source, std::string_view raw) {
  ingest::Event event;
  event.source = source;
  event.raw = raw;
  std::string key;
  detect::append_event_key(event, &key);
  uint64_t hash = 0;
  for (size_t i = key.size() >= 16 ? key.size() - 16 : 0; i < key.size(); ++i) {
    char c = key[i];
    hash = (hash << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return hash;
}

void append_event_id_key(std::string_view id, std::string_view source, std::string_view raw,
                         std::string* out) {
  keys::append_id_key(id, source, id.empty() ? raw_record_hash(source, raw) : 0, out);
}

void append_event_key_text(std::string_view id, std::string_view source, std::string_view raw,
                           std::string* out) {
  ingest::Event event;
  event.id = id;
  event.source = source;
  event.raw = raw;
  detect::append_event_key(event, out);
}

// ---- the pending group ----

void Group::clear() {
  text.clear();
  events.clear();
  origins.clear();
  side_text.clear();
  alerts.clear();
  changes.clear();
  positions.clear();
  skipped_duplicates = 0;
  input_batches = 0;
}

void Group::add(const WriteInput& input) {
  uint32_t origin = 0;
  while (origin < origins.size() && origins[origin] != input.origin) ++origin;
  if (origin == origins.size() && !input.events.empty()) origins.emplace_back(input.origin);
  for (const ingest::Event& event : input.events) {
    if (event.duplicate) {
      ++skipped_duplicates;
      continue;
    }
    events.emplace_back();
    copy_event(event, origin, &text, &events.back());
  }
  for (const AlertRecord& a : input.alerts) {
    PendingAlert p;
    p.id = copy_text(a.id, &side_text);
    p.rule = copy_text(a.rule, &side_text);
    p.agent = copy_text(a.agent, &side_text);
    p.event_key = copy_text(a.event_key, &side_text);
    p.json = copy_text(a.json, &side_text);
    p.feed = copy_text(a.feed, &side_text);
    p.severity = a.severity;
    p.event_time_us = a.event_time_us;
    p.detected_at_us = a.detected_at_us;
    p.retro = a.retro;
    alerts.push_back(p);
  }
  for (const RegistryChangeRecord& c : input.registry_changes) {
    PendingChange p;
    p.op = copy_text(c.op, &side_text);
    p.kind = copy_text(c.kind, &side_text);
    p.id = copy_text(c.id, &side_text);
    p.text = copy_text(c.text, &side_text);
    p.at_us = c.at_us;
    changes.push_back(p);
  }
  for (const PositionRecord& position : input.positions) {
    auto it = std::find_if(positions.begin(), positions.end(),
                           [&](const auto& p) { return p.first == position.name; });
    if (it == positions.end()) {
      positions.emplace_back(std::string(position.name), position.offset);
    } else {
      it->second = position.offset;
    }
  }
  ++input_batches;
}

// ---- the commit builder ----

struct CommitBuilder::Scratch {
  BlockEncoder encoder;
  Sha256 sha;
  ManifestBuilder manifest;
  std::string key, value, manifest_value, link_value;

  // Deduplication (the keys themselves live in the Prepared commit).
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
  std::vector<uint32_t> lookup_index;
  std::vector<uint64_t> id_prefix;

  // Grouping into blocks.
  absl::flat_hash_map<std::string_view, uint32_t> agent_ids;
  std::vector<std::string_view> agents;
  std::vector<uint32_t> agent_order, agent_rank;
  struct SortEntry {
    int64_t bucket;
    uint32_t rank;
    uint32_t index;
    int64_t ts;
  };
  std::vector<SortEntry> order;
  std::vector<int64_t> ev_bucket;
  std::vector<uint32_t> ev_agent, ev_part, ev_slot;
  std::vector<uint32_t> members;

  // Posting lists: (bucket, kind, value) pairs interned, refs counting-sorted by pair.
  using PairKey = std::tuple<int64_t, uint8_t, std::string_view>;
  absl::flat_hash_map<std::string_view, uint32_t> value_ids[4];  // per indexed field
  std::vector<PairKey> pairs;
  std::vector<uint32_t> ref_pair, ref_event;  // in block order
  std::vector<uint32_t> pair_start, pair_fill, sorted_refs, pair_order;

  // Alerts.
  std::vector<uint32_t> alert_order;
  std::string alert_id_bytes;
};

CommitBuilder::CommitBuilder(const StoreOptions& options, int64_t bucket_us)
    : options_(options), bucket_us_(bucket_us), s_(std::make_unique<Scratch>()) {}

CommitBuilder::~CommitBuilder() = default;

Status CommitBuilder::prepare(const DbHandles& db, const RetentionState& retention, Group& g,
                              uint64_t batch, const Hash256& prev, const Prepared* pending,
                              Prepared& pc) {
  Scratch& s = *s_;
  pc.wb.Clear();
  s.manifest.clear();
  pc.result = CommitResult{};
  CommitResult* result = &pc.result;
  result->duplicate_events = g.skipped_duplicates;
  const size_t n = g.events.size();
  const int64_t cutoff = retention.cutoff_bucket.load(std::memory_order_relaxed);
  auto field = [&](const EventRecord& r, int f) { return view(g.text, r.fields[f]); };

  // 1. Deduplicate: within the group (the first arrival wins), then against the store.
  pc.id_text.clear();
  pc.id_keys.resize(n);
  pc.id_order.resize(n);
  pc.drop.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const EventRecord& r = g.events[i];
    uint32_t start = static_cast<uint32_t>(pc.id_text.size());
    append_event_id_key(field(r, kFieldId), field(r, kFieldSource), view(g.text, r.raw),
                        &pc.id_text);
    pc.id_keys[i] = TextRef{start, static_cast<uint32_t>(pc.id_text.size() - start)};
    pc.id_order[i] = static_cast<uint32_t>(i);
  }
  auto id_key = [&](uint32_t i) { return pc.id_key(i); };
  // Performance note: keys share a long prefix ("i" + "evt-"); sorting compares the 8 bytes
  // after the prefix common to all of them as one integer first.
  size_t common = n > 0 ? id_key(0).size() : 0;
  for (size_t i = 1; i < n && common > 0; ++i) {
    std::string_view a = id_key(0), b = id_key(static_cast<uint32_t>(i));
    size_t limit = std::min({common, a.size(), b.size()});
    size_t j = 0;
    while (j < limit && a[j] == b[j]) ++j;
    common = j;
  }
  s.id_prefix.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::string_view k = id_key(static_cast<uint32_t>(i));
    uint64_t v = 0;
    for (size_t j = 0; j < 8; ++j) {
      v = (v << 8) | (common + j < k.size() ? static_cast<uint8_t>(k[common + j]) : 0);
    }
    s.id_prefix[i] = v;
  }
  std::sort(pc.id_order.begin(), pc.id_order.end(), [&](uint32_t a, uint32_t b) {
    if (s.id_prefix[a] != s.id_prefix[b]) return s.id_prefix[a] < s.id_prefix[b];
    int c = id_key(a).compare(id_key(b));
    return c < 0 || (c == 0 && a < b);
  });
  s.slices.clear();
  s.lookup_index.clear();
  for (size_t k = 0; k < n; ++k) {
    uint32_t i = pc.id_order[k];
    if (k > 0 && id_key(pc.id_order[k - 1]) == id_key(i)) {
      pc.drop[i] = 1;
      continue;
    }
    s.slices.push_back(slice(id_key(i)));
    s.lookup_index.push_back(i);
  }
  // Performance note: MultiGet over sorted keys, in chunks, lets RocksDB batch the filter and
  // index probes per SST file.
  constexpr size_t kLookupChunk = 4096;
  s.values.resize(kLookupChunk);
  s.statuses.resize(kLookupChunk);
  rocksdb::ReadOptions read_options;
  for (size_t at = 0; at < s.slices.size(); at += kLookupChunk) {
    size_t count = std::min(kLookupChunk, s.slices.size() - at);
    db.db->MultiGet(read_options, db.cf[kIds], count, s.slices.data() + at, s.values.data(),
                    s.statuses.data(), /*sorted_input=*/true);
    for (size_t k = 0; k < count; ++k) {
      if (s.statuses[k].ok()) {
        int64_t bucket = 0;
        // An entry of a pruned bucket waits for compaction to drop it: it is not stored.
        if (!parse_id_bucket(std::string_view(s.values[k].data(), s.values[k].size()), &bucket) ||
            bucket >= cutoff) {
          pc.drop[s.lookup_index[at + k]] = 1;
        }
      } else if (!s.statuses[k].IsNotFound()) {
        return from_rocks(s.statuses[k], "evidence store: looking up event ids");
      }
      s.values[k].Reset();
    }
  }

  // ... and against the commit prepared before this one, which may not be written yet. Both
  // lists are sorted: one merge walk.
  if (pending != nullptr && !pending->result.skipped) {
    size_t q = 0;
    const size_t m = pending->id_order.size();
    for (size_t k = 0; k < n; ++k) {
      uint32_t i = pc.id_order[k];
      if (pc.drop[i]) continue;
      std::string_view key = id_key(i);
      while (q < m &&
             (pending->drop[pending->id_order[q]] || pending->id_key(pending->id_order[q]) < key)) {
        ++q;
      }
      if (q < m && pending->id_key(pending->id_order[q]) == key) pc.drop[i] = 1;
    }
  }
  // 2. Order the stored events by (bucket, agent, time, arrival).
  s.agent_ids.clear();
  s.agents.clear();
  s.ev_bucket.resize(n);
  s.ev_agent.resize(n);
  s.ev_part.resize(n);
  s.ev_slot.resize(n);
  s.order.clear();
  int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
  for (size_t i = 0; i < n; ++i) {
    if (pc.drop[i]) {
      ++result->duplicate_events;
      continue;
    }
    const EventRecord& r = g.events[i];
    std::string_view agent = field(r, kFieldActor);
    auto [it, inserted] = s.agent_ids.try_emplace(agent, static_cast<uint32_t>(s.agents.size()));
    if (inserted) s.agents.push_back(agent);
    s.ev_agent[i] = it->second;
    s.ev_bucket[i] = keys::time_bucket(r.ts_us, bucket_us_);
    min_ts = std::min(min_ts, r.ts_us);
    max_ts = std::max(max_ts, r.ts_us);
    result->raw_bytes += r.raw.length;
    s.order.push_back(Scratch::SortEntry{s.ev_bucket[i], 0, static_cast<uint32_t>(i), r.ts_us});
  }
  s.agent_order.resize(s.agents.size());
  for (uint32_t a = 0; a < s.agents.size(); ++a) s.agent_order[a] = a;
  std::sort(s.agent_order.begin(), s.agent_order.end(),
            [&](uint32_t a, uint32_t b) { return s.agents[a] < s.agents[b]; });
  s.agent_rank.resize(s.agents.size());
  for (uint32_t r = 0; r < s.agent_order.size(); ++r) s.agent_rank[s.agent_order[r]] = r;
  for (Scratch::SortEntry& e : s.order) e.rank = s.agent_rank[s.ev_agent[e.index]];
  std::sort(s.order.begin(), s.order.end(),
            [](const Scratch::SortEntry& a, const Scratch::SortEntry& b) {
              if (a.bucket != b.bucket) return a.bucket < b.bucket;
              if (a.rank != b.rank) return a.rank < b.rank;
              if (a.ts != b.ts) return a.ts < b.ts;
              return a.index < b.index;
            });
  result->events = s.order.size();

  // Alerts: skip ids already stored, or earlier in this batch.
  s.alert_order.clear();
  pc.alert_keys.resize(g.alerts.size());
  for (uint32_t a = 0; a < g.alerts.size(); ++a) {
    char id_bytes[keys::kAlertIdBytes];
    if (!keys::alert_id_to_bytes(view(g.side_text, g.alerts[a].id), id_bytes)) {
      return Status::invalid_argument("evidence store: alert id '" +
                                      std::string(view(g.side_text, g.alerts[a].id)) +
                                      "' is not 32 lowercase hex digits");
    }
    pc.alert_keys[a].clear();
    keys::append_alert_record_key(std::string_view(id_bytes, sizeof(id_bytes)), &pc.alert_keys[a]);
    s.alert_order.push_back(a);
  }
  std::sort(s.alert_order.begin(), s.alert_order.end(), [&](uint32_t a, uint32_t b) {
    return pc.alert_keys[a] < pc.alert_keys[b] || (pc.alert_keys[a] == pc.alert_keys[b] && a < b);
  });
  pc.alert_keep.clear();
  for (size_t k = 0; k < s.alert_order.size(); ++k) {
    uint32_t a = s.alert_order[k];
    const std::string& record_key = pc.alert_keys[a];
    if (k > 0 && pc.alert_keys[s.alert_order[k - 1]] == record_key) {
      ++result->duplicate_alerts;
      continue;
    }
    rocksdb::PinnableSlice existing;
    rocksdb::Status got = db.db->Get(read_options, db.cf[kAlerts], slice(record_key), &existing);
    if (got.ok() || (pending != nullptr && pending->has_alert(record_key))) {
      ++result->duplicate_alerts;
      continue;
    }
    if (!got.IsNotFound()) return from_rocks(got, "evidence store: looking up an alert id");
    pc.alert_keep.push_back(a);
  }

  // Source positions only move forward: a re-run of input already stored does not move a
  // source back to where it stood before.
  pc.positions.clear();
  for (const auto& [name, offset] : g.positions) {
    std::string stored;
    rocksdb::Status got = db.db->Get(read_options, db.cf[kPositions], name, &stored);
    std::string_view in(stored);
    uint64_t stored_offset = 0;
    if (got.ok() && keys::get_u64(&in, &stored_offset) && stored_offset >= offset) continue;
    if (pending != nullptr && pending->position(name) >= offset) continue;
    if (!got.ok() && !got.IsNotFound()) {
      return from_rocks(got, "evidence store: reading the position of " + name);
    }
    pc.positions.emplace_back(name, offset);
  }
  std::sort(pc.positions.begin(), pc.positions.end());

  // A commit that would change nothing (a re-run of stored input) is not written: no link.
  if (result->events == 0 && pc.alert_keep.empty() && g.changes.empty() && pc.positions.empty()) {
    result->skipped = true;
    return Status::ok_status();
  }

  // 3. Event blocks: per (bucket, agent), cut into parts of bounded size.
  const size_t max_events = std::max<uint32_t>(options_.block_max_events, 1);
  for (size_t i = 0; i < s.order.size();) {
    size_t j = i;
    while (j < s.order.size() && s.order[j].bucket == s.order[i].bucket &&
           s.order[j].rank == s.order[i].rank) {
      ++j;
    }
    const int64_t bucket = s.order[i].bucket;
    const std::string_view agent = s.agents[s.ev_agent[s.order[i].index]];
    result->min_bucket = std::min(result->min_bucket, bucket);
    result->max_bucket = std::max(result->max_bucket, bucket);
    uint32_t part = 0;
    for (size_t k = i; k < j; ++part) {
      s.members.clear();
      size_t bytes = 0;
      while (k < j && s.members.size() < max_events) {
        uint32_t index = s.order[k].index;
        size_t raw = g.events[index].raw.length;
        if (!s.members.empty() && bytes + raw > options_.block_max_bytes) break;
        s.ev_part[index] = part;
        s.ev_slot[index] = static_cast<uint32_t>(s.members.size());
        s.members.push_back(index);
        bytes += raw;
        ++k;
      }
      s.key.clear();
      keys::append_block_key(bucket, agent, batch, part, &s.key);
      s.value.clear();
      s.encoder.encode(g.text, g.events, s.members, g.origins, options_.block_codec,
                       options_.zstd_level, &s.value);
      result->block_bytes += s.value.size();
      s.manifest.add_block(s.key, s.sha.digest128(s.value));
      pc.wb.Put(db.cf[kEvents], slice(s.key), slice(s.value));
    }
    i = j;
  }

  // 4. The id index, in key order.
  uint64_t id_keys = 0;
  for (uint32_t i : pc.id_order) {
    if (pc.drop[i]) continue;
    s.value.clear();
    encode_id_value(
        IdValue{s.ev_bucket[i], s.agents[s.ev_agent[i]], batch, s.ev_part[i], s.ev_slot[i]},
        &s.value);
    pc.wb.Put(db.cf[kIds], slice(id_key(i)), slice(s.value));
    ++id_keys;
  }

  // 5. Posting lists per (bucket, kind, value), refs in block order. Events are ordered by
  // bucket, so values are interned per bucket and per kind with string keys alone.
  s.pairs.clear();
  s.ref_pair.clear();
  s.ref_event.clear();
  for (size_t begin = 0; begin < s.order.size();) {
    const int64_t bucket = s.order[begin].bucket;
    size_t end = begin;
    while (end < s.order.size() && s.order[end].bucket == bucket) ++end;
    for (auto& ids : s.value_ids) {
      ids.clear();
      ids.reserve(end - begin);
    }
    // Performance note: events come in agent order, and an agent's consecutive events mostly
    // share credential, session and task: a value equal to the previous event's reuses its pair
    // without hashing.
    std::string_view previous[std::size(kIndexedFields)];
    uint32_t previous_pair[std::size(kIndexedFields)] = {};
    for (size_t k = begin; k < end; ++k) {
      const uint32_t index = s.order[k].index;
      const EventRecord& r = g.events[index];
      for (size_t f = 0; f < std::size(kIndexedFields); ++f) {
        std::string_view value = field(r, kIndexedFields[f].field);
        if (value.empty()) continue;
        uint32_t pair = previous_pair[f];
        if (value != previous[f]) {
          auto [it, inserted] =
              s.value_ids[f].try_emplace(value, static_cast<uint32_t>(s.pairs.size()));
          if (inserted) {
            s.pairs.push_back(
                Scratch::PairKey{bucket, static_cast<uint8_t>(kIndexedFields[f].kind), value});
          }
          pair = it->second;
          previous[f] = value;
          previous_pair[f] = pair;
        }
        s.ref_pair.push_back(pair);
        s.ref_event.push_back(index);
      }
    }
    begin = end;
  }
  const size_t pair_count = s.pairs.size();
  s.pair_start.assign(pair_count + 1, 0);
  for (uint32_t p : s.ref_pair) ++s.pair_start[p + 1];
  for (size_t p = 0; p < pair_count; ++p) s.pair_start[p + 1] += s.pair_start[p];
  s.pair_fill.assign(s.pair_start.begin(), s.pair_start.end() - 1);
  s.sorted_refs.resize(s.ref_pair.size());
  for (size_t k = 0; k < s.ref_pair.size(); ++k) {
    s.sorted_refs[s.pair_fill[s.ref_pair[k]]++] = s.ref_event[k];
  }
  s.pair_order.resize(pair_count);
  for (uint32_t p = 0; p < pair_count; ++p) s.pair_order[p] = p;
  std::sort(s.pair_order.begin(), s.pair_order.end(),
            [&](uint32_t a, uint32_t b) { return s.pairs[a] < s.pairs[b]; });
  for (uint32_t p : s.pair_order) {
    const auto& [bucket, kind, value] = s.pairs[p];
    s.key.clear();
    keys::append_posting_key(bucket, static_cast<keys::IndexKind>(kind), value, batch, &s.key);
    s.value.clear();
    for (uint32_t k = s.pair_start[p]; k < s.pair_start[p + 1];) {
      uint32_t first = s.sorted_refs[k];
      uint32_t end = k + 1;
      while (end < s.pair_start[p + 1] && s.ev_agent[s.sorted_refs[end]] == s.ev_agent[first] &&
             s.ev_part[s.sorted_refs[end]] == s.ev_part[first]) {
        ++end;
      }
      keys::put_bytes(&s.value, s.agents[s.ev_agent[first]]);
      keys::put_varint(&s.value, s.ev_part[first]);
      keys::put_varint(&s.value, end - k);
      for (uint32_t m = k; m < end; ++m) keys::put_varint(&s.value, s.ev_slot[s.sorted_refs[m]]);
      k = end;
    }
    pc.wb.Put(db.cf[kIndex], slice(s.key), slice(s.value));
  }
  const uint64_t postings = pair_count;

  // 6. Alerts and their secondary keys.
  for (uint32_t a : pc.alert_keep) {
    const std::string& record_key = pc.alert_keys[a];
    const PendingAlert& p = g.alerts[a];
    AlertRecord alert{view(g.side_text, p.id),
                      view(g.side_text, p.rule),
                      p.severity,
                      view(g.side_text, p.agent),
                      view(g.side_text, p.event_key),
                      p.event_time_us,
                      p.detected_at_us,
                      p.retro,
                      view(g.side_text, p.json),
                      view(g.side_text, p.feed)};
    std::string_view id_bytes = std::string_view(record_key).substr(1);
    s.value.clear();
    encode_alert_value(alert, batch, &s.value);
    s.manifest.add_alert(record_key, keys::time_bucket(alert.event_time_us, bucket_us_),
                         s.sha.digest128(s.value));
    pc.wb.Put(db.cf[kAlerts], slice(record_key), slice(s.value));
    s.key.clear();
    keys::append_alert_time_key(alert.event_time_us, id_bytes, &s.key);
    pc.wb.Put(db.cf[kAlerts], slice(s.key), rocksdb::Slice());
    s.key.clear();
    keys::append_alert_agent_key(alert.agent, alert.event_time_us, id_bytes, &s.key);
    pc.wb.Put(db.cf[kAlerts], slice(s.key), rocksdb::Slice());
    s.key.clear();
    keys::append_alert_rule_key(alert.rule, alert.event_time_us, id_bytes, &s.key);
    pc.wb.Put(db.cf[kAlerts], slice(s.key), rocksdb::Slice());
    s.key.clear();
    keys::append_alert_event_key(alert.event_key, id_bytes, &s.key);
    pc.wb.Put(db.cf[kAlerts], slice(s.key), rocksdb::Slice());
    if (!alert.feed.empty()) {
      // Queued for the alert feed in the same write as the alert; removed once delivered.
      // Transient, so outside the chain's manifest.
      s.key.clear();
      keys::append_outbox_key(batch, id_bytes, &s.key);
      s.value.clear();
      keys::put_bytes(&s.value, alert.agent);
      keys::put_bytes(&s.value, alert.feed);
      pc.wb.Put(db.cf[kOutbox], slice(s.key), slice(s.value));
    }
    ++result->alerts;
  }

  // 7. Registry changes, in arrival order.
  for (uint32_t c = 0; c < g.changes.size(); ++c) {
    const PendingChange& p = g.changes[c];
    RegistryChangeRecord change{view(g.side_text, p.op), view(g.side_text, p.kind),
                                view(g.side_text, p.id), p.at_us, view(g.side_text, p.text)};
    s.key.clear();
    keys::append_registry_key(batch, c, &s.key);
    s.value.clear();
    encode_registry_value(change, &s.value);
    s.manifest.add_registry(s.key, s.sha.digest128(s.value));
    pc.wb.Put(db.cf[kRegistry], slice(s.key), slice(s.value));
  }
  result->registry_changes = g.changes.size();

  // 8. Source positions that moved forward, by name.
  for (const auto& [name, offset] : pc.positions) {
    s.value.clear();
    keys::put_u64(&s.value, offset);
    pc.wb.Put(db.cf[kPositions], slice(name), slice(s.value));
    s.manifest.add_position(name, offset);
  }

  // 9. The manifest and the chain link.
  s.manifest.set_derived(id_keys, postings);
  s.manifest_value.clear();
  s.manifest.finish(&s.manifest_value);
  ChainLink& link = result->link;
  link.kind = LinkKind::kData;
  link.batch = batch;
  link.events = result->events;
  link.alerts = result->alerts;
  link.registry_changes = result->registry_changes;
  link.min_ts = result->events > 0 ? min_ts : 0;
  link.max_ts = result->events > 0 ? max_ts : 0;
  link.committed_at_us = wall_clock_us();
  link.prev = prev;
  link.manifest = s.sha.hash(s.manifest_value);
  s.link_value.clear();
  encode_link(&link, s.sha, &s.link_value);
  s.key.clear();
  keys::append_chain_key(keys::kChainManifest, batch, &s.key);
  pc.wb.Put(db.cf[kChain], slice(s.key), slice(s.manifest_value));
  s.key.clear();
  keys::append_chain_key(keys::kChainLink, batch, &s.key);
  pc.wb.Put(db.cf[kChain], slice(s.key), slice(s.link_value));

  return Status::ok_status();
}

bool Prepared::has_alert(std::string_view record_key) const {
  if (result.skipped) return false;
  for (uint32_t a : alert_keep) {
    if (alert_keys[a] == record_key) return true;
  }
  return false;
}

uint64_t Prepared::position(std::string_view name) const {
  if (result.skipped) return 0;
  for (const auto& [n, offset] : positions) {
    if (n == name) return offset;
  }
  return 0;
}

Status write_prepared(const DbHandles& db, const rocksdb::WriteOptions& write_options,
                      Prepared& p) {
  rocksdb::WriteOptions options = write_options;
  rocksdb::Status written = db.db->Write(options, &p.wb);
  if (!written.ok()) {
    return from_rocks(written,
                      "evidence store: writing batch " + std::to_string(p.result.link.batch));
  }
  return Status::ok_status();
}

}  // namespace aw::store::detail
