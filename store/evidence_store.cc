// EvidenceStore: opening, the write pipeline (pending groups, the writer thread), retention.
// Queries live in store_query.cc, verification in store_verify.cc.
#include "store/evidence_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "store/info_log.h"
#include "store/store_impl.h"

namespace aw::store {
namespace {

constexpr uint8_t kFormatVersion = 1;

// Drops id-index entries whose event lies in a pruned bucket (events and postings are removed
// by range deletes; ids are keyed by id, so they go at compaction).
class IdsRetentionFilter : public rocksdb::CompactionFilter {
 public:
  explicit IdsRetentionFilter(std::shared_ptr<detail::RetentionState> state)
      : state_(std::move(state)) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    int64_t bucket = 0;
    if (!detail::parse_id_bucket(std::string_view(value.data(), value.size()), &bucket)) {
      return false;  // keep what we cannot read: verify will name it
    }
    return bucket < state_->cutoff_bucket.load(std::memory_order_relaxed);
  }
  const char* Name() const override { return "aw.IdsRetentionFilter"; }

 private:
  std::shared_ptr<detail::RetentionState> state_;
};

// The store holds raw records, secrets included (evidence is kept unredacted on purpose), so
// it is the user's only: the directory 0700 and every file 0600. RocksDB 7.8 creates its files
// 0644 and offers no public switch (Env::SetAllowNonOwnerAccess is a no-op on the default
// file system), so this wrapper narrows each file right after RocksDB creates it. The
// directory is 0700 before the first file appears, so no other user can open one in between.
class OwnerOnlyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  using rocksdb::FileSystemWrapper::FileSystemWrapper;
  const char* Name() const override { return "aw.OwnerOnlyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->NewWritableFile(f, o, r, d), 0600);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->ReopenWritableFile(f, o, r, d), 0600);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->ReuseWritableFile(f, old, o, r, d), 0600);
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->NewRandomRWFile(f, o, r, d), 0600);
  }
  rocksdb::IOStatus LockFile(const std::string& f, const rocksdb::IOOptions& o,
                             rocksdb::FileLock** l, rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->LockFile(f, o, l, d), 0600);
  }
  rocksdb::IOStatus NewLogger(const std::string& f, const rocksdb::IOOptions& o,
                              std::shared_ptr<rocksdb::Logger>* r,
                              rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->NewLogger(f, o, r, d), 0600);
  }
  rocksdb::IOStatus CreateDir(const std::string& f, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->CreateDir(f, o, d), 0700);
  }
  rocksdb::IOStatus CreateDirIfMissing(const std::string& f, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* d) override {
    return owner_only(f, target()->CreateDirIfMissing(f, o, d), 0700);
  }

 private:
  static rocksdb::IOStatus owner_only(const std::string& path, rocksdb::IOStatus created,
                                      mode_t mode) {
    if (created.ok() && ::chmod(path.c_str(), mode) != 0) {
      return rocksdb::IOStatus::IOError("cannot make '" + path + "' the user's only");
    }
    return created;
  }
};

// One for the process, like Env::Default() whose threads it shares. Never destroyed: RocksDB's
// background threads may still use it while static destructors run.
rocksdb::Env* owner_only_env() {
  static rocksdb::Env* const env = rocksdb::NewCompositeEnv(std::make_shared<OwnerOnlyFileSystem>(
                                                                rocksdb::FileSystem::Default()))
                                       .release();
  return env;
}

// A store made by an older build may have group and other bits: take them away before it is
// written again (best effort: a file we do not own keeps its mode, and RocksDB's own open
// reports what it cannot use).
void restrict_to_owner(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::permissions(dir, fs::perms::group_all | fs::perms::others_all, fs::perm_options::remove, ec);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    fs::permissions(entry.path(), fs::perms::group_all | fs::perms::others_all,
                    fs::perm_options::remove, ec);
  }
}

