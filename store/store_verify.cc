// EvidenceStore::verify(): recomputes the integrity chain and checks every stored key.
//
//  1. Links: each link's hash over its contents, each link's `prev` against the link before it,
//     batch numbers without gaps; the retention cut recorded in the chain against the store's.
//  2. Per data batch: the manifest against the link's manifest hash; every listed block, alert
//     record and registry change present with the listed digest (blocks and alerts of pruned
//     buckets excepted); the id-index entries and posting lists recomputed from the batch's
//     blocks and compared value by value; each alert's secondary keys present.
//  3. Extras: every family scanned for keys no manifest accounts for (counted per batch; a batch
//     whose count differs is scanned again to name the key).
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <map>

#include "store/store_impl.h"

namespace aw::store {
namespace {

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

constexpr int kIndexedFields[][2] = {
    {static_cast<int>(keys::IndexKind::kCredential), 3},
    {static_cast<int>(keys::IndexKind::kResource), 9},
    {static_cast<int>(keys::IndexKind::kSession), 4},
    {static_cast<int>(keys::IndexKind::kTask), 5},
};

struct LinkState {
  ChainLink link;
  bool present = false;
  bool manifest_present = false;
};

struct Derived {
  std::vector<std::pair<std::string, std::string>> ids;       // sorted by key
  std::vector<std::pair<std::string, std::string>> postings;  // sorted by key
  uint64_t events = 0;
};

class Verifier {
 public:
  Verifier(const EvidenceStore::Impl& impl, size_t max_problems)
      : impl_(impl), db_(impl.db.get()), max_problems_(max_problems) {}

  Result<VerifyReport> run() {
    AW_RETURN_IF_ERROR(check_links());
    AW_RETURN_IF_ERROR(check_batches());
    AW_RETURN_IF_ERROR(check_extras());
    std::stable_sort(
        report_.problems.begin(), report_.problems.end(),
        [](const VerifyProblem& a, const VerifyProblem& b) { return a.batch < b.batch; });
    if (report_.problems.size() > max_problems_) report_.problems.resize(max_problems_);
    report_.ok = report_.problems.empty();
    return std::move(report_);
  }

 private:
  void problem(uint64_t batch, int cf, std::string_view key, std::string reason) {
    if (report_.problems.size() >= kCollect) return;
    report_.problems.push_back(VerifyProblem{
        batch, keys::describe_key(detail::cf_name(cf), key, impl_.bucket_us), std::move(reason)});
  }
  rocksdb::ColumnFamilyHandle* cf(int c) const { return impl_.handles.cf[c]; }
  bool pruned(int64_t bucket) const { return bucket < cutoff_; }

