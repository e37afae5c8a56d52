// The coverage report checked figure by figure against the workload generator's ground truth:
// `agentwatch gen` writes the workload and truth.json (tools/workload_truth.h, facts from the
// generator's own model), `agentwatch replay --store` builds the store, and the report computed
// from the store (the library, and the CLI's JSON) must equal the truth. The workload spans a
// day with few events per source and minute, so silent periods exist, and has several
// violations per rule, so revocations, shared credentials and unprotected deletes exist.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/rule_set.h"
#include "store/coverage_report.h"
#include "store/evidence_store.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw {
namespace {

using simdjson::dom::element;
using testing::run_agentwatch;
using testing::TempDir;

constexpr int64_t kHourUs = 3600LL * 1000000;

class CoverageReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto gen = run_agentwatch({"gen", "--out", dir_->file("w"), "--seed", "7", "--events", "60000",
                               "--agents", "200", "--hours", "24", "--credentials-per-agent", "24",
                               "--violations-per-rule", "12"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto replay = run_agentwatch({"replay", "--registry", dir_->file("w/registry.yaml"), "--store",
                                  dir_->file("store"), dir_->file("w/events.jsonl")});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    truth_text_ = new std::string(testing::read_file(dir_->file("w/truth.json")));
  }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
    delete dir_;
    delete truth_text_;
  }

  void SetUp() override {
    ASSERT_EQ(parser_.parse(*truth_text_).get(truth_), simdjson::SUCCESS);
    if (!store_) {
      store::StoreOptions options;
      options.path = dir_->file("store");
      options.read_only = true;
      auto opened = store::EvidenceStore::open(options);
      ASSERT_TRUE(opened.ok()) << opened.status().message();
      store_ = new store::EvidenceStore(std::move(opened.value()));
    }
  }

  // Computed once per options for the whole suite: rebuilding the stored registry (YAML) is
  // most of a report's time on a store this small.
  const store::CoverageReport& report(int64_t silence_minutes = 5,
                                      int64_t from_us = ingest::kMinTimeUs,
                                      int64_t to_us = ingest::kMaxTimeUs) {
    static std::map<std::tuple<int64_t, int64_t, int64_t>, store::CoverageReport> cache;
    auto key = std::make_tuple(silence_minutes, from_us, to_us);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    return cache[key] = compute(silence_minutes, from_us, to_us);
  }
  store::CoverageReport compute(int64_t silence_minutes, int64_t from_us, int64_t to_us) {
    store::CoverageOptions options;
    options.silence_minutes = silence_minutes;
    options.list_limit = 100000;  // whole lists, to compare them with the truth's
    options.from_us = from_us;
    options.to_us = to_us;
    auto computed = store::compute_coverage_report(*store_, options);
    EXPECT_TRUE(computed.ok()) << computed.status().message();
    return computed.ok() ? std::move(computed.value()) : store::CoverageReport();
  }

  static int64_t i64(element e, std::string_view key) {
    int64_t v = 0;
    EXPECT_EQ(e[key].get(v), simdjson::SUCCESS) << key;
    return v;
  }
  static uint64_t u64(element e, std::string_view key) {
    return static_cast<uint64_t>(i64(e, key));
  }
  static std::vector<std::string> strings(element e, std::string_view key) {
    std::vector<std::string> out;
    simdjson::dom::array array;
    EXPECT_EQ(e[key].get(array), simdjson::SUCCESS) << key;
    for (element item : array) {
      std::string_view s;
      EXPECT_EQ(item.get(s), simdjson::SUCCESS);
      out.emplace_back(s);
    }
    return out;
  }
  static std::vector<int64_t> numbers(element e, std::string_view key) {
    std::vector<int64_t> out;
    simdjson::dom::array array;
    EXPECT_EQ(e[key].get(array), simdjson::SUCCESS) << key;
    for (element item : array) {
      int64_t v = 0;
      EXPECT_EQ(item.get(v), simdjson::SUCCESS);
      out.push_back(v);
    }
    return out;
  }