rocksdb::CompressionType compression(TableCompression c) {
  switch (c) {
    case TableCompression::kNone:
      return rocksdb::kNoCompression;
    case TableCompression::kLz4:
      return rocksdb::kLZ4Compression;
    case TableCompression::kZstd:
      return rocksdb::kZSTD;
  }
  return rocksdb::kNoCompression;
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status validate(const StoreOptions& o) {
  if (o.path.empty()) return Status::invalid_argument("evidence store: no path given");
  if (o.time_bucket_seconds <= 0) {
    return Status::invalid_argument("evidence store: time_bucket_seconds must be positive");
  }
  if (o.group_bytes > (size_t{1} << 30)) {
    return Status::invalid_argument("evidence store: group_bytes must be at most 1 GiB");
  }
  if (o.block_max_events == 0 || o.block_max_bytes == 0) {
    return Status::invalid_argument("evidence store: block limits must be positive");
  }
  if (o.zstd_level < -7 || o.zstd_level > 19) {
    return Status::invalid_argument("evidence store: zstd_level must be within -7..19");
  }
  return Status::ok_status();
}

}  // namespace

std::string_view timeline_kind_name(TimelineKind kind) {
  switch (kind) {
    case TimelineKind::kAgent:
      return "agent";
    case TimelineKind::kCredential:
      return "credential";
    case TimelineKind::kResource:
      return "resource";
    case TimelineKind::kSession:
      return "session";
    case TimelineKind::kTask:
      return "task";
    case TimelineKind::kAll:
      return "all";
  }
  return "unknown";
}

EvidenceStore::Impl::~Impl() {
  stop_threads();
  if (db) {
    for (rocksdb::ColumnFamilyHandle* handle : owned_handles) {
      db->DestroyColumnFamilyHandle(handle);
    }
    owned_handles.clear();
    db->Close();
    db.reset();
  }
}

void EvidenceStore::Impl::stop_threads() {
  {
    std::lock_guard<std::mutex> lock(pipe_mu);
    stopping = true;
  }
  pipe_cv.notify_all();
  if (builder_thread.joinable()) builder_thread.join();
  if (writer_thread.joinable()) writer_thread.join();
}

// Builder stage: prepares `group` into the next free slot. *out is null when the group held
// nothing new (no commit, no link).
Status EvidenceStore::Impl::prepare(detail::Group& group, detail::Prepared** out) {
  *out = nullptr;
  detail::Prepared& slot = prepared[next_slot];
  auto start = std::chrono::steady_clock::now();
  Status status = builder->prepare(handles, *retention, group, built_batch + 1, built_link,
                                   last_prepared == &slot ? nullptr : last_prepared, slot);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    std::lock_guard<std::mutex> lock(state_mu);
    counters.prepare_seconds += seconds;
  }
  AW_RETURN_IF_ERROR(status);
  if (slot.result.skipped) {
    std::lock_guard<std::mutex> lock(state_mu);
    counters.duplicate_events += slot.result.duplicate_events;
    counters.duplicate_alerts += slot.result.duplicate_alerts;
    return Status::ok_status();
  }
  built_batch = slot.result.link.batch;
  built_link = slot.result.link.link;
  last_prepared = &slot;
  next_slot ^= 1;
  *out = &slot;
  return Status::ok_status();
}

void EvidenceStore::Impl::committed(const detail::Prepared& p) {
  const detail::CommitResult& result = p.result;
  std::lock_guard<std::mutex> lock(state_mu);
  last_batch = result.link.batch;
  last_link = result.link.link;
  if (result.events > 0) {
    batch_ranges.push_back(BatchRange{result.link.batch, result.min_bucket, result.max_bucket});
  }
  min_bucket = std::min(min_bucket, result.min_bucket);
  max_bucket = std::max(max_bucket, result.max_bucket);
  ++counters.batches;
  counters.events += result.events;
  counters.duplicate_events += result.duplicate_events;
  counters.alerts += result.alerts;
  counters.duplicate_alerts += result.duplicate_alerts;
  counters.registry_changes += result.registry_changes;
  counters.raw_bytes += result.raw_bytes;
  counters.block_bytes += result.block_bytes;
}

