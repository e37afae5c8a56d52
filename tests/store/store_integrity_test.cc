// Tamper evidence, retention and crash atomicity: the store is changed behind its back through
// RocksDB itself, or its writer is killed mid-stream.
#include <fcntl.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "ingest/timestamp.h"
#include "store/evidence_store.h"
#include "store/keys.h"
#include "tests/store/store_testing.h"
#include "tests/testing/small_disk.h"

namespace aw::store {
namespace {

int64_t t(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

// Opens the store's RocksDB directly with all its families.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
    EXPECT_TRUE(listed.ok()) << listed.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::Status opened =
        rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) cf_[names[i]] = handles[i];
  }
  ~RawDb() {
    for (auto& [name, handle] : cf_) db_->DestroyColumnFamilyHandle(handle);
    db_->Close();
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(std::string_view name) { return cf_.at(std::string(name)); }
  // The n-th key (and value) of a family whose key starts with `prefix`.
  std::pair<std::string, std::string> nth(std::string_view family, size_t n,
                                          std::string_view prefix = "") {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    size_t i = 0;
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
      if (!it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
      if (i++ == n) return {it->key().ToString(), it->value().ToString()};
    }
    ADD_FAILURE() << "no key " << n << " in " << family;
    return {};
  }
  std::vector<std::string> all_keys(std::string_view family) {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
    return out;
  }
  void put(std::string_view family, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), cf(family), key, value).ok());
  }
  void del(std::string_view family, const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), cf(family), key).ok());
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cf_;
};

class StoreIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = testing::generated(dir_, 6000, 600);
    options_.path = dir_.file("store");
    options_.group_events = 2048;
    options_.write_buffer_bytes = 4 << 20;
    auto store = EvidenceStore::open(options_);
    ASSERT_TRUE(store.ok());
    for (size_t b = 0; b < corpus_->batches.size(); ++b) {
      const auto& events = corpus_->batches[b].events;
      PositionRecord position{"events.jsonl", corpus_->end_offsets[b]};
      WriteInput input = testing::input_of(corpus_->batches[b], "events.jsonl", &position);
      // One alert per input batch, about its first event.
      std::string id(32, '0');
      id[31] = static_cast<char>('a' + b % 6);
      id[30] = static_cast<char>('0' + b / 6 % 10);
      key_text_ = testing::event_key(events[0]);
      AlertRecord alert{id,
                        "out-of-scope",
                        rules::Severity::kHigh,
                        events[0].actor_id,
                        key_text_,
                        events[0].ts_us,
                        events[0].ts_us,
                        false,
                        "{}",
                        ""};
      input.alerts = std::span<const AlertRecord>(&alert, 1);
      RegistryChangeRecord change{"upsert", "agent", "agent-x", events[0].ts_us, "{}"};
      if (b == 1) input.registry_changes = std::span<const RegistryChangeRecord>(&change, 1);
      ASSERT_TRUE(store->write(input).ok());
    }
    ASSERT_TRUE(store->close().ok());
  }

  VerifyReport verify() {
    StoreOptions ro = options_;
    ro.read_only = true;
    auto store = EvidenceStore::open(ro);
    EXPECT_TRUE(store.ok()) << store.status().to_string();
    auto report = store->verify();
    EXPECT_TRUE(report.ok()) << report.status().to_string();
    return std::move(report.value());
  }

  // Expects verify to fail, naming `batch` (when nonzero) and a key containing `key_part`
  // with a reason containing `reason` as its first problem.
  void expect_first_problem(uint64_t batch, std::string_view key_part, std::string_view reason) {
    VerifyReport report = verify();
    ASSERT_FALSE(report.ok);
    ASSERT_FALSE(report.problems.empty());
    const VerifyProblem& p = report.problems[0];
    if (batch != 0) {
      EXPECT_EQ(p.batch, batch) << p.key << ": " << p.reason;
    }
    EXPECT_NE(p.key.find(key_part), std::string::npos) << p.key << ": " << p.reason;
    EXPECT_NE(p.reason.find(reason), std::string::npos) << p.key << ": " << p.reason;
  }

  aw::testing::TempDir dir_;
  std::unique_ptr<testing::DecodedCorpus> corpus_;
  StoreOptions options_;
  std::string key_text_;
};