  // Mean (toward zero) and nearest-rank percentiles, computed here from the truth's samples.
  static void expect_stats(const store::DurationStats& got, std::vector<int64_t> samples,
                           const char* what) {
    SCOPED_TRACE(what);
    ASSERT_EQ(got.count, samples.size());
    if (samples.empty()) return;
    std::sort(samples.begin(), samples.end());
    int64_t sum = 0;
    for (int64_t s : samples) sum += s;
    auto nearest_rank = [&](double p) {
      size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
      return samples[std::max<size_t>(k, 1) - 1];
    };
    EXPECT_EQ(got.mean_us, sum / static_cast<int64_t>(samples.size()));
    EXPECT_EQ(got.p50_us, nearest_rank(0.5));
    EXPECT_EQ(got.p90_us, nearest_rank(0.9));
    EXPECT_EQ(got.max_us, samples.back());
  }

  static TempDir* dir_;
  static std::string* truth_text_;
  simdjson::dom::parser parser_;
  element truth_;
  static store::EvidenceStore* store_;
};

TempDir* CoverageReportTest::dir_ = nullptr;
std::string* CoverageReportTest::truth_text_ = nullptr;
store::EvidenceStore* CoverageReportTest::store_ = nullptr;

TEST_F(CoverageReportTest, PeriodCoversEveryStoredEvent) {
  const auto& r = report();
  EXPECT_EQ(r.events, u64(truth_, "events"));
  EXPECT_EQ(r.first_event_us, i64(truth_, "first_event"));
  EXPECT_EQ(r.last_event_us, i64(truth_, "last_event"));
  EXPECT_TRUE(r.registry_recorded);
}

TEST_F(CoverageReportTest, IdentitiesSeenVersusRegistered) {
  const auto& r = report();
  EXPECT_EQ(r.registered, u64(truth_, "registered"));
  element kinds = truth_["registered_by_kind"];
  EXPECT_EQ(r.registered_by_kind[0], u64(kinds, "agent"));
  EXPECT_EQ(r.registered_by_kind[1], u64(kinds, "service"));
  EXPECT_EQ(r.registered_by_kind[2], u64(kinds, "bot"));
  EXPECT_EQ(r.registered_by_kind[3], u64(kinds, "human"));
  EXPECT_EQ(r.seen, u64(truth_, "seen"));
  EXPECT_EQ(r.seen_registered, u64(truth_, "seen_registered"));
  EXPECT_EQ(r.registered_not_seen, u64(truth_, "registered_not_seen"));

  // Every unregistered actor with its activity.
  std::map<std::string, std::tuple<uint64_t, int64_t, int64_t>> expected, got;
  simdjson::dom::array unregistered;
  ASSERT_EQ(truth_["unregistered"].get(unregistered), simdjson::SUCCESS);
  for (element a : unregistered) {
    std::string_view id;
    ASSERT_EQ(a["id"].get(id), simdjson::SUCCESS);
    expected[std::string(id)] = {u64(a, "events"), i64(a, "first"), i64(a, "last")};
  }
  for (const auto& a : r.unregistered) got[a.id] = {a.events, a.first_us, a.last_us};
  EXPECT_EQ(r.unregistered_seen, expected.size());
  EXPECT_EQ(got, expected);
  EXPECT_GE(expected.size(), 12u) << "the workload injects unregistered actors";
}

TEST_F(CoverageReportTest, AgentsWithoutOwner) {
  const auto& r = report();
  EXPECT_EQ(r.nhi, u64(truth_, "nhi"));
  std::vector<std::string> got;
  for (const auto& i : r.without_owner) got.push_back(i.id);
  EXPECT_EQ(got, strings(truth_, "without_owner"));
  EXPECT_EQ(r.nhi_without_owner, got.size());
}