void EvidenceStore::Impl::builder_loop() {
  std::unique_lock<std::mutex> lock(pipe_mu);
  while (true) {
    pipe_cv.wait(lock, [&] { return to_build != nullptr || stopping; });
    if (to_build == nullptr) return;
    detail::Group* group = to_build;
    to_build = nullptr;
    building = true;
    // The slot to fill must not be waiting for, or in, the writer.
    detail::Prepared* slot = &prepared[next_slot];
    pipe_cv.wait(lock, [&] { return (to_write != slot && writing != slot) || !pipe_error.ok(); });
    Status status = pipe_error;
    detail::Prepared* ready = nullptr;
    if (status.ok()) {
      lock.unlock();
      status = prepare(*group, &ready);
      group->clear();
      lock.lock();
    } else {
      group->clear();
    }
    building = false;
    if (!status.ok() && pipe_error.ok()) pipe_error = status;
    if (ready != nullptr && pipe_error.ok()) {
      // The group is free for the next submit, but the pipeline is not idle until the writer
      // holds this commit: flush and the writer's exit both look at handing_off.
      handing_off = true;
      pipe_cv.notify_all();
      pipe_cv.wait(lock, [&] { return to_write == nullptr || !pipe_error.ok(); });
      if (pipe_error.ok()) to_write = ready;
      handing_off = false;
    }
    pipe_cv.notify_all();
  }
}