TEST_F(StoreIntegrityTest, VerifyPassesOnAnUntouchedStore) {
  VerifyReport report = verify();
  EXPECT_TRUE(report.ok);
  EXPECT_TRUE(report.problems.empty())
      << report.problems[0].key << " " << report.problems[0].reason;
  EXPECT_GE(report.batches, 3u);
  EXPECT_EQ(report.events, testing::unique_events(*corpus_).size());
  EXPECT_EQ(report.head.size(), 64u);
}

TEST_F(StoreIntegrityTest, VerifyNamesAChangedEventBlock) {
  keys::BlockKey key;
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kEventsCf, 17);
    v[v.size() / 2] ^= 0x01;
    raw.put(keys::kEventsCf, k, v);
    ASSERT_TRUE(keys::parse_block_key(k, &key));
  }
  expect_first_problem(key.batch, "agent " + key.agent, "value changed");
}

TEST_F(StoreIntegrityTest, VerifyNamesADeletedEventBlock) {
  keys::BlockKey key;
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kEventsCf, 5);
    raw.del(keys::kEventsCf, k);
    ASSERT_TRUE(keys::parse_block_key(k, &key));
  }
  expect_first_problem(key.batch, "batch " + std::to_string(key.batch), "missing");
}

TEST_F(StoreIntegrityTest, VerifyNamesAnAddedEventBlock) {
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kEventsCf, 3);
    keys::BlockKey key;
    ASSERT_TRUE(keys::parse_block_key(k, &key));
    std::string forged;
    keys::append_block_key(key.bucket, key.agent, key.batch, key.part + 100, &forged);
    raw.put(keys::kEventsCf, forged, v);
  }
  expect_first_problem(0, "part", "not in its batch's manifest");
}

TEST_F(StoreIntegrityTest, VerifyNamesAChangedOrDeletedPostingList) {
  std::string key;
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kIndexCf, 40);
    key = k;
    raw.put(keys::kIndexCf, k, v + std::string("\x01"));
  }
  keys::PostingKey parsed;
  ASSERT_TRUE(keys::parse_posting_key(key, &parsed));
  expect_first_problem(parsed.batch, parsed.value, "does not match the events");
  {
    RawDb raw(options_.path);
    raw.del(keys::kIndexCf, key);
  }
  expect_first_problem(parsed.batch, parsed.value, "missing");
}

TEST_F(StoreIntegrityTest, VerifyNamesADeletedIdEntry) {
  std::string key;
  {
    RawDb raw(options_.path);
    key = raw.nth(keys::kIdsCf, 100).first;
    raw.del(keys::kIdsCf, key);
  }
  keys::IdKey parsed;
  ASSERT_TRUE(keys::parse_id_key(key, &parsed));
  expect_first_problem(0, parsed.id, "id index entry missing");
}

TEST_F(StoreIntegrityTest, VerifyNamesAChangedAlertAndAMissingAlertIndexEntry) {
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kAlertsCf, 2, std::string(1, keys::kAlertRecord));
    v.back() = v.back() == '}' ? ']' : '}';
    raw.put(keys::kAlertsCf, k, v);
  }
  expect_first_problem(0, "alerts alert", "value changed");
}

TEST_F(StoreIntegrityTest, VerifyNamesAMissingAlertIndexEntry) {
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kAlertsCf, 0, std::string(1, keys::kAlertByRule));
    raw.del(keys::kAlertsCf, k);
  }
  expect_first_problem(0, "alerts", "alert index entry missing");
}

