// The store holds raw records, secrets included, so it is the user's only: the directory 0700
// and every file in it without group or other bits, whatever the umask, for the files of a
// fresh store, for those RocksDB writes later (WAL, SST, MANIFEST, LOG), and for a store made
// with looser modes by an older build once it is opened for writing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/evidence_store.h"
#include "tests/store/store_testing.h"
#include "tests/testing/temp_dir.h"

namespace aw::store {
namespace {

namespace fs = std::filesystem;

// Every path under `dir` (itself included) whose mode has a group or other bit.
std::vector<std::string> open_to_others(const fs::path& dir, size_t* files) {
  std::vector<std::string> loose;
  *files = 0;
  auto check = [&](const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      loose.push_back(p.string() + " (cannot stat)");
      return;
    }
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%03o", static_cast<unsigned>(st.st_mode & 0777));
      loose.push_back(p.filename().string() + " " + mode);
    }
  };
  check(dir);
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    ++*files;
    check(entry.path());
  }
  return loose;
}

// A permissive umask for the test's length, so the modes come from the store, not the umask.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

StoreOptions options_for(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.group_events = 64;
  options.write_buffer_bytes = 1 << 20;
  options.block_cache_bytes = 1 << 20;
  return options;
}

std::string corpus_text() {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += R"({"ts":"2026-11-20T10:00:00Z","id":"e)" + std::to_string(i) +
            R"(","source":"s","actor":{"id":"agent-1"},"action":{"tool":"Bash","verb":"run"},)"
            R"("resource":{"name":"cmd"},"attrs":{"command":"export AWS_SECRET_ACCESS_KEY=x"}})"
            "\n";
  }
  return text;
}

TEST(StorePermissions, AFreshStoreIsTheUsersOnly) {
  ScopedUmask permissive(0);
  aw::testing::TempDir dir;
  std::string path = dir.file("store");
  auto store = EvidenceStore::open(options_for(path));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  size_t files = 0;
  std::vector<std::string> loose = open_to_others(path, &files);
  EXPECT_GT(files, 3u);  // CURRENT, MANIFEST, OPTIONS, LOG, LOCK, a WAL
  EXPECT_TRUE(loose.empty()) << ::testing::PrintToString(loose);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(StorePermissions, FilesWrittenLaterAreTheUsersOnlyToo) {
  ScopedUmask permissive(0);
  aw::testing::TempDir dir;
  std::string path = dir.file("store");
  auto corpus = testing::decode_text(corpus_text(), 50);
  {
    auto store = EvidenceStore::open(options_for(path));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    for (const ingest::EventBatch& batch : corpus->batches) {
      ASSERT_TRUE(store->write(testing::input_of(batch, "events.jsonl", nullptr)).ok());
    }
    ASSERT_TRUE(store->flush().ok());
    ASSERT_TRUE(store->flush_to_disk().ok());  // SST files
    ASSERT_TRUE(store->compact().ok());
    ASSERT_TRUE(store->close().ok());
  }
  auto reopened = EvidenceStore::open(options_for(path));  // a new WAL, MANIFEST, LOG
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  bool has_sst = false;
  for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
    has_sst = has_sst || entry.path().extension() == ".sst";
  }
  EXPECT_TRUE(has_sst);
  size_t files = 0;
  std::vector<std::string> loose = open_to_others(path, &files);
  EXPECT_TRUE(loose.empty()) << ::testing::PrintToString(loose);
}

TEST(StorePermissions, OpeningForWritingTightensAnOlderStore) {
  aw::testing::TempDir dir;
  std::string path = dir.file("store");
  {
    auto store = EvidenceStore::open(options_for(path));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    ASSERT_TRUE(store->close().ok());
  }
  // As an older build (RocksDB's 0644, the usual 0755 directory) left it.
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
    fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write |
                                      fs::perms::group_read | fs::perms::others_read);
  }
  size_t files = 0;
  ASSERT_FALSE(open_to_others(path, &files).empty());  // the setup took
  auto store = EvidenceStore::open(options_for(path));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  std::vector<std::string> loose = open_to_others(path, &files);
  EXPECT_TRUE(loose.empty()) << ::testing::PrintToString(loose);
}

}  // namespace
}  // namespace aw::store