void EvidenceStore::Impl::writer_loop() {
  std::unique_lock<std::mutex> lock(pipe_mu);
  while (true) {
    pipe_cv.wait(lock, [&] {
      return to_write != nullptr || (stopping && to_build == nullptr && !building && !handing_off);
    });
    if (to_write == nullptr) return;
    detail::Prepared* p = to_write;
    to_write = nullptr;
    writing = p;
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    Status status = detail::write_prepared(handles, write_options, *p);
    if (status.ok()) committed(*p);
    {
      std::lock_guard<std::mutex> state_lock(state_mu);
      counters.write_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    lock.lock();
    writing = nullptr;
    if (!status.ok() && pipe_error.ok()) pipe_error = status;
    pipe_cv.notify_all();
  }
}

Status EvidenceStore::Impl::submit_current() {
  detail::Group& group = groups[current];
  if (group.empty()) return Status::ok_status();
  if (!builder_thread.joinable()) {
    detail::Prepared* ready = nullptr;
    Status status = prepare(group, &ready);
    group.clear();
    AW_RETURN_IF_ERROR(status);
    if (ready == nullptr) return Status::ok_status();
    auto start = std::chrono::steady_clock::now();
    AW_RETURN_IF_ERROR(detail::write_prepared(handles, write_options, *ready));
    committed(*ready);
    std::lock_guard<std::mutex> lock(state_mu);
    counters.write_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Status::ok_status();
  }
  std::unique_lock<std::mutex> lock(pipe_mu);
  pipe_cv.wait(lock, [&] { return (to_build == nullptr && !building) || !pipe_error.ok(); });
  if (!pipe_error.ok()) return pipe_error;
  to_build = &group;
  current ^= 1;
  pipe_cv.notify_all();
  return Status::ok_status();
}

Status EvidenceStore::Impl::wait_idle() {
  if (!builder_thread.joinable()) return Status::ok_status();
  std::unique_lock<std::mutex> lock(pipe_mu);
  pipe_cv.wait(lock, [&] {
    return (to_build == nullptr && !building && !handing_off && to_write == nullptr &&
            writing == nullptr) ||
           !pipe_error.ok();
  });
  // A failed stage may leave the others waiting on it: they give up on seeing the error.
  return pipe_error;
}

void EvidenceStore::Impl::batches_in_bucket(int64_t bucket, std::vector<uint64_t>* out) const {
  out->clear();
  std::lock_guard<std::mutex> lock(state_mu);
  for (const BatchRange& r : batch_ranges) {
    if (r.min_bucket <= bucket && bucket <= r.max_bucket) out->push_back(r.batch);
  }
}

void EvidenceStore::Impl::bounds(int64_t* min_b, int64_t* max_b, int64_t* cutoff) const {
  std::lock_guard<std::mutex> lock(state_mu);
  *min_b = min_bucket;
  *max_b = max_bucket;
  *cutoff = retention->cutoff_bucket.load(std::memory_order_relaxed);
}

namespace {

Result<std::unique_ptr<EvidenceStore::Impl>> open_impl(const StoreOptions& options, bool exists) {
  using Impl = EvidenceStore::Impl;
  auto impl = std::make_unique<Impl>();
  impl->options = options;

  rocksdb::DBOptions db_options;
  db_options.env = owner_only_env();
  db_options.create_if_missing = !exists;
  // Also adds families newer than the store (the outbox came after the first stores).
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = options.background_jobs;
  db_options.bytes_per_sync = 1 << 20;
  // Performance note: small families (positions, chain) would otherwise pin old WAL files
  // forever; past this size RocksDB flushes them so the WAL can be recycled.
  db_options.max_total_wal_size = 4 * options.write_buffer_bytes;
  db_options.keep_log_file_num = 4;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (!options.read_only)
    db_options.info_log = open_info_log(options.path, db_options.info_log_level);

  // Index and filter blocks live in the cache too (below), in its high-priority half, so the
  // store's memory stays within the cache and the write buffers however large the store grows.
  impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes, -1, false, 0.5);
  impl->ids_filter = std::make_unique<IdsRetentionFilter>(impl->retention);

  auto base = [&](bool bloom, size_t block_size) {
    rocksdb::ColumnFamilyOptions cf;
    cf.write_buffer_size = options.write_buffer_bytes;
    cf.max_write_buffer_number = options.max_write_buffers;
    cf.level_compaction_dynamic_level_bytes = true;
    cf.target_file_size_base = 64 << 20;
    cf.compression = compression(options.table_compression);
    cf.bottommost_compression = compression(options.bottommost_compression);
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = impl->cache;
    table.block_size = block_size;
    table.format_version = 5;
    // Memory: without these, every open file's index and filter blocks stay in the table
    // reader outside the cache, and RSS grows with the store (~2.3 MiB per million events, the
    // 30-minute soak's growth). Partitioned, only the top level of each is pinned; the
    // partitions come and go through the cache like data blocks.
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_top_level_index_and_filter = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
    table.metadata_block_size = 4096;
    if (bloom) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.partition_filters = true;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int cf = 0; cf < detail::kCfCount; ++cf) {
    rocksdb::ColumnFamilyOptions cf_options = base(false, 16 << 10);
    switch (cf) {
      case detail::kEvents:
        // Blocks arrive compressed by the store; RocksDB adds nothing by compressing them again.
        cf_options.compression = rocksdb::kNoCompression;
        cf_options.bottommost_compression = rocksdb::kDisableCompressionOption;
        break;
      case detail::kIds:
        // Every commit probes every new id: whole-key bloom filters in the SST files and in the
        // memtable make the (mostly negative) probes cheap.
        cf_options = base(true, 4 << 10);
        cf_options.memtable_whole_key_filtering = true;
        cf_options.memtable_prefix_bloom_size_ratio = 0.05;
        cf_options.compaction_filter = impl->ids_filter.get();
        break;
      case detail::kAlerts:
        cf_options = base(true, 4 << 10);
        break;
      case detail::kIndex:
        // Queries probe one key per batch of a bucket; most batches hold no list for the value.
        cf_options = base(true, 16 << 10);
        break;
      case detail::kDefault:
      case detail::kPositions:
      case detail::kRegistry:
      case detail::kChain:
        cf_options.write_buffer_size = std::min<size_t>(options.write_buffer_bytes, 8 << 20);
        break;
      default:
        break;
    }
    std::string name = cf == detail::kDefault ? std::string(rocksdb::kDefaultColumnFamilyName)
                                              : std::string(detail::cf_name(cf));
    descriptors.emplace_back(name, cf_options);
  }

  rocksdb::DB* raw_db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status opened =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw_db)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw_db);
  if (!opened.ok()) {
    if (opened.IsInvalidArgument() && exists) {
      return Status::invalid_argument(
          "'" + options.path +
          "' is not an evidence store (or a damaged one): " + opened.ToString());
    }
    return detail::from_rocks(opened, "evidence store: opening '" + options.path + "'");
  }
  impl->db.reset(raw_db);
  impl->owned_handles = handles;
  impl->handles.db = raw_db;
  for (int cf = 0; cf < detail::kCfCount; ++cf) impl->handles.cf[cf] = handles[cf];

  // Store-wide settings: the format and the time bucket are fixed at creation.
  rocksdb::ReadOptions read;
  std::string value;
  rocksdb::Status got =
      raw_db->Get(read, impl->handles.cf[detail::kDefault], slice(keys::kFormatKey), &value);
  if (got.IsNotFound()) {
    if (exists) return Status::invalid_argument("'" + options.path + "' is not an evidence store");
    impl->bucket_us = options.time_bucket_seconds * 1000000;
    std::string format;
    keys::put_u8(&format, kFormatVersion);
    keys::put_varint(&format, static_cast<uint64_t>(impl->bucket_us));
    rocksdb::WriteOptions write;
    write.sync = true;
    rocksdb::Status put =
        raw_db->Put(write, impl->handles.cf[detail::kDefault], slice(keys::kFormatKey), format);
    if (!put.ok()) return detail::from_rocks(put, "evidence store: writing the format record");
  } else if (!got.ok()) {
    return detail::from_rocks(got, "evidence store: reading the format record");
  } else {
    std::string_view in(value);
    uint8_t version = 0;
    uint64_t bucket_us = 0;
    if (!keys::get_u8(&in, &version) || !keys::get_varint(&in, &bucket_us) || bucket_us == 0 ||
        bucket_us > static_cast<uint64_t>(INT64_MAX)) {
      return Status::corruption("evidence store: unreadable format record");
    }
    if (version != kFormatVersion) {
      return Status::invalid_argument("evidence store: format version " + std::to_string(version) +
                                      " is not supported (this build reads version " +
                                      std::to_string(kFormatVersion) + ")");
    }
    impl->bucket_us = static_cast<int64_t>(bucket_us);
  }
  got = raw_db->Get(read, impl->handles.cf[detail::kDefault], slice(keys::kRetentionKey), &value);
  if (got.ok()) {
    std::string_view in(value);
    int64_t cutoff = 0;
    if (!keys::get_i64(&in, &cutoff)) {
      return Status::corruption("evidence store: unreadable retention record");
    }
    impl->retention->cutoff_bucket.store(cutoff);
  } else if (!got.IsNotFound()) {
    return detail::from_rocks(got, "evidence store: reading the retention record");
  }

  // The chain head.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        raw_db->NewIterator(read, impl->handles.cf[detail::kChain]));
    std::string upper;
    keys::append_chain_key(keys::kChainLink, UINT64_MAX, &upper);
    it->SeekForPrev(slice(upper));
    if (it->Valid() && !it->key().empty() && it->key()[0] == keys::kChainLink) {
      ChainLink link;
      if (!parse_link(std::string_view(it->value().data(), it->value().size()), &link)) {
        return Status::corruption("evidence store: the last chain link is unreadable");
      }
      impl->last_batch = link.batch;
      impl->last_link = link.link;
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "evidence store: chain head");
  }
  // Every data batch's bucket range (posting-list queries read one key per overlapping batch).
  {
    std::unique_ptr<rocksdb::Iterator> it(
        raw_db->NewIterator(read, impl->handles.cf[detail::kChain]));
    std::string first;
    keys::append_chain_key(keys::kChainLink, 0, &first);
    for (it->Seek(slice(first)); it->Valid() && it->key()[0] == keys::kChainLink; it->Next()) {
      ChainLink link;
      if (!parse_link(std::string_view(it->value().data(), it->value().size()), &link)) {
        return Status::corruption(
            "evidence store: unreadable chain link " +
            keys::describe_key(keys::kChainCf, std::string_view(it->key().data(), it->key().size()),
                               impl->bucket_us));
      }
      if (link.kind != LinkKind::kData || link.events == 0) continue;
      impl->batch_ranges.push_back(
          Impl::BatchRange{link.batch, keys::time_bucket(link.min_ts, impl->bucket_us),
                           keys::time_bucket(link.max_ts, impl->bucket_us)});
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "evidence store: chain");
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(
        raw_db->NewIterator(read, impl->handles.cf[detail::kEvents]));
    it->SeekToFirst();
    if (it->Valid()) {
      std::string_view key(it->key().data(), it->key().size());
      keys::get_i64(&key, &impl->min_bucket);
      it->SeekToLast();
      key = std::string_view(it->key().data(), it->key().size());
      keys::get_i64(&key, &impl->max_bucket);
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "evidence store: bounds");
  }

  impl->write_options.sync = options.sync;
  impl->write_options.disableWAL = options.disable_wal;
  return impl;
}

}  // namespace