TEST_F(StoreIntegrityTest, VerifyNamesABrokenChainLink) {
  {
    RawDb raw(options_.path);
    std::string key;
    keys::append_chain_key(keys::kChainLink, 2, &key);
    std::string value;
    ASSERT_TRUE(raw.db()->Get(rocksdb::ReadOptions(), raw.cf(keys::kChainCf), key, &value).ok());
    value[12] ^= 0x01;  // the event count
    raw.put(keys::kChainCf, key, value);
  }
  expect_first_problem(2, "link of batch 2", "link hash does not match");
}

TEST_F(StoreIntegrityTest, VerifyNamesADeletedLinkAndAChangedPosition) {
  {
    RawDb raw(options_.path);
    std::string key;
    keys::append_chain_key(keys::kChainLink, 2, &key);
    raw.del(keys::kChainCf, key);
  }
  expect_first_problem(2, "chain", "batch 2 is missing");
}

TEST_F(StoreIntegrityTest, VerifyNamesAChangedPosition) {
  {
    RawDb raw(options_.path);
    std::string value;
    keys::put_u64(&value, 1);
    raw.put(keys::kPositionsCf, "events.jsonl", value);
  }
  expect_first_problem(0, "positions events.jsonl", "value differs");
}

TEST_F(StoreIntegrityTest, VerifyNamesAChangedRegistryChange) {
  {
    RawDb raw(options_.path);
    auto [k, v] = raw.nth(keys::kRegistryCf, 0);
    v.back() = 'X';
    raw.put(keys::kRegistryCf, k, v);
  }
  expect_first_problem(0, "registry", "value changed");
}

// Damaged files (issue 8's faults): the store's files cut short or with bytes flipped on disk,
// not changed through RocksDB. Opening must fail with a message naming the store, or `verify`
// must find the damage; never a crash and never a silent success.
class StoreFileDamageTest : public StoreIntegrityTest {
 protected:
  void SetUp() override {
    StoreIntegrityTest::SetUp();
    // Everything into table files, so there are tables to damage.
    RawDb raw(options_.path);
    for (const char* family : {"default", "events", "ids", "index", "alerts", "chain"}) {
      rocksdb::FlushOptions flush;
      ASSERT_TRUE(raw.db()->Flush(flush, raw.cf(family)).ok()) << family;
    }
  }

  // The store's files whose name ends with `suffix`, largest first.
  std::vector<std::filesystem::path> files(std::string_view suffix) {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(options_.path)) {
      std::string name = entry.path().filename().string();
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(entry.path());
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::filesystem::file_size(a) > std::filesystem::file_size(b);
    });
    return out;
  }

  // Opens the store as `query` and `verify` do (read-only) and, when that works, verifies it.
  // Returns what a user would read: the open error, the verify error, or the first problem.
  std::string open_and_verify() {
    StoreOptions ro = options_;
    ro.read_only = true;
    auto store = EvidenceStore::open(ro);
    if (!store.ok()) return "open: " + store.status().to_string();
    auto report = store->verify();
    if (!report.ok()) return "verify: " + report.status().to_string();
    if (report->ok) return "";
    return "problem: " + report->problems.front().key + ": " + report->problems.front().reason;
  }
};

TEST_F(StoreFileDamageTest, ATableFileCutShortIsFoundAtOpenOrByVerify) {
  auto tables = files(".sst");
  ASSERT_FALSE(tables.empty());
  std::filesystem::resize_file(tables.front(), std::filesystem::file_size(tables.front()) / 2);
  std::string seen = open_and_verify();
  EXPECT_FALSE(seen.empty()) << "a table file cut in half went unnoticed";
  EXPECT_TRUE(seen.find(options_.path) != std::string::npos ||
              seen.find(tables.front().filename().string()) != std::string::npos)
      << seen;
  // The writable open (what replay and run do) refuses it too, or verify finds it later.
  auto writable = EvidenceStore::open(options_);
  if (writable.ok()) {
    auto report = writable->verify();
    EXPECT_TRUE(!report.ok() || !report->ok);
  }
}

