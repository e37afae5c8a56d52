// `agentwatch query` and `agentwatch verify` as a person or a script meets them: output, exit
// codes and one-line errors (DESIGN.md, "Command line").
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "ingest/timestamp.h"
#include "store/evidence_store.h"
#include "store/keys.h"
#include "tests/store/store_testing.h"

namespace aw::store {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

CliRun run_cli(const aw::testing::TempDir& dir, const std::vector<std::string>& args) {
  std::string command = std::string("'") + AW_STORE_CLI + "'";
  for (const auto& a : args) command += " '" + a + "'";
  command += " > '" + dir.file("out") + "' 2> '" + dir.file("err") + "'";
  int status = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = aw::testing::read_file(dir.file("out"));
  run.err = aw::testing::read_file(dir.file("err"));
  return run;
}

constexpr std::string_view kRegistry = R"(
agents:
  - {id: agent-1, owner: team-a, kind: agent, scopes: [{tools: ["sql.*"], envs: [prod]}]}
credentials:
  - {id: tok-1, agent: agent-1, kind: jit, env: prod, issued_at: 2026-11-20T09:00:00Z,
     expires_at: 2026-11-20T11:00:00Z}
)";

class StoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text;
    for (int i = 0; i < 6; ++i) {
      text += R"({"ts":"2026-11-20T10:0)" + std::to_string(i) + R"(:00Z","id":"evt-)" +
              std::to_string(i) +
              R"(","source":"gw","actor":{"id":"agent-1","type":"agent"},)"
              R"("credential":{"id":"tok-1"},"action":{"tool":"sql.execute","verb":"DROP TABLE",)"
              R"("class":"delete"},"resource":{"name":"db:prod/orders"},"env":"prod"})"
              "\n";
    }
    corpus_ = testing::decode_text(text, 100);
    StoreOptions options;
    options.path = path();
    auto store = EvidenceStore::open(options);
    ASSERT_TRUE(store.ok());
    std::vector<RegistryChangeRecord> changes = {
        {"load", "registry", "", 0, kRegistry},
        {"revoke", "credential", "tok-1", 0,
         R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-1","at":"2026-11-20T10:03:00Z"}})"}};
    const auto& events = corpus_->batches[0].events;
    alert_json_ = R"({"alert_id":"0000000000000000000000000000000a","rule":"post-revocation"})";
    std::vector<AlertRecord> alerts = {{"0000000000000000000000000000000a", "post-revocation",
                                        rules::Severity::kCritical, "agent-1", "gw/evt-4",
                                        events[4].ts_us, events[4].ts_us, true, alert_json_, ""}};
    WriteInput input = testing::input_of(corpus_->batches[0], "events.jsonl", nullptr);
    input.registry_changes = changes;
    input.alerts = alerts;
    ASSERT_TRUE(store->write(input).ok());
    ASSERT_TRUE(store->close().ok());
  }
  std::string path() const { return dir_.file("store"); }

  aw::testing::TempDir dir_;
  std::unique_ptr<testing::DecodedCorpus> corpus_;
  std::string alert_json_;
};