Result<EvidenceStore> EvidenceStore::open(const StoreOptions& options) {
  AW_RETURN_IF_ERROR(validate(options));
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path(options.path);
  bool exists = fs::exists(path / "CURRENT", ec);
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Status::not_found("no evidence store at '" + options.path + "'");
  }
  if (!exists) {
    // A store is created whole or not at all: built beside its place (every column family and
    // the format record), then renamed into it, so a crash during creation leaves no half store.
    if (fs::exists(path, ec) && !fs::is_empty(path, ec)) {
      return Status::invalid_argument("'" + options.path + "' exists and is not an evidence store");
    }
    fs::path temp = path;
    temp += ".creating";
    fs::remove_all(temp, ec);
    fs::create_directories(temp.parent_path().empty() ? fs::path(".") : temp.parent_path(), ec);
    // The user's only from the start (see OwnerOnlyFileSystem); the rename keeps the mode.
    if (::mkdir(temp.c_str(), 0700) != 0 || ::chmod(temp.c_str(), 0700) != 0) {
      return Status::io_error("evidence store: cannot create '" + temp.string() +
                              "': " + std::strerror(errno));
    }
    StoreOptions create = options;
    create.path = temp.string();
    {
      auto created = open_impl(create, false);
      if (!created.ok()) return created.status();
    }
    fs::remove(path, ec);  // an empty directory given as the place
    fs::rename(temp, path, ec);
    if (ec) {
      return Status::io_error("evidence store: cannot move the new store into '" + options.path +
                              "': " + ec.message());
    }
  }
  if (!options.read_only) restrict_to_owner(path);
  auto opened = open_impl(options, true);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Impl> impl = std::move(opened.value());
  if (!options.read_only) {
    impl->builder = std::make_unique<detail::CommitBuilder>(options, impl->bucket_us);
    impl->built_batch = impl->last_batch;
    impl->built_link = impl->last_link;
    if (options.background_writer) {
      Impl* self = impl.get();
      impl->builder_thread = std::thread([self] { self->builder_loop(); });
      impl->writer_thread = std::thread([self] { self->writer_loop(); });
    }
  }
  return EvidenceStore(std::move(impl));
}