TEST_F(StoreFileDamageTest, FlippedBytesInATableFileAreFoundByVerify) {
  auto tables = files(".sst");
  ASSERT_FALSE(tables.empty());
  const auto& table = tables.front();
  std::fstream file(table, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.good());
  // Inside the first data blocks, well before the footer and index.
  for (std::streamoff at : {std::streamoff{100}, std::streamoff{4000}, std::streamoff{9000}}) {
    file.seekg(at);
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(at);
    byte = static_cast<char>(~byte);
    file.write(&byte, 1);
  }
  file.close();
  std::string seen = open_and_verify();
  EXPECT_FALSE(seen.empty()) << "flipped bytes in " << table << " went unnoticed";
  EXPECT_NE(seen.find("orrupt"), std::string::npos) << seen;  // RocksDB's checksum mismatch
}

TEST_F(StoreFileDamageTest, AManifestCutShortFailsToOpenNamingTheStore) {
  auto manifests = files("");  // every file; the MANIFEST is named MANIFEST-<number>
  std::filesystem::path manifest;
  for (const auto& f : manifests) {
    if (f.filename().string().rfind("MANIFEST-", 0) == 0) manifest = f;
  }
  ASSERT_FALSE(manifest.empty());
  std::filesystem::resize_file(manifest, std::filesystem::file_size(manifest) / 3);
  StoreOptions ro = options_;
  ro.read_only = true;
  auto store = EvidenceStore::open(ro);
  ASSERT_FALSE(store.ok()) << "a MANIFEST cut to a third opened";
  EXPECT_NE(store.status().message().find(options_.path), std::string::npos)
      << store.status().message();
  EXPECT_FALSE(EvidenceStore::open(options_).ok());
}

TEST_F(StoreIntegrityTest, RetentionRemovesEventsWithTheirIndexEntriesAndStaysVerifiable) {
  const int64_t cutoff = t("2026-11-20T03:00:00Z");
  auto events = testing::unique_events(*corpus_);
  size_t kept = 0;
  for (const ingest::Event* e : events) kept += e->ts_us >= cutoff;
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, events.size());
  {
    auto store = EvidenceStore::open(options_);
    ASSERT_TRUE(store.ok());
    auto report = store->prune_before(cutoff);
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    EXPECT_EQ(report->cutoff_us, cutoff);  // a bucket boundary already
    EXPECT_GT(report->alerts_removed, 0u);
    TimelineQuery q;
    q.kind = TimelineKind::kAll;
    q.limit = 0;
    auto all = store->timeline(q);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->events.size(), kept);
    for (const StoredEvent& e : all->events) EXPECT_GE(e.event.ts_us, cutoff);
    // Old events are gone from every index and from lookups.
    for (const ingest::Event* e : events) {
      if (e->ts_us >= cutoff || e->credential_id.empty()) continue;
      TimelineQuery by_credential;
      by_credential.kind = TimelineKind::kCredential;
      by_credential.value = std::string(e->credential_id);
      by_credential.to_us = cutoff;
      EXPECT_TRUE(store->timeline(by_credential)->events.empty());
      EXPECT_EQ(store->event(testing::event_key(*e)).status().code(), StatusCode::kNotFound);
      break;
    }
    AlertQuery alerts;
    alerts.limit = 0;
    auto remaining = store->alerts(alerts);
    ASSERT_TRUE(remaining.ok());
    EXPECT_FALSE(remaining->empty());
    for (const StoredAlert& a : *remaining) EXPECT_GE(a.event_time_us, cutoff);
    // A pruned record sent again is stored again (it is no longer held).
    ASSERT_TRUE(store->compact().ok());
    ASSERT_TRUE(store->close().ok());
  }
  {
    RawDb raw(options_.path);
    std::string bound;
    keys::put_i64(&bound, keys::time_bucket(cutoff, 3600LL * 1000000));
    for (const std::string& k : raw.all_keys(keys::kEventsCf)) ASSERT_GE(k, bound);
    for (const std::string& k : raw.all_keys(keys::kIndexCf)) ASSERT_GE(k, bound);
    EXPECT_EQ(raw.all_keys(keys::kIdsCf).size(), kept);  // compaction dropped the pruned ids
  }
  VerifyReport report = verify();
  EXPECT_TRUE(report.ok) << report.problems[0].key << ": " << report.problems[0].reason;
  EXPECT_EQ(report.events, kept);
  // Moving the recorded cut to hide data is itself detected.
  {
    RawDb raw(options_.path);
    std::string value;
    keys::put_i64(&value, keys::time_bucket(t("2026-11-20T05:00:00Z"), 3600LL * 1000000));
    raw.put("default", std::string(keys::kRetentionKey), value);
  }
  expect_first_problem(0, "retention", "retention cut differs");
}

