// EvidenceStore's bulk read for reports: every event of a time range, block by block, on a few
// worker threads. Timelines sort each bucket's events and keep every decoded block alive until
// the result dies; a report over millions of events needs neither, so each worker decodes one
// block at a time into buffers it reuses (fresh memory costs more than decoding, DESIGN.md).
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "store/store_impl.h"

namespace aw::store {
namespace {

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Performance note: sequential reads of a whole bucket; 2 MiB readahead turns cold scans into
// large reads instead of one per 4 KiB table block.
constexpr size_t kScanReadahead = size_t{2} << 20;

struct ScanShared {
  ScanShared(const EvidenceStore::Impl& i, int64_t from, int64_t to, int64_t lo_bucket,
             int64_t hi_bucket)
      : impl(i), from_us(from), to_us(to), lo(lo_bucket), hi(hi_bucket) {}
  const EvidenceStore::Impl& impl;
  int64_t from_us, to_us;
  int64_t lo, hi;                 // bucket range
  std::atomic<int64_t> next{0};   // the next bucket to take, as an offset from lo
  std::atomic<bool> stop{false};  // a visit said stop, or a worker failed
  std::mutex error_mu;
  Status error;

  void fail(Status status) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (error.ok()) error = std::move(status);
    stop.store(true);
  }
};

void scan_worker(ScanShared& shared, int worker, const EvidenceStore::BlockVisitor& visit) {
  rocksdb::ReadOptions read;
  read.fill_cache = false;
  read.readahead_size = kScanReadahead;
  std::unique_ptr<rocksdb::Iterator> it(
      shared.impl.db->NewIterator(read, shared.impl.handles.cf[detail::kEvents]));
  BlockDecoder decoder;
  DecodedBlock block;
  std::vector<ingest::Event> in_range;
  std::string prefix;
  for (;;) {
    if (shared.stop.load(std::memory_order_relaxed)) return;
    int64_t offset = shared.next.fetch_add(1);
    if (offset > shared.hi - shared.lo) return;
    int64_t bucket = shared.lo + offset;
    prefix.clear();
    keys::put_i64(&prefix, bucket);
    for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
      std::string_view key = view(it->key());
      if (!key.starts_with(prefix)) break;
      std::string_view value = view(it->value());
      BlockHeader header;
      if (!parse_block_header(value, &header)) {
        shared.fail(Status::corruption(
            "unreadable block " + keys::describe_key(keys::kEventsCf, key, shared.impl.bucket_us)));
        return;
      }
      if (header.max_ts < shared.from_us || header.min_ts >= shared.to_us) continue;
      Status decoded = decoder.decode(value, &block);
      if (!decoded.ok()) {
        shared.fail(
            Status::corruption(decoded.message() + " at " +
                               keys::describe_key(keys::kEventsCf, key, shared.impl.bucket_us)));
        return;
      }
      std::span<const ingest::Event> events(block.events);
      if (header.min_ts < shared.from_us || header.max_ts >= shared.to_us) {
        in_range.clear();
        for (const ingest::Event& e : block.events) {
          if (e.ts_us >= shared.from_us && e.ts_us < shared.to_us) in_range.push_back(e);
        }
        events = in_range;
      }
      if (!events.empty() && !visit(worker, events)) {
        shared.stop.store(true);
        return;
      }
    }
    if (!it->status().ok()) {
      shared.fail(detail::from_rocks(it->status(), "scan_blocks: events"));
      return;
    }
  }
}

}  // namespace

Status EvidenceStore::scan_blocks(int64_t from_us, int64_t to_us, int threads,
                                  const BlockVisitor& visit) const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  if (threads < 1) return Status::invalid_argument("scan_blocks: threads must be at least 1");
  int64_t min_bucket = 0, max_bucket = 0, cutoff = 0;
  impl_->bounds(&min_bucket, &max_bucket, &cutoff);
  if (from_us >= to_us || min_bucket > max_bucket) return Status::ok_status();
  int64_t lo = std::max({keys::time_bucket(from_us, impl_->bucket_us), min_bucket, cutoff});
  int64_t hi = std::min(keys::time_bucket(to_us - 1, impl_->bucket_us), max_bucket);
  if (lo > hi) return Status::ok_status();
  ScanShared shared(*impl_, from_us, to_us, lo, hi);
  const int workers = static_cast<int>(std::min<int64_t>(threads, hi - lo + 1));
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) {
    pool.emplace_back([&shared, w, &visit] { scan_worker(shared, w, visit); });
  }
  scan_worker(shared, 0, visit);
  for (std::thread& t : pool) t.join();
  return shared.error;
}

Result<std::vector<std::vector<StoredAlert>>> EvidenceStore::alerts_for_events(
    std::span<const std::string> event_keys) const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  std::vector<std::vector<StoredAlert>> out(event_keys.size());
  rocksdb::ReadOptions read;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(read, impl_->handles.cf[detail::kAlerts]));
  std::string prefix, record_key, value;
  for (size_t i = 0; i < event_keys.size(); ++i) {
    prefix.assign(1, keys::kAlertByEvent);
    keys::put_string(&prefix, event_keys[i]);
    for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
      std::string_view id_bytes = view(it->key()).substr(prefix.size());
      record_key.clear();
      keys::append_alert_record_key(id_bytes, &record_key);
      rocksdb::Status got =
          impl_->db->Get(read, impl_->handles.cf[detail::kAlerts], record_key, &value);
      if (!got.ok()) return detail::from_rocks(got, "alerts_for_events: reading an alert");
      StoredAlert alert;
      if (!detail::parse_alert_value(value, id_bytes, &alert)) {
        return Status::corruption("unreadable alert " + keys::describe_key(keys::kAlertsCf,
                                                                           record_key,
                                                                           impl_->bucket_us));
      }
      out[i].push_back(std::move(alert));
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "alerts_for_events");
  }
  return out;
}

Status EvidenceStore::scan_alerts(int64_t from_us, int64_t to_us, const AlertVisitor& visit) const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  rocksdb::ReadOptions read;
  read.fill_cache = false;
  read.readahead_size = kScanReadahead;
  const std::string prefix(1, keys::kAlertRecord);
  const std::string upper = keys::prefix_successor(prefix);
  rocksdb::Slice upper_slice = slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(read, impl_->handles.cf[detail::kAlerts]));
  StoredAlert alert;  // reused: its strings keep their capacity
  for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
    std::string_view key = view(it->key());
    if (!key.starts_with(prefix)) break;
    if (!detail::parse_alert_value(view(it->value()), key.substr(prefix.size()), &alert)) {
      return Status::corruption("unreadable alert " +
                                keys::describe_key(keys::kAlertsCf, key, impl_->bucket_us));
    }
    if (alert.event_time_us >= from_us && alert.event_time_us < to_us) visit(alert);
  }
  if (!it->status().ok()) return detail::from_rocks(it->status(), "scan_alerts");
  return Status::ok_status();
}

std::pair<int64_t, int64_t> EvidenceStore::time_span() const {
  int64_t min_bucket = 0, max_bucket = 0, cutoff = 0;
  impl_->bounds(&min_bucket, &max_bucket, &cutoff);
  min_bucket = std::max(min_bucket, cutoff);
  if (min_bucket > max_bucket) return {0, 0};
  return {min_bucket * impl_->bucket_us, (max_bucket + 1) * impl_->bucket_us};
}

}  // namespace aw::store