TEST_F(StoreCliTest, TimelineIsAnAlignedTableNewestFirst) {
  CliRun run =
      run_cli(dir_, {"query", "timeline", "--store", path(), "--agent", "agent-1", "--limit", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("TIME "), 0u) << run.out;
  EXPECT_LT(run.out.find("gw/evt-5"), run.out.find("gw/evt-3"));
  EXPECT_EQ(run.out.find("gw/evt-2"), std::string::npos);
  EXPECT_NE(run.err.find("3 events"), std::string::npos) << run.err;
  // Columns line up: every row has ACTION where the header has it.
  size_t column = run.out.find("ACTION");
  size_t second_line = run.out.find('\n') + 1;
  EXPECT_EQ(run.out.substr(second_line + column, 11), "sql.execute");
}

TEST_F(StoreCliTest, TimelineAsJsonLinesForTools) {
  CliRun run = run_cli(dir_, {"query", "timeline", "--store", path(), "--credential", "tok-1",
                              "--from", "2026-11-20T10:01:00Z", "--to", "2026-11-20T10:03:00Z",
                              "--oldest-first", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find(R"({"ts":"2026-11-20T10:01:00.000000Z","key":"gw/evt-1")"), 0u) << run.out;
  EXPECT_NE(run.out.find(R"("record":{"ts":"2026-11-20T10:02:00Z")"), std::string::npos);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2);
}

TEST_F(StoreCliTest, EventShowsRecordAlertsAndTheRegistryAtItsTime) {
  CliRun run = run_cli(dir_, {"query", "event", "--store", path(), "evt-4"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("gw/evt-4"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(R"({"ts":"2026-11-20T10:04:00Z","id":"evt-4")"), std::string::npos);
  EXPECT_NE(run.out.find("post-revocation"), std::string::npos);
  EXPECT_NE(run.out.find("retro"), std::string::npos);
  EXPECT_NE(run.out.find("agent-1: active, owner team-a"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("revoked 2026-11-20T10:03:00.000000Z"), std::string::npos) << run.out;
  CliRun json =
      run_cli(dir_, {"query", "event", "--store", path(), "gw/evt-4", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find(alert_json_), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"("revoked_at":"2026-11-20T10:03:00.000000Z")"), std::string::npos);
}

TEST_F(StoreCliTest, AlertsFilterBySeverityAndRule) {
  CliRun run = run_cli(dir_, {"query", "alerts", "--store", path(), "--severity", "high"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("critical  post-revocation"), std::string::npos) << run.out;
  CliRun none = run_cli(dir_, {"query", "alerts", "--store", path(), "--rule", "freeze-violation",
                               "--format", "json"});
  ASSERT_EQ(none.exit_code, 0);
  EXPECT_TRUE(none.out.empty());
  CliRun json = run_cli(dir_, {"query", "alerts", "--store", path(), "--format", "json"});
  EXPECT_EQ(json.out, alert_json_ + "\n");
}

TEST_F(StoreCliTest, ErrorsAreOneLineAndExitTwo) {
  auto expect_error = [&](const std::vector<std::string>& args, std::string_view text) {
    CliRun run = run_cli(dir_, args);
    EXPECT_EQ(run.exit_code, 2) << run.out;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(text), std::string::npos) << run.err;
  };
  expect_error({"query", "timeline", "--store", dir_.file("nope"), "--agent", "a"},
               "no evidence store at");
  expect_error({"query", "timeline", "--store", path(), "--agent", "a", "--from", "yesterday"},
               "--from 'yesterday' is not an RFC 3339 time");
  expect_error({"query", "timeline", "--store", path()}, "exactly one of");
  expect_error({"query", "event", "--store", path(), "evt-99"}, "evt-99");
  expect_error({"query", "alerts", "--store", path(), "--severity", "loud"}, "--severity 'loud'");
  expect_error({"verify", "--store", dir_.file("nope")}, "no evidence store at");
}

TEST_F(StoreCliTest, VerifyExitsZeroWhenIntactAndOneNamingTheBatchWhenChanged) {
  CliRun ok = run_cli(dir_, {"verify", "--store", path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("verify: ok: 1 batches, 6 events"), std::string::npos) << ok.out;
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path(), descriptors, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != keys::kEventsCf) continue;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
      it->SeekToFirst();
      ASSERT_TRUE(it->Valid());
      std::string key = it->key().ToString(), value = it->value().ToString();
      value.back() ^= 0x20;
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], key, value).ok());
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  CliRun bad = run_cli(dir_, {"verify", "--store", path()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_EQ(bad.out.find("MISMATCH batch 1: events bucket 2026-11-20T10:00:00.000000Z agent "
                         "agent-1 batch 1 part 0: value changed"),
            0u)
      << bad.out;
  EXPECT_NE(bad.out.find("verify: FAILED"), std::string::npos);
}

}  // namespace
}  // namespace aw::store