TEST_F(StoreIntegrityTest, RetentionByDaysUsesTheConfiguredWindow) {
  options_.retention_days = 1;
  auto store = EvidenceStore::open(options_);
  ASSERT_TRUE(store.ok());
  // "now" one day and three hours after the workload's start: the first three hours go.
  auto report = store->apply_retention(t("2026-11-21T03:00:00Z"));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->cutoff_us, t("2026-11-20T03:00:00Z"));
  auto again = store->apply_retention(t("2026-11-21T02:00:00Z"));  // never moves back
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cutoff_us, t("2026-11-20T03:00:00Z"));
  ASSERT_TRUE(store->close().ok());
  EXPECT_TRUE(verify().ok);
}

// The disk fills up under the writer: writes fail with kNoSpace (run pauses on that code), the
// failed store closes without crashing, and once space is freed it reopens, resumes from its
// stored position, and ends holding every event once.
TEST(StoreDiskFull, ReportsNoSpaceClosesCleanlyAndResumesWhenSpaceReturns) {
  aw::testing::TempDir dir;
  aw::testing::SmallDisk disk(dir.file("disk"), 16);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  auto corpus = testing::generated(dir, 20000, 500);
  StoreOptions options;
  options.path = disk.path() + "/store";
  options.group_events = 1000;
  options.write_buffer_bytes = 1 << 20;  // flushes to SST files as well as the WAL
  Status failure;
  size_t failed_at = 0;
  {
    auto store = EvidenceStore::open(options);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    ASSERT_GT(disk.fill("filler"), 0u);
    for (size_t b = 0; b < corpus->batches.size() && failure.ok(); ++b) {
      PositionRecord position{"events.jsonl", corpus->end_offsets[b]};
      failure = store->write(testing::input_of(corpus->batches[b], "events.jsonl", &position));
      if (failure.ok()) failure = store->flush();
      failed_at = b;
    }
    ASSERT_FALSE(failure.ok()) << "the full disk took every batch";
    EXPECT_EQ(failure.code(), StatusCode::kNoSpace) << failure.to_string();
    EXPECT_FALSE(store->close().ok());  // still full: reported, not a crash
  }
  disk.free("filler");
  auto store = EvidenceStore::open(options);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  auto position = store->position("events.jsonl");
  ASSERT_TRUE(position.ok());
  size_t resume = 0;  // the first batch the store does not hold
  while (resume < corpus->batches.size() && position->has_value() &&
         corpus->end_offsets[resume] <= **position) {
    ++resume;
  }
  EXPECT_LE(resume, failed_at + 1);
  for (size_t b = resume; b < corpus->batches.size(); ++b) {
    PositionRecord next{"events.jsonl", corpus->end_offsets[b]};
    ASSERT_TRUE(store->write(testing::input_of(corpus->batches[b], "events.jsonl", &next)).ok());
  }
  ASSERT_TRUE(store->close().ok());
  VerifyReport report = [&] {
    StoreOptions read = options;
    read.read_only = true;
    auto opened = EvidenceStore::open(read);
    EXPECT_TRUE(opened.ok());
    auto verified = opened->verify();
    EXPECT_TRUE(verified.ok());
    return verified.ok() ? *verified : VerifyReport{};
  }();
  EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0].reason);
  EXPECT_EQ(report.events, testing::unique_events(*corpus).size());
}