EvidenceStore::EvidenceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EvidenceStore::EvidenceStore(EvidenceStore&&) noexcept = default;
EvidenceStore& EvidenceStore::operator=(EvidenceStore&&) noexcept = default;

EvidenceStore::~EvidenceStore() {
  if (impl_ && !impl_->closed) (void)close();
}

Status EvidenceStore::write(const WriteInput& input) {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  if (impl_->options.read_only) {
    return Status::invalid_argument("evidence store: opened read-only");
  }
  detail::Group& group = impl_->groups[impl_->current];
  group.add(input);
  const StoreOptions& o = impl_->options;
  if (o.group_events == 0 || group.events.size() >= o.group_events ||
      group.text.size() >= o.group_bytes || group.side_text.size() >= o.group_bytes) {
    return impl_->submit_current();
  }
  // Report an earlier background failure as soon as possible.
  std::lock_guard<std::mutex> lock(impl_->pipe_mu);
  return impl_->pipe_error;
}

Status EvidenceStore::flush() {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  if (impl_->options.read_only) return Status::ok_status();
  AW_RETURN_IF_ERROR(impl_->submit_current());
  return impl_->wait_idle();
}

Status EvidenceStore::flush_to_disk() {
  AW_RETURN_IF_ERROR(flush());
  if (impl_->options.read_only) return Status::ok_status();
  rocksdb::FlushOptions options;
  options.wait = true;
  rocksdb::Status flushed = impl_->db->Flush(options, impl_->owned_handles);
  if (!flushed.ok()) return detail::from_rocks(flushed, "evidence store: flushing memtables");
  return Status::ok_status();
}

