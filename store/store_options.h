// StoreOptions: everything EvidenceStore::open() takes. Every field has a default; the figures
// behind the performance defaults are in bench/RESULTS.md ("Evidence store").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aw::store {

// How event blocks are compressed before they reach RocksDB (the store compresses them itself,
// so the WAL, the memtable and compaction move compressed bytes).
enum class BlockCodec : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// RocksDB's block compression of the other column families (ids, index, alerts, chain, ...).
enum class TableCompression : uint8_t { kNone, kLz4, kZstd };

struct StoreOptions {
  // The store's directory. Default: none; required.
  std::string path;
  // Create the store when the directory holds none. Default: true.
  bool create_if_missing = true;
  // Open without taking the write lock (queries, verify, a store another process writes to).
  // Writes fail with kInvalidArgument. Default: false.
  bool read_only = false;

  // Events whose time lies more than this many days before apply_retention()'s `now` are
  // removed with their index entries and alerts (whole time buckets at a time). 0 keeps
  // everything. Default: 0.
  uint32_t retention_days = 0;
  // Width of a time bucket, the unit of key order and of retention. Fixed when the store is
  // created; a reopened store keeps its own. Performance note: a bucket is one contiguous range
  // per agent; an hour keeps an agent's timeline to a few seeks per day and the newest bucket's
  // range (what compaction rewrites) small. Default: 3600.
  int64_t time_bucket_seconds = 3600;

  // Input batches are grouped into one store batch (one WriteBatch, one chain link) until it
  // holds this many events. A commit holds whole input batches only. 0 commits every input batch
  // on its own. Performance note: bigger groups mean fewer, fuller event blocks and posting lists
  // (1 key per 10 events instead of 1 per event). Default: 65,536.
  uint32_t group_events = 65536;
  // ... or this many bytes of raw records. Default: 64 MiB.
  size_t group_bytes = size_t{64} << 20;
  // An event block holds at most this many events of one agent and bucket ... Default: 64.
  uint32_t block_max_events = 64;
  // ... and at most about this many raw bytes, so a lookup decompresses little. Default: 32 KiB.
  size_t block_max_bytes = size_t{32} << 10;
  // Codec of the event blocks. Performance note: on the generated workload LZ4 writes ~30%
  // faster, zstd level 1 keeps ~20% less on disk (events+indexes 0.42 vs 0.36 of the raw JSON,
  // bench/RESULTS.md). Default: kLz4.
  BlockCodec block_codec = BlockCodec::kLz4;
  // Level for kZstd blocks. Default: 1.
  int zstd_level = 1;

  // Build and write store batches on two threads of the store's own (a builder and a RocksDB
  // writer, pipelined), so the caller decodes and judges the next batches meanwhile. Off: both
  // run inline in write()/flush(). Default: true.
  bool background_writer = true;
  // fsync the WAL at every commit (survives power loss, not only process crashes). Default: false.
  bool sync = false;
  // Skip the WAL (benchmarks only: a crash then loses every batch not yet flushed to SST files,
  // and the positions with them). Default: false.
  bool disable_wal = false;

  // RocksDB memtable size per column family. Default: 64 MiB.
  size_t write_buffer_bytes = size_t{64} << 20;
  // Memtables per column family before writes stall. Default: 4.
  int max_write_buffers = 4;
  // Shared LRU block cache for reads. Default: 256 MiB.
  size_t block_cache_bytes = size_t{256} << 20;
  // RocksDB flush + compaction threads. Default: 2.
  int background_jobs = 2;
  // Compression of the upper levels of the families other than events. Default: kLz4.
  TableCompression table_compression = TableCompression::kLz4;
  // Compression of their bottommost level. Default: kZstd.
  TableCompression bottommost_compression = TableCompression::kZstd;
};

}  // namespace aw::store