// The writer of the crash test, run in a child process (a fresh exec: RocksDB's thread pools do
// not survive fork()). It writes the corpus, resuming from the stored position.
constexpr size_t kCrashBatchRecords = 500;

StoreOptions crash_options(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.group_events = 2000;
  options.write_buffer_bytes = 2 << 20;  // flushes to SST files while the child runs
  return options;
}

TEST(StoreCrashChild, Writes) {
  const char* dir = std::getenv("AW_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "run by StoreCrashTest only";
  auto corpus = testing::decode_text(testing::read_all(std::string(dir) + "/gen/events.jsonl"),
                                     kCrashBatchRecords);
  auto store = EvidenceStore::open(crash_options(std::string(dir) + "/store"));
  ASSERT_TRUE(store.ok());
  auto position = store->position("events.jsonl");
  ASSERT_TRUE(position.ok());
  uint64_t from = position->value_or(0);
  bool slow = std::getenv("AW_CRASH_SLOW") != nullptr;
  for (size_t b = 0; b < corpus->batches.size(); ++b) {
    if (corpus->end_offsets[b] <= from) continue;  // committed before the crash
    PositionRecord p{"events.jsonl", corpus->end_offsets[b]};
    ASSERT_TRUE(store->write(testing::input_of(corpus->batches[b], "events.jsonl", &p)).ok());
    if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ASSERT_TRUE(store->close().ok());
}

pid_t start_child(const std::string& dir, bool slow) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("AW_CRASH_DIR", dir.c_str(), 1);
    if (slow) setenv("AW_CRASH_SLOW", "1", 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execl("/proc/self/exe", "store_integrity_test", "--gtest_filter=StoreCrashChild.Writes",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// The child is killed at random moments; whatever it committed must be whole batches: the chain
// verifies, the stored events are exactly those before the stored position, and the final run
// ends with every event of the input stored exactly once.
TEST(StoreCrashTest, KilledWritersLeaveWholeBatchesAndResumeToExactlyTheInput) {
  aw::testing::TempDir dir;
  auto corpus = testing::generated(dir, 30000, kCrashBatchRecords);
  auto unique = testing::unique_events(*corpus);
  StoreOptions options = crash_options(dir.file("store"));
  options.read_only = true;
  std::mt19937_64 rng(11);
  int kills = 0;
  uint64_t position = 0;
  for (int round = 0; round < 6; ++round) {
    // Kill somewhere within the time the child needs for what is left (3 ms per input batch).
    size_t left = 0;
    for (uint64_t end : corpus->end_offsets) left += end > position;
    pid_t pid = start_child(dir.path().string(), /*slow=*/true);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % (3 * left + 1)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++kills;
    auto store = EvidenceStore::open(options);
    if (!store.ok() && store.status().code() == StatusCode::kNotFound) continue;  // too early
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    auto report = store->verify();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << report->problems[0].key << ": " << report->problems[0].reason;
    position = store->position("events.jsonl")->value_or(0);
    std::set<std::string> expected;
    for (size_t b = 0; b < corpus->batches.size() && corpus->end_offsets[b] <= position; ++b) {
      for (const auto& e : corpus->batches[b].events) expected.insert(testing::event_key(e));
    }
    EXPECT_EQ(report->events, expected.size()) << "position " << position;
  }
  EXPECT_GE(kills, 3);
  pid_t pid = start_child(dir.path().string(), /*slow=*/false);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto store = EvidenceStore::open(options);
  ASSERT_TRUE(store.ok());
  auto report = store->verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->events, unique.size());
  TimelineQuery q;
  q.kind = TimelineKind::kAll;
  q.limit = 0;
  auto all = store->timeline(q);
  ASSERT_TRUE(all.ok());
  std::set<std::string> stored;
  for (const StoredEvent& e : all->events) {
    EXPECT_TRUE(stored.insert(testing::event_key(e.event)).second) << "stored twice";
  }
  EXPECT_EQ(stored.size(), unique.size());
}

}  // namespace
}  // namespace aw::store