  // ---- 1. links ----
  Status check_links() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_, cf(detail::kChain)));
    Hash256 prev{};
    uint64_t expected = 1;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = view(it->key());
      char kind = 0;
      uint64_t batch = 0;
      if (!keys::parse_chain_key(key, &kind, &batch) ||
          (kind != keys::kChainLink && kind != keys::kChainManifest)) {
        problem(0, detail::kChain, key, "not a chain key");
        continue;
      }
      if (kind == keys::kChainManifest) {
        if (batch >= links_.size() || !links_[batch].present) {
          problem(batch, detail::kChain, key, "manifest of a batch without a link");
        } else {
          links_[batch].manifest_present = true;
        }
        continue;
      }
      std::string_view value = view(it->value());
      ChainLink link;
      if (!parse_link(value, &link)) {
        problem(batch, detail::kChain, key, "unreadable link");
        continue;
      }
      ++report_.batches;
      if (link.batch != batch) problem(batch, detail::kChain, key, "link names another batch");
      if (batch != expected) {
        problem(expected, detail::kChain, key,
                "chain gap: batch " + std::to_string(expected) + " is missing");
      }
      expected = batch + 1;
      if (recompute_link(value, sha_) != link.link) {
        problem(batch, detail::kChain, key, "link hash does not match the link's contents");
      }
      if (link.prev != prev) {
        problem(batch, detail::kChain, key, "link does not follow the previous link");
      }
      prev = link.link;
      if (links_.size() <= batch) links_.resize(batch + 1);
      links_[batch].link = link;
      links_[batch].present = true;
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "verify: chain");
    report_.head = to_hex(prev.data(), prev.size());
    // The retention cut: the latest retention link's, and the store's record must agree.
    cutoff_ = INT64_MIN;
    for (uint64_t b = 1; b < links_.size(); ++b) {
      if (!links_[b].present || links_[b].link.kind != LinkKind::kRetention) continue;
      Manifest manifest;
      std::string value;
      if (!read_manifest(b, &value) || !parse_manifest(LinkKind::kRetention, value, &manifest)) {
        continue;
      }
      cutoff_ = std::max(cutoff_, manifest.cutoff_bucket);
    }
    std::string stored;
    int64_t stored_cutoff = INT64_MIN;
    rocksdb::Status got =
        db_->Get(read_, cf(detail::kDefault), slice(keys::kRetentionKey), &stored);
    if (got.ok()) {
      std::string_view in(stored);
      if (!keys::get_i64(&in, &stored_cutoff)) stored_cutoff = INT64_MAX;
    } else if (!got.IsNotFound()) {
      return detail::from_rocks(got, "verify: retention record");
    }
    if (stored_cutoff != cutoff_) {
      problem(links_.empty() ? 0 : links_.size() - 1, detail::kDefault, keys::kRetentionKey,
              "retention cut differs from the one recorded in the chain");
      cutoff_ = std::max(cutoff_, stored_cutoff);  // judge data by the stricter of the two
    }
    expected_ids_.assign(links_.size(), 0);
    expected_postings_.assign(links_.size(), 0);
    expected_blocks_.assign(links_.size(), 0);
    expected_alerts_.assign(links_.size(), 0);
    expected_registry_.assign(links_.size(), 0);
    return Status::ok_status();
  }

  // Reads a manifest and checks it against its link; false (with a problem) when it cannot be
  // used.
  bool read_manifest(uint64_t batch, std::string* value) {
    std::string key;
    keys::append_chain_key(keys::kChainManifest, batch, &key);
    rocksdb::Status got = db_->Get(read_, cf(detail::kChain), key, value);
    if (!got.ok()) {
      problem(batch, detail::kChain, key, got.IsNotFound() ? "missing" : got.ToString());
      return false;
    }
    if (sha_.hash(*value) != links_[batch].link.manifest) {
      problem(batch, detail::kChain, key, "manifest does not match its link (value changed)");
      return false;
    }
    return true;
  }

  // ---- 2. batches ----
  Status check_batches() {
    for (uint64_t b = 1; b < links_.size(); ++b) {
      if (!links_[b].present || links_[b].link.kind != LinkKind::kData) continue;
      std::string value;
      Manifest manifest;
      if (!read_manifest(b, &value)) continue;
      if (!parse_manifest(LinkKind::kData, value, &manifest)) {
        std::string key;
        keys::append_chain_key(keys::kChainManifest, b, &key);
        problem(b, detail::kChain, key, "unreadable manifest");
        continue;
      }
      AW_RETURN_IF_ERROR(check_batch(b, manifest));
    }
    return Status::ok_status();
  }

  Status check_batch(uint64_t batch, const Manifest& manifest) {
    // Blocks: present, unchanged, readable; then what they imply for the derived families.
    Derived derived;
    bool complete = true;
    AW_RETURN_IF_ERROR(derive(batch, manifest, /*report=*/true, &derived, &complete));
    report_.events += derived.events;
    expected_ids_[batch] = derived.ids.size();
    expected_postings_[batch] = derived.postings.size();
    AW_RETURN_IF_ERROR(compare(batch, detail::kIds, derived.ids, "id index entry"));
    AW_RETURN_IF_ERROR(compare(batch, detail::kIndex, derived.postings, "posting list"));
    if (complete && manifest.blocks.size() == expected_blocks_[batch] &&
        (derived.ids.size() != manifest.id_keys || derived.postings.size() != manifest.postings)) {
      std::string key;
      keys::append_chain_key(keys::kChainManifest, batch, &key);
      problem(batch, detail::kChain, key, "derived key counts differ from the manifest");
    }
    // Alert records and their secondary keys.
    for (const ManifestEntry& e : manifest.alerts) {
      if (pruned(e.bucket)) continue;
      ++expected_alerts_[batch];
      ++live_alerts_;
      std::string value;
      rocksdb::Status got = db_->Get(read_, cf(detail::kAlerts), e.key, &value);
      ++report_.keys;
      if (!got.ok()) {
        problem(batch, detail::kAlerts, e.key, got.IsNotFound() ? "missing" : got.ToString());
        continue;
      }
      if (sha_.digest128(value) != e.digest) {
        problem(batch, detail::kAlerts, e.key, "value changed");
        continue;
      }
      StoredAlert alert;
      std::string_view id_bytes = std::string_view(e.key).substr(1);
      if (!detail::parse_alert_value(value, id_bytes, &alert)) {
        problem(batch, detail::kAlerts, e.key, "unreadable alert record");
        continue;
      }
      std::string keys_to_check[4];
      keys::append_alert_time_key(alert.event_time_us, id_bytes, &keys_to_check[0]);
      keys::append_alert_agent_key(alert.agent, alert.event_time_us, id_bytes, &keys_to_check[1]);
      keys::append_alert_rule_key(alert.rule, alert.event_time_us, id_bytes, &keys_to_check[2]);
      keys::append_alert_event_key(alert.event_key, id_bytes, &keys_to_check[3]);
      for (const std::string& k : keys_to_check) {
        std::string ignored;
        rocksdb::Status found = db_->Get(read_, cf(detail::kAlerts), k, &ignored);
        ++report_.keys;
        if (!found.ok()) {
          problem(batch, detail::kAlerts, k,
                  found.IsNotFound() ? "alert index entry missing" : found.ToString());
        } else if (!ignored.empty()) {
          problem(batch, detail::kAlerts, k, "alert index entry has a value");
        }
      }
    }
    // Registry changes.
    for (const ManifestEntry& e : manifest.registry) {
      ++expected_registry_[batch];
      std::string value;
      rocksdb::Status got = db_->Get(read_, cf(detail::kRegistry), e.key, &value);
      ++report_.keys;
      if (!got.ok()) {
        problem(batch, detail::kRegistry, e.key, got.IsNotFound() ? "missing" : got.ToString());
      } else if (sha_.digest128(value) != e.digest) {
        problem(batch, detail::kRegistry, e.key, "value changed");
      }
    }
    for (const ManifestPosition& p : manifest.positions) {
      positions_[p.name] = std::make_pair(p.offset, batch);
    }
    return Status::ok_status();
  }

  // Reads the batch's unpruned blocks and recomputes its id-index entries and posting lists,
  // exactly as the commit wrote them.
  Status derive(uint64_t batch, const Manifest& manifest, bool report, Derived* out,
                bool* complete) {
    std::vector<const ManifestEntry*> live;
    for (const ManifestEntry& e : manifest.blocks) {
      std::string_view key = e.key;
      int64_t bucket = 0;
      if (!keys::get_i64(&key, &bucket)) {
        if (report) problem(batch, detail::kEvents, e.key, "manifest lists an unreadable key");
        *complete = false;
        continue;
      }
      if (!pruned(bucket)) live.push_back(&e);
    }
    if (report) expected_blocks_[batch] = live.size();
    if (live.size() != manifest.blocks.size()) *complete = false;
    std::map<std::string, std::string> postings;  // key -> value being built
    struct Run {
      std::string agent;
      uint32_t part = UINT32_MAX;
      std::vector<uint32_t> slots;
    };
    std::map<std::string, std::vector<Run>> runs;
    constexpr size_t kChunk = 1024;
    std::vector<rocksdb::Slice> key_slices;
    std::vector<rocksdb::PinnableSlice> values(kChunk);
    std::vector<rocksdb::Status> statuses(kChunk);
    DecodedBlock block;
    for (size_t at = 0; at < live.size(); at += kChunk) {
      size_t n = std::min(kChunk, live.size() - at);
      key_slices.clear();
      for (size_t i = 0; i < n; ++i) key_slices.push_back(slice(live[at + i]->key));
      db_->MultiGet(read_, cf(detail::kEvents), n, key_slices.data(), values.data(),
                    statuses.data(), /*sorted_input=*/true);
      for (size_t i = 0; i < n; ++i) {
        const ManifestEntry& e = *live[at + i];
        if (report) ++report_.keys;
        if (!statuses[i].ok()) {
          if (report) {
            problem(batch, detail::kEvents, e.key,
                    statuses[i].IsNotFound() ? "missing" : statuses[i].ToString());
          }
          *complete = false;
          values[i].Reset();
          continue;
        }
        std::string_view value = view(values[i]);
        if (sha_.digest128(value) != e.digest) {
          if (report) problem(batch, detail::kEvents, e.key, "value changed");
          *complete = false;
          values[i].Reset();
          continue;
        }
        keys::BlockKey key;
        Status decoded = decoder_.decode(value, &block);
        values[i].Reset();
        if (!keys::parse_block_key(e.key, &key) || key.batch != batch || !decoded.ok()) {
          if (report) problem(batch, detail::kEvents, e.key, "unreadable block");
          *complete = false;
          continue;
        }
        for (uint32_t slot = 0; slot < block.events.size(); ++slot) {
          const ingest::Event& event = block.events[slot];
          ++out->events;
          if (event.actor_id != key.agent ||
              keys::time_bucket(event.ts_us, impl_.bucket_us) != key.bucket) {
            if (report) problem(batch, detail::kEvents, e.key, "event does not belong to its key");
          }
          std::string id_key, id_value;
          detail::append_event_id_key(event.id, event.source, event.raw, &id_key);
          detail::encode_id_value(detail::IdValue{key.bucket, key.agent, batch, key.part, slot},
                                  &id_value);
          out->ids.emplace_back(std::move(id_key), std::move(id_value));
          for (const auto& indexed : kIndexedFields) {
            std::string_view field = string_field(event, indexed[1]);
            if (field.empty()) continue;
            std::string posting_key;
            keys::append_posting_key(key.bucket, static_cast<keys::IndexKind>(indexed[0]), field,
                                     batch, &posting_key);
            std::vector<Run>& list = runs[posting_key];
            if (list.empty() || list.back().agent != key.agent || list.back().part != key.part) {
              list.push_back(Run{key.agent, key.part, {}});
            }
            list.back().slots.push_back(slot);
          }
        }
      }
    }
    for (auto& [posting_key, list] : runs) {
      std::string value;
      for (const Run& run : list) {
        keys::put_bytes(&value, run.agent);
        keys::put_varint(&value, run.part);
        keys::put_varint(&value, run.slots.size());
        for (uint32_t slot : run.slots) keys::put_varint(&value, slot);
      }
      out->postings.emplace_back(posting_key, std::move(value));
    }
    std::sort(out->ids.begin(), out->ids.end());
    return Status::ok_status();
  }

  Status compare(uint64_t batch, int family,
                 const std::vector<std::pair<std::string, std::string>>& expected,
                 std::string_view what) {
    constexpr size_t kChunk = 4096;
    std::vector<rocksdb::Slice> key_slices;
    std::vector<rocksdb::PinnableSlice> values(kChunk);
    std::vector<rocksdb::Status> statuses(kChunk);
    for (size_t at = 0; at < expected.size(); at += kChunk) {
      size_t n = std::min(kChunk, expected.size() - at);
      key_slices.clear();
      for (size_t i = 0; i < n; ++i) key_slices.push_back(slice(expected[at + i].first));
      db_->MultiGet(read_, cf(family), n, key_slices.data(), values.data(), statuses.data(),
                    /*sorted_input=*/true);
      for (size_t i = 0; i < n; ++i) {
        const auto& [key, value] = expected[at + i];
        ++report_.keys;
        if (!statuses[i].ok()) {
          problem(
              batch, family, key,
              statuses[i].IsNotFound() ? std::string(what) + " missing" : statuses[i].ToString());
        } else if (view(values[i]) != value) {
          problem(batch, family, key, std::string(what) + " does not match the events");
        }
        values[i].Reset();
      }
    }
    return Status::ok_status();
  }

  // ---- 3. extras ----
  Status check_extras() {
    std::vector<uint64_t> counts;
    auto count_batch = [&](uint64_t batch) {
      if (counts.size() <= batch) counts.resize(batch + 1, 0);
      ++counts[batch];
    };
    auto in_data_batch = [&](uint64_t batch) {
      return batch < links_.size() && links_[batch].present &&
             links_[batch].link.kind == LinkKind::kData;
    };
    // events
    counts.clear();
    std::vector<uint64_t> odd;
    AW_RETURN_IF_ERROR(scan(detail::kEvents, [&](std::string_view key, std::string_view) {
      keys::BlockKey k;
      if (!keys::parse_block_key(key, &k) || !in_data_batch(k.batch)) {
        problem(k.batch, detail::kEvents, key, "not in any manifest");
        return;
      }
      if (!pruned(k.bucket)) count_batch(k.batch);
    }));
    AW_RETURN_IF_ERROR(name_extras(detail::kEvents, counts, expected_blocks_));
    // index
    counts.clear();
    AW_RETURN_IF_ERROR(scan(detail::kIndex, [&](std::string_view key, std::string_view) {
      keys::PostingKey k;
      if (!keys::parse_posting_key(key, &k) || !in_data_batch(k.batch)) {
        problem(k.batch, detail::kIndex, key, "not derived from any batch");
        return;
      }
      if (!pruned(k.bucket)) count_batch(k.batch);
    }));
    AW_RETURN_IF_ERROR(name_extras(detail::kIndex, counts, expected_postings_));
    // ids
    counts.clear();
    AW_RETURN_IF_ERROR(scan(detail::kIds, [&](std::string_view key, std::string_view value) {
      detail::IdValue v;
      if (!detail::parse_id_value(value, &v) || !in_data_batch(v.batch)) {
        problem(v.batch, detail::kIds, key, "not derived from any batch");
        return;
      }
      if (!pruned(v.bucket)) count_batch(v.batch);
    }));
    AW_RETURN_IF_ERROR(name_extras(detail::kIds, counts, expected_ids_));
    // alerts
    counts.clear();
    uint64_t secondary[4] = {0, 0, 0, 0};
    AW_RETURN_IF_ERROR(scan(detail::kAlerts, [&](std::string_view key, std::string_view value) {
      switch (key.empty() ? '\0' : key[0]) {
        case keys::kAlertRecord: {
          StoredAlert alert;
          if (key.size() != 1 + keys::kAlertIdBytes ||
              !detail::parse_alert_value(value, key.substr(1), &alert) ||
              !in_data_batch(alert.batch)) {
            problem(alert.batch, detail::kAlerts, key, "not in any manifest");
            return;
          }
          count_batch(alert.batch);
          return;
        }
        case keys::kAlertByTime:
          ++secondary[0];
          return;
        case keys::kAlertByAgent:
          ++secondary[1];
          return;
        case keys::kAlertByRule:
          ++secondary[2];
          return;
        case keys::kAlertByEvent:
          ++secondary[3];
          return;
        default:
          problem(0, detail::kAlerts, key, "not an alert key");
      }
    }));
    AW_RETURN_IF_ERROR(name_extras(detail::kAlerts, counts, expected_alerts_));
    for (uint64_t n : secondary) {
      if (n != live_alerts_) {
        problem(links_.empty() ? 0 : links_.size() - 1, detail::kAlerts, "",
                "alert index entries (" + std::to_string(n) + ") differ from alert records (" +
                    std::to_string(live_alerts_) + ")");
        break;
      }
    }
    // registry
    counts.clear();
    AW_RETURN_IF_ERROR(scan(detail::kRegistry, [&](std::string_view key, std::string_view) {
      uint64_t batch = 0;
      uint32_t ordinal = 0;
      if (!keys::parse_registry_key(key, &batch, &ordinal) || !in_data_batch(batch)) {
        problem(batch, detail::kRegistry, key, "not in any manifest");
        return;
      }
      count_batch(batch);
    }));
    AW_RETURN_IF_ERROR(name_extras(detail::kRegistry, counts, expected_registry_));
    // positions: exactly the latest committed offset per name
    absl::flat_hash_set<std::string> seen;
    AW_RETURN_IF_ERROR(scan(detail::kPositions, [&](std::string_view key, std::string_view value) {
      auto it = positions_.find(std::string(key));
      uint64_t offset = 0;
      std::string_view in = value;
      if (it == positions_.end()) {
        problem(links_.empty() ? 0 : links_.size() - 1, detail::kPositions, key,
                "not in any manifest");
        return;
      }
      seen.insert(std::string(key));
      if (!keys::get_u64(&in, &offset) || !in.empty() || offset != it->second.first) {
        problem(it->second.second, detail::kPositions, key,
                "value differs from the batch that committed it");
      }
    }));
    for (const auto& [name, where] : positions_) {
      if (!seen.contains(name)) problem(where.second, detail::kPositions, name, "missing");
    }
    // default family
    AW_RETURN_IF_ERROR(scan(detail::kDefault, [&](std::string_view key, std::string_view) {
      if (key != keys::kFormatKey && key != keys::kRetentionKey) {
        problem(0, detail::kDefault, key, "unknown key");
      }
    }));
    return Status::ok_status();
  }

  template <typename Fn>
  Status scan(int family, Fn fn) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_, cf(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) fn(view(it->key()), view(it->value()));
    if (!it->status().ok()) {
      return detail::from_rocks(it->status(),
                                "verify: scanning " + std::string(detail::cf_name(family)));
    }
    return Status::ok_status();
  }

  // Batches holding more keys than their manifest accounts for: scan again to name the keys.
  Status name_extras(int family, const std::vector<uint64_t>& counts,
                     const std::vector<uint64_t>& expected) {
    for (uint64_t batch = 0; batch < counts.size(); ++batch) {
      uint64_t want = batch < expected.size() ? expected[batch] : 0;
      if (counts[batch] <= want) continue;  // fewer: the missing keys were named already
      if (report_.problems.size() >= kCollect) return Status::ok_status();
      absl::flat_hash_set<std::string> known;
      std::string value;
      Manifest manifest;
      if (!read_manifest(batch, &value) || !parse_manifest(LinkKind::kData, value, &manifest)) {
        continue;
      }
      if (family == detail::kEvents) {
        for (const ManifestEntry& e : manifest.blocks) known.insert(e.key);
      } else if (family == detail::kAlerts) {
        for (const ManifestEntry& e : manifest.alerts) known.insert(e.key);
      } else if (family == detail::kRegistry) {
        for (const ManifestEntry& e : manifest.registry) known.insert(e.key);
      } else {
        Derived derived;
        bool complete = true;
        AW_RETURN_IF_ERROR(derive(batch, manifest, /*report=*/false, &derived, &complete));
        for (const auto& kv : family == detail::kIds ? derived.ids : derived.postings) {
          known.insert(kv.first);
        }
      }
      AW_RETURN_IF_ERROR(scan(family, [&](std::string_view key, std::string_view v) {
        uint64_t key_batch = 0;
        if (family == detail::kEvents) {
          keys::BlockKey k;
          if (!keys::parse_block_key(key, &k)) return;
          key_batch = k.batch;
        } else if (family == detail::kIndex) {
          keys::PostingKey k;
          if (!keys::parse_posting_key(key, &k)) return;
          key_batch = k.batch;
        } else if (family == detail::kIds) {
          detail::IdValue idv;
          if (!detail::parse_id_value(v, &idv)) return;
          key_batch = idv.batch;
        } else if (family == detail::kAlerts) {
          StoredAlert alert;
          if (key.empty() || key[0] != keys::kAlertRecord ||
              key.size() != 1 + keys::kAlertIdBytes ||
              !detail::parse_alert_value(v, key.substr(1), &alert)) {
            return;
          }
          key_batch = alert.batch;
        } else {
          uint32_t ordinal = 0;
          if (!keys::parse_registry_key(key, &key_batch, &ordinal)) return;
        }
        if (key_batch == batch && !known.contains(std::string(key))) {
          problem(
              batch, family, key,
              family == detail::kEvents || family == detail::kAlerts || family == detail::kRegistry
                  ? "not in its batch's manifest"
                  : "not derived from its batch's events");
        }
      }));
    }
    return Status::ok_status();
  }

  static constexpr size_t kCollect = 1000;
  const EvidenceStore::Impl& impl_;
  rocksdb::DB* db_;
  size_t max_problems_;
  rocksdb::ReadOptions read_;
  Sha256 sha_;
  BlockDecoder decoder_;
  VerifyReport report_;
  std::vector<LinkState> links_{1};
  int64_t cutoff_ = INT64_MIN;
  std::vector<uint64_t> expected_ids_, expected_postings_, expected_blocks_, expected_alerts_,
      expected_registry_;
  uint64_t live_alerts_ = 0;
  absl::flat_hash_map<std::string, std::pair<uint64_t, uint64_t>> positions_;  // offset, batch
};

}  // namespace

Result<VerifyReport> EvidenceStore::verify(size_t max_problems) const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  Verifier verifier(*impl_, max_problems == 0 ? 1 : max_problems);
  return verifier.run();
}

}  // namespace aw::store