TEST_F(CoverageReportTest, ShareOfAgentsWithTheirOwnDistinctCredential) {
  const auto& r = report();
  EXPECT_EQ(r.nhi_using_credentials, u64(truth_, "nhi_using_credentials"));
  EXPECT_EQ(r.nhi_own_distinct, u64(truth_, "nhi_own_distinct"));
  EXPECT_LT(r.nhi_own_distinct, r.nhi_using_credentials) << "shared-credential injections";
  EXPECT_EQ(r.not_distinct.size(), r.nhi_using_credentials - r.nhi_own_distinct);
}

TEST_F(CoverageReportTest, AgentsAbleToWriteToProd) {
  const auto& r = report();
  std::vector<std::string> got;
  for (const auto& i : r.prod_writer_list) got.push_back(i.id);
  EXPECT_EQ(got, strings(truth_, "prod_writers"));
  EXPECT_EQ(r.prod_writers, got.size());
}

TEST_F(CoverageReportTest, CredentialsByKindAndLifetimeAgainstPolicy) {
  const auto& r = report();
  EXPECT_EQ(r.credentials, u64(truth_, "credentials"));
  EXPECT_EQ(r.credentials_over_max, u64(truth_, "credentials_over_max"));
  EXPECT_EQ(r.max_credential_ttl_us, kHourUs);
  element by_kind = truth_["credentials_by_kind"];
  for (const auto& k : r.credentials_by_kind) {
    SCOPED_TRACE(k.kind);
    element expected;
    if (by_kind[k.kind].get(expected) != simdjson::SUCCESS) {
      EXPECT_EQ(k.count, 0u);
      continue;
    }
    EXPECT_EQ(k.count, u64(expected, "count"));
    EXPECT_EQ(k.within_max, u64(expected, "within_max"));
    EXPECT_EQ(k.over_max, u64(expected, "over_max"));
    EXPECT_EQ(k.no_expiry, u64(expected, "no_expiry"));
  }
  uint64_t binned = 0;
  for (const auto& b : r.lifetimes) binned += b.count;
  EXPECT_EQ(binned, r.credentials);
}

TEST_F(CoverageReportTest, RevocationToLastUseAndFirstAlertToRevocation) {
  const auto& r = report();
  EXPECT_EQ(r.revoked, u64(truth_, "revoked"));
  EXPECT_EQ(r.used_after_revocation, u64(truth_, "used_after_revocation"));
  EXPECT_GT(r.used_after_revocation, 0u);
  expect_stats(r.revocation_to_last_use, numbers(truth_, "revocation_to_last_use_us"),
               "revocation to last use");
  expect_stats(r.first_alert_to_revocation, numbers(truth_, "first_alert_to_revocation_us"),
               "first alert to revocation");
}

TEST_F(CoverageReportTest, DestructiveActionsWithApprovalAndSnapshotByEnv) {
  const auto& r = report();
  element expected_envs = truth_["destructive"];
  size_t envs = 0;
  for (auto [key, value] : simdjson::dom::object(expected_envs)) {
    (void)value;
    ++envs;
  }
  ASSERT_EQ(r.destructive.size(), envs);
  for (const auto& e : r.destructive) {
    SCOPED_TRACE(e.env);
    element expected = expected_envs[e.env];
    EXPECT_EQ(e.deletes, u64(expected, "deletes"));
    EXPECT_EQ(e.with_approval, u64(expected, "with_approval"));
    EXPECT_EQ(e.with_snapshot, u64(expected, "with_snapshot"));
    EXPECT_EQ(e.approval_required, e.env == "prod");
    EXPECT_EQ(e.snapshot_required, e.env == "prod");
  }
}