Status EvidenceStore::compact() {
  AW_RETURN_IF_ERROR(flush_to_disk());
  if (impl_->options.read_only) {
    return Status::invalid_argument("evidence store: opened read-only");
  }
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* handle : impl_->owned_handles) {
    rocksdb::Status compacted = impl_->db->CompactRange(options, handle, nullptr, nullptr);
    if (!compacted.ok()) {
      return detail::from_rocks(compacted, "evidence store: compacting " + handle->GetName());
    }
  }
  return Status::ok_status();
}

Status EvidenceStore::close() {
  if (impl_->closed) return Status::ok_status();
  Status status = flush();
  impl_->stop_threads();
  impl_->closed = true;
  if (impl_->db) {
    for (rocksdb::ColumnFamilyHandle* handle : impl_->owned_handles) {
      impl_->db->DestroyColumnFamilyHandle(handle);
    }
    impl_->owned_handles.clear();
    rocksdb::Status closed = impl_->db->Close();
    impl_->db.reset();
    if (status.ok() && !closed.ok()) status = detail::from_rocks(closed, "evidence store: close");
  }
  return status;
}

StoreCounters EvidenceStore::counters() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu);
  return impl_->counters;
}

int64_t EvidenceStore::time_bucket_us() const { return impl_->bucket_us; }

uint64_t EvidenceStore::last_batch() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu);
  return impl_->last_batch;
}

Result<DiskUsage> EvidenceStore::disk_usage() const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  DiskUsage usage;
  for (int cf = 0; cf < detail::kCfCount; ++cf) {
    uint64_t bytes = 0;
    if (!impl_->db->GetIntProperty(impl_->handles.cf[cf], "rocksdb.live-sst-files-size", &bytes)) {
      return Status::internal("evidence store: no live-sst-files-size property");
    }
    switch (cf) {
      case detail::kEvents:
        usage.events = bytes;
        break;
      case detail::kIndex:
        usage.index = bytes;
        break;
      case detail::kIds:
        usage.ids = bytes;
        break;
      case detail::kAlerts:
        usage.alerts = bytes;
        break;
      case detail::kChain:
        usage.chain = bytes;
        break;
      default:
        usage.other += bytes;
        break;
    }
  }
  return usage;
}

Result<MemoryUsage> EvidenceStore::memory_usage() const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  MemoryUsage usage;
  usage.block_cache = impl_->cache->GetUsage();
  for (int cf = 0; cf < detail::kCfCount; ++cf) {
    uint64_t memtables = 0;
    uint64_t readers = 0;
    if (!impl_->db->GetIntProperty(impl_->handles.cf[cf], "rocksdb.cur-size-all-mem-tables",
                                   &memtables) ||
        !impl_->db->GetIntProperty(impl_->handles.cf[cf], "rocksdb.estimate-table-readers-mem",
                                   &readers)) {
      return Status::internal("evidence store: no memory properties");
    }
    usage.memtables += memtables;
    usage.table_readers += readers;
  }
  return usage;
}

Result<RetentionReport> EvidenceStore::apply_retention(int64_t now_us) {
  if (impl_->options.retention_days == 0) {
    RetentionReport report;
    report.cutoff_us = ingest::kMinTimeUs;
    return report;
  }
  int64_t keep_us = static_cast<int64_t>(impl_->options.retention_days) * 86400LL * 1000000LL;
  return prune_before(now_us - keep_us);
}

