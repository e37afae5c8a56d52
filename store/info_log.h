// The store's RocksDB info log (the LOG file in the store directory), written so that a full
// disk costs log lines, never the process.
//
// Why not RocksDB's own: its logger writes through a file writer that, after one failed write
// (ENOSPC), fails an assertion on the next one, and Debian's librocksdb keeps assertions, so the
// first warning logged after the disk filled up aborted `run` (found by the disk-full fault
// test). This one writes with write(2) and drops what does not fit.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace aw::store {

// Opens `dir`/LOG (the directory exists) for appending, mode 0600, rotated to LOG.old past
// `max_bytes`. Null when the file cannot be opened (RocksDB then uses its own).
std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir, rocksdb::InfoLogLevel level,
                                               size_t max_bytes = 16 << 20);

}  // namespace aw::store