TEST_F(CoverageReportTest, ActionsInFreezeWindowsByClassAndBreakGlass) {
  const auto& r = report();
  element frozen = truth_["frozen_by_class"], break_glass = truth_["frozen_break_glass_by_class"];
  for (int c = 1; c < ingest::kActionClassCount; ++c) {
    std::string_view name = ingest::action_class_name(static_cast<ingest::ActionClass>(c));
    SCOPED_TRACE(name);
    uint64_t expected = 0, expected_bg = 0;
    // A class absent from the truth had no such action.
    if (frozen[name].get(expected) != simdjson::SUCCESS) expected = 0;
    if (break_glass[name].get(expected_bg) != simdjson::SUCCESS) expected_bg = 0;
    EXPECT_EQ(r.frozen_by_class[c], expected);
    EXPECT_EQ(r.frozen_break_glass_by_class[c], expected_bg);
  }
  EXPECT_EQ(r.frozen_changes, u64(truth_, "frozen_changes"));
  EXPECT_EQ(r.frozen_changes_break_glass, u64(truth_, "frozen_changes_break_glass"));
  EXPECT_GT(r.frozen_changes_break_glass, 0u) << "maintenance deletes with break-glass";
}

TEST_F(CoverageReportTest, AlertsByRuleSeverityAndHour) {
  const auto& r = report();
  auto rules = rules::RuleSet::load(rules::RuleSetOptions());
  ASSERT_TRUE(rules.ok());
  std::map<std::string, uint64_t> got, expected;
  std::array<uint64_t, store::kSeverityCount> expected_severity{};
  for (auto [rule, count] : simdjson::dom::object(truth_["alerts_by_rule"])) {
    uint64_t n = 0;
    ASSERT_EQ(count.get(n), simdjson::SUCCESS);
    expected[std::string(rule)] = n;
    const rules::CompiledRule* compiled = rules->find(rule);
    ASSERT_NE(compiled, nullptr) << rule;
    expected_severity[static_cast<int>(compiled->severity)] += n;
  }
  for (const auto& a : r.alerts_by_rule) got[a.rule] = a.count;
  EXPECT_EQ(got, expected);
  EXPECT_EQ(r.alerts_by_severity, expected_severity);
  // Hour bins (the default for a one-day span) against the labels' hours.
  ASSERT_EQ(r.bin_us, kHourUs);
  std::map<int64_t, uint64_t> got_hours, expected_hours;
  for (const auto& b : r.alert_bins) {
    uint64_t sum = 0;
    for (uint64_t n : b.by_severity) sum += n;
    if (sum > 0) got_hours[b.start_us] = sum;
  }
  simdjson::dom::array hours;
  ASSERT_EQ(truth_["alerts_by_hour"].get(hours), simdjson::SUCCESS);
  for (element pair : hours) {
    simdjson::dom::array hour = pair;
    expected_hours[int64_t(hour.at(0))] = uint64_t(int64_t(hour.at(1)));
  }
  EXPECT_EQ(got_hours, expected_hours);
}

TEST_F(CoverageReportTest, AuditCompletenessPerSource) {
  for (int64_t silence : {1, 2, 5}) {
    SCOPED_TRACE("silence " + std::to_string(silence));
    const auto& r = report(silence);
    element sources = truth_["sources"];
    size_t expected_sources = 0;
    for (auto [key, value] : simdjson::dom::object(sources)) {
      (void)value;
      ++expected_sources;
    }
    ASSERT_EQ(r.sources.size(), expected_sources);
    uint64_t silent = 0, gaps = 0;
    for (const auto& s : r.sources) {
      SCOPED_TRACE(s.source);
      element expected = sources[s.source];
      EXPECT_EQ(s.events, u64(expected, "events"));
      EXPECT_EQ(s.with_seq, s.events);
      EXPECT_EQ(s.seq_gaps, u64(expected, "seq_gaps"));
      EXPECT_EQ(s.missing_records, u64(expected, "missing_records"));
      EXPECT_EQ(s.with_credential, u64(expected, "with_credential"));
      EXPECT_EQ(s.silent_periods, u64(expected["silent_periods"], std::to_string(silence)));
      silent += s.silent_periods;
      gaps += s.seq_gaps;
    }
    EXPECT_GE(gaps, 12u) << "the workload injects audit gaps";
    if (silence == 1) {
      EXPECT_GT(silent, 0u) << "sparse sources fall silent for a minute";
    }
  }
}