Result<RetentionReport> EvidenceStore::prune_before(int64_t cutoff_us) {
  if (impl_->closed || impl_->options.read_only) {
    return Status::invalid_argument("evidence store: not open for writing");
  }
  AW_RETURN_IF_ERROR(flush());
  Impl& impl = *impl_;
  const int64_t cutoff = keys::time_bucket(cutoff_us, impl.bucket_us);
  RetentionReport report;
  report.cutoff_us = cutoff * impl.bucket_us;
  const int64_t current = impl.retention->cutoff_bucket.load();
  if (cutoff <= current) {
    report.cutoff_us = current == INT64_MIN ? ingest::kMinTimeUs : current * impl.bucket_us;
    return report;
  }
  rocksdb::DB* db = impl.db.get();
  rocksdb::WriteBatch wb;
  rocksdb::ReadOptions read;
  // Events and postings: whole buckets, by range.
  std::string end;
  keys::put_i64(&end, cutoff);
  const std::string begin;  // the smallest key
  wb.DeleteRange(impl.handles.cf[detail::kEvents], slice(begin), slice(end));
  wb.DeleteRange(impl.handles.cf[detail::kIndex], slice(begin), slice(end));
  // Alerts about events before the cut, with their secondary keys.
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, impl.handles.cf[detail::kAlerts]));
    std::string time_end;
    time_end.push_back(keys::kAlertByTime);
    keys::put_i64(&time_end, report.cutoff_us);
    std::string time_begin(1, keys::kAlertByTime);
    for (it->Seek(slice(time_begin)); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (key.compare(time_end) >= 0) break;
      std::string_view id_bytes = key.substr(key.size() - keys::kAlertIdBytes);
      std::string record_key;
      keys::append_alert_record_key(id_bytes, &record_key);
      std::string value;
      rocksdb::Status got = db->Get(read, impl.handles.cf[detail::kAlerts], record_key, &value);
      wb.Delete(impl.handles.cf[detail::kAlerts], it->key());
      if (got.ok()) {
        StoredAlert alert;
        if (detail::parse_alert_value(value, id_bytes, &alert)) {
          std::string k;
          keys::append_alert_agent_key(alert.agent, alert.event_time_us, id_bytes, &k);
          wb.Delete(impl.handles.cf[detail::kAlerts], k);
          k.clear();
          keys::append_alert_rule_key(alert.rule, alert.event_time_us, id_bytes, &k);
          wb.Delete(impl.handles.cf[detail::kAlerts], k);
          k.clear();
          keys::append_alert_event_key(alert.event_key, id_bytes, &k);
          wb.Delete(impl.handles.cf[detail::kAlerts], k);
        }
        wb.Delete(impl.handles.cf[detail::kAlerts], record_key);
        ++report.alerts_removed;
      }
    }
    if (!it->status().ok()) return detail::from_rocks(it->status(), "retention: alerts");
  }
  // The cut, and a chain link recording it.
  std::string retention_value;
  keys::put_i64(&retention_value, cutoff);
  wb.Put(impl.handles.cf[detail::kDefault], slice(keys::kRetentionKey), retention_value);
  Sha256 sha;
  Manifest manifest;
  manifest.cutoff_bucket = cutoff;
  std::string manifest_value;
  encode_manifest(LinkKind::kRetention, manifest, &manifest_value);
  ChainLink link;
  link.kind = LinkKind::kRetention;
  {
    std::lock_guard<std::mutex> lock(impl.state_mu);
    link.batch = impl.last_batch + 1;
    link.prev = impl.last_link;
  }
  link.committed_at_us = wall_clock_us();
  link.manifest = sha.hash(manifest_value);
  std::string link_value;
  encode_link(&link, sha, &link_value);
  std::string key;
  keys::append_chain_key(keys::kChainManifest, link.batch, &key);
  wb.Put(impl.handles.cf[detail::kChain], key, manifest_value);
  key.clear();
  keys::append_chain_key(keys::kChainLink, link.batch, &key);
  wb.Put(impl.handles.cf[detail::kChain], key, link_value);
  rocksdb::Status written = db->Write(impl.write_options, &wb);
  if (!written.ok()) return detail::from_rocks(written, "retention: writing the cut");
  impl.retention->cutoff_bucket.store(cutoff);
  {
    std::lock_guard<std::mutex> lock(impl.state_mu);
    impl.last_batch = link.batch;
    impl.last_link = link.link;
    if (impl.min_bucket < cutoff) impl.min_bucket = cutoff;
  }
  impl.built_batch = link.batch;
  impl.built_link = link.link;
  // Whole SST files inside the cut go at once; the range deletes hide the rest until compaction.
  rocksdb::Slice end_slice(end);
  for (int cf : {detail::kEvents, detail::kIndex}) {
    rocksdb::Status deleted = rocksdb::DeleteFilesInRange(db, impl.handles.cf[cf], nullptr,
                                                          &end_slice, /*include_end=*/false);
    if (!deleted.ok()) return detail::from_rocks(deleted, "retention: deleting files");
  }
  return report;
}

}  // namespace aw::store