TEST_F(CoverageReportTest, RangeKeepsOnlyItsEventsAndAlerts) {
  const int64_t from = i64(truth_, "first_event") / kHourUs * kHourUs + 3 * kHourUs;
  const int64_t to = from + 5 * kHourUs;
  const auto& whole = report();
  const auto& r = report(5, from, to);
  EXPECT_GT(r.events, 0u);
  EXPECT_LT(r.events, whole.events);
  EXPECT_GE(r.first_event_us, from);
  EXPECT_LT(r.last_event_us, to);
  uint64_t expected_alerts = 0;
  simdjson::dom::array hours;
  ASSERT_EQ(truth_["alerts_by_hour"].get(hours), simdjson::SUCCESS);
  for (element pair : hours) {
    simdjson::dom::array hour = pair;
    int64_t start = int64_t(hour.at(0));
    if (start >= from && start < to) expected_alerts += uint64_t(int64_t(hour.at(1)));
  }
  EXPECT_EQ(r.alerts, expected_alerts);
  uint64_t source_events = 0;
  for (const auto& s : r.sources) source_events += s.events;
  EXPECT_EQ(source_events, r.events);
}

TEST_F(CoverageReportTest, OneThreadAndTwoThreadsAgree) {
  store::CoverageOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = store::compute_coverage_report(*store_, one);
  auto b = store::compute_coverage_report(*store_, two);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->events, b->events);
  EXPECT_EQ(a->nhi_own_distinct, b->nhi_own_distinct);
  EXPECT_EQ(a->revocation_to_last_use.p90_us, b->revocation_to_last_use.p90_us);
  EXPECT_EQ(a->frozen_by_class, b->frozen_by_class);
  ASSERT_EQ(a->sources.size(), b->sources.size());
  for (size_t i = 0; i < a->sources.size(); ++i) {
    EXPECT_EQ(a->sources[i].missing_records, b->sources[i].missing_records);
    EXPECT_EQ(a->sources[i].silent_periods, b->sources[i].silent_periods);
  }
}

TEST_F(CoverageReportTest, RegistryThatCannotBeCutGivesTheSameFigures) {
  // A document marker keeps the report from cutting the policy, freezes and approvals out of
  // the file ahead of the rest (store/stored_registry.h): it loads the whole registry first.
  TempDir other;
  std::string registry = "---\n" + testing::read_file(dir_->file("w/registry.yaml"));
  auto replay = run_agentwatch({"replay", "--registry", other.write("registry.yaml", registry),
                                "--store", other.file("store"), dir_->file("w/events.jsonl")});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  store::StoreOptions options;
  options.path = other.file("store");
  options.read_only = true;
  auto opened = store::EvidenceStore::open(options);
  ASSERT_TRUE(opened.ok());
  store::CoverageOptions coverage;
  coverage.list_limit = 100000;
  auto r = store::compute_coverage_report(*opened, coverage);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& expected = report();
  EXPECT_EQ(r->events, expected.events);
  EXPECT_EQ(r->frozen_by_class, expected.frozen_by_class);
  EXPECT_EQ(r->frozen_break_glass_by_class, expected.frozen_break_glass_by_class);
  ASSERT_EQ(r->destructive.size(), expected.destructive.size());
  for (size_t i = 0; i < r->destructive.size(); ++i) {
    EXPECT_EQ(r->destructive[i].with_approval, expected.destructive[i].with_approval);
    EXPECT_EQ(r->destructive[i].with_snapshot, expected.destructive[i].with_snapshot);
  }
  EXPECT_EQ(r->nhi_own_distinct, expected.nhi_own_distinct);
  EXPECT_EQ(r->prod_writers, expected.prod_writers);
}

// ---- the command ----

TEST_F(CoverageReportTest, CommandJsonCarriesTheSameNumbers) {
  auto run = run_agentwatch({"report", "coverage", "--store", dir_->file("store"), "--format",
                             "json", "--silence-minutes", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  simdjson::dom::parser parser;
  element doc;
  ASSERT_EQ(parser.parse(run.out).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(u64(doc["period"], "events"), u64(truth_, "events"));
  EXPECT_EQ(u64(doc["identities"], "unregistered_seen"),
            simdjson::dom::array(truth_["unregistered"]).size());
  EXPECT_EQ(u64(doc["owners"], "without_owner"), strings(truth_, "without_owner").size());
  EXPECT_EQ(u64(doc["distinct_credentials"], "own_distinct"), u64(truth_, "nhi_own_distinct"));
  EXPECT_EQ(u64(doc["prod_writers"], "count"), strings(truth_, "prod_writers").size());
  EXPECT_EQ(u64(doc["credentials"], "over_max"), u64(truth_, "credentials_over_max"));
  EXPECT_EQ(u64(doc["revocation"], "used_after_revocation"), u64(truth_, "used_after_revocation"));
  EXPECT_EQ(u64(doc["freezes"], "changes_break_glass"), u64(truth_, "frozen_changes_break_glass"));
  uint64_t alerts = 0;
  for (auto [rule, count] : simdjson::dom::object(truth_["alerts_by_rule"])) {
    (void)rule;
    alerts += uint64_t(int64_t(count));
  }
  EXPECT_EQ(u64(doc["alerts"], "total"), alerts);
  // Durations in seconds with microsecond precision.
  auto last_use = numbers(truth_, "revocation_to_last_use_us");
  double max_s = 0;
  ASSERT_EQ(doc["revocation"]["revocation_to_last_use"]["max_s"].get(max_s), simdjson::SUCCESS);
  EXPECT_EQ(std::llround(max_s * 1e6), *std::max_element(last_use.begin(), last_use.end()));
  uint64_t missing = 0;
  for (element s : simdjson::dom::array(doc["audit"]["sources"]))
    missing += u64(s, "missing_records");
  uint64_t expected_missing = 0;
  for (auto [name, s] : simdjson::dom::object(truth_["sources"])) {
    (void)name;
    expected_missing += u64(s, "missing_records");
  }
  EXPECT_EQ(missing, expected_missing);
}

TEST_F(CoverageReportTest, CommandWritesMarkdownAndHtmlFiles) {
  auto md = run_agentwatch({"report", "coverage", "--store", dir_->file("store")});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  for (const char* heading :
       {"## Identities", "## Credentials by kind and lifetime", "## Revocation",
        "## Destructive actions", "## Actions during freeze windows", "## Alerts",
        "## Audit completeness per source"}) {
    EXPECT_NE(md.out.find(heading), std::string::npos) << heading;
  }
  auto html = run_agentwatch({"report", "coverage", "--store", dir_->file("store"), "--format",
                              "html", "-o", dir_->file("report.html")});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::string page = testing::read_file(dir_->file("report.html"));
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  size_t charts = 0;
  for (size_t at = page.find("<svg class=\"chart\""); at != std::string::npos;
       at = page.find("<svg class=\"chart\"", at + 1)) {
    ++charts;
  }
  EXPECT_GE(charts, 8u);
  // Self-contained: nothing fetched from anywhere.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
}

TEST(CoverageReportCommand, RefusesBadInvocationsWithExitTwo) {
  TempDir dir;
  auto missing = run_agentwatch({"report", "coverage", "--store", dir.file("nothing-here")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("agentwatch report:"), std::string::npos) << missing.err;
  auto bad_time =
      run_agentwatch({"report", "coverage", "--store", dir.file("s"), "--from", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.err.find("RFC 3339"), std::string::npos) << bad_time.err;
  auto reversed = run_agentwatch({"report", "coverage", "--store", dir.file("s"), "--from",
                                  "2026-11-21T00:00:00Z", "--to", "2026-11-20T00:00:00Z"});
  EXPECT_EQ(reversed.exit_code, 2);
  auto format = run_agentwatch({"report", "coverage", "--store", dir.file("s"), "--format", "pdf"});
  EXPECT_EQ(format.exit_code, 2);
}

}  // namespace
}  // namespace aw
