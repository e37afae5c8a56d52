// agentwatch run against the embedded broker (its own process), with kcat as the independent
// client that produces the audit and registry records and reads the alert and dead-letter
// topics. The reference is `agentwatch replay` over the same records.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "store/evidence_store.h"
#include "tests/testing/kafka_fixture.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/store_reads.h"

namespace aw {
namespace {

using namespace std::chrono_literals;
using testing::BrokerProcess;
using testing::ChildProcess;
using testing::SmallDisk;
using testing::TempDir;

// Alert ids, except audit-gap's, and the audit gaps as "source expected_seq": across partitions
// a gap is found by a later record than in one ordered file, so its alert id differs, but the
// gap it names must be the same.
struct AlertSummary {
  std::set<std::string> ids;
  std::multiset<std::string> gaps;
  size_t count = 0;
  friend bool operator==(const AlertSummary&, const AlertSummary&) = default;
};

std::string gap_of(const std::string& json) {
  const std::string marker = "\"source.expected_seq\":";
  size_t at = json.find(marker);
  if (at == std::string::npos) return "?";
  at += marker.size();
  return testing::json_field(json, "source") + " " +
         json.substr(at, json.find_first_not_of("0123456789", at) - at);
}

AlertSummary summarize(const std::vector<std::string>& alerts) {
  AlertSummary summary;
  for (const std::string& a : alerts) {
    ++summary.count;
    if (testing::json_field(a, "rule") == "audit-gap") {
      summary.gaps.insert(gap_of(a));
    } else {
      summary.ids.insert(testing::json_field(a, "alert_id"));
    }
  }
  return summary;
}

AlertSummary stored_alerts(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto opened = store::EvidenceStore::open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().to_string();
  if (!opened.ok()) return {};
  store::AlertQuery all;
  all.limit = 0;
  auto alerts = opened->alerts(all);
  EXPECT_TRUE(alerts.ok());
  std::vector<std::string> json;
  for (const store::StoredAlert& a : *alerts) json.push_back(a.json);
  return summarize(json);
}

ChildProcess start_run(const TempDir& dir, const std::string& config, const std::string& name) {
  return ChildProcess::start(AW_BINARY,
                             {"run", "-c", config, "--bootstrap-file", dir.file("bootstrap")},
                             dir.file(name + ".out"), dir.file(name + ".err"));
}

TEST(KafkaRun, IndexesEveryRecordOnceAndPublishesEveryAlertAndDeadLetter) {
  TempDir dir;
  auto gen = testing::run_agentwatch({"gen", "--out", dir.file("gen"), "--events", "20000",
                                      "--agents", "300", "--violations-per-rule", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string events = dir.file("gen") + "/events.jsonl";
  const std::string registry = dir.file("gen") + "/registry.yaml";
  // Three bad records among the good ones.
  {
    std::ofstream out(events, std::ios::app);
    out << "not json at all\n"
        << R"({"ts":"2026-11-20T01:00:00Z","id":"bad-2","source":"gw","action":{"tool":"x"}})"
        << "\n"
        << R"({"ts":true,"id":"bad-3","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"x"}})"
        << "\n";
  }
  // The reference: replay of the same records into a store of its own.
  auto replay = testing::run_agentwatch(
      {"replay", "--registry", registry, "--store", dir.file("replay-store"), events});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  const AlertSummary expected = stored_alerts(dir.file("replay-store"));
  ASSERT_GT(expected.count, 50u);
  ASSERT_GE(expected.gaps.size(), 3u);

  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(testing::kcat_produce(broker.bootstrap(), "agent-audit", events, dir));
  std::string config = testing::write_run_config(dir, "run.yaml", registry, dir.file("run-store"),
                                                 "metrics:\n  port: 0\n");
  ChildProcess run = start_run(dir, config, "run");
  std::vector<std::string> feed;
  bool all_arrived = testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return feed.size() >= expected.count;
      },
      90s);
  // /metrics while running: the records and alerts counted, the lag per partition.
  std::string log = testing::read_file(dir.file("run.err"));
  size_t at = log.find("metrics on http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << log;
  int port = std::atoi(log.c_str() + at + std::string("metrics on http://127.0.0.1:").size());
  httplib::Client client("127.0.0.1", port);
  auto scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  EXPECT_NE(scraped->body.find("agentwatch_consumer_lag_messages{partition=\"0\"}"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("agentwatch_alerts_total{rule=\"freeze-violation\"}"),
            std::string::npos)
      << scraped->body;
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait(30s), 0) << testing::read_file(dir.file("run.err"));
  ASSERT_TRUE(all_arrived) << feed.size() << " of " << expected.count << " alerts\n"
                           << testing::read_file(dir.file("run.err"));

  // Every expected alert arrived on the feed, once, and nothing else.
  feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
  EXPECT_EQ(summarize(feed), expected);
  // The store holds the same alerts and the same events as replay's store, each once.
  EXPECT_EQ(stored_alerts(dir.file("run-store")), expected);
  store::VerifyReport by_run = testing::verify_store(dir.file("run-store"));
  store::VerifyReport by_replay = testing::verify_store(dir.file("replay-store"));
  EXPECT_TRUE(by_run.ok);
  EXPECT_EQ(by_run.events, by_replay.events);
  EXPECT_GT(by_run.events, 19000u);

  // Every bad record is on the dead-letter topic with its reason, topic, partition and offset.
  std::vector<std::string> dead = testing::kcat_read(broker.bootstrap(), "agentwatch-dlq", dir);
  ASSERT_EQ(dead.size(), 3u);
  std::multiset<std::string> reasons;
  for (const std::string& d : dead) {
    reasons.insert(testing::json_field(d, "reason"));
    EXPECT_EQ(testing::json_field(d, "source"), "agent-audit") << d;
    EXPECT_NE(d.find("\"partition\":"), std::string::npos) << d;
    EXPECT_NE(d.find("\"offset\":"), std::string::npos) << d;
  }
  EXPECT_EQ(reasons, (std::multiset<std::string>{"not_json", "missing_field", "wrong_type"}));

  // A second run over the same topic adds nothing: it resumes from the stored offsets.
  ChildProcess again = start_run(dir, config, "again");
  std::this_thread::sleep_for(8s);
  again.signal(SIGTERM);
  ASSERT_EQ(again.wait(30s), 0);
  EXPECT_EQ(testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir).size(),
            expected.count);
  EXPECT_EQ(testing::verify_store(dir.file("run-store")).events, by_run.events);
  std::string again_err = testing::read_file(dir.file("again.err"));
  EXPECT_NE(again_err.find("the store's"), std::string::npos) << again_err;
  EXPECT_NE(again_err.find("stopped: 0 records"), std::string::npos) << again_err;
}

// A generated stream of 12,000 records split in two halves (first.jsonl, second.jsonl), with
// the registry and the alerts `replay` stores for the whole of it: the reference of the fault
// tests that produce the second half only after the fault.
struct TwoHalves {
  std::string registry;
  AlertSummary expected;
  uint64_t expected_events = 0;
};

TwoHalves two_halves(const TempDir& dir) {
  TwoHalves out;
  auto gen = testing::run_agentwatch({"gen", "--out", dir.file("gen"), "--events", "12000",
                                      "--agents", "200", "--violations-per-rule", "4"});
  EXPECT_EQ(gen.exit_code, 0) << gen.err;
  const std::string events = dir.file("gen") + "/events.jsonl";
  out.registry = dir.file("gen") + "/registry.yaml";
  auto replay = testing::run_agentwatch(
      {"replay", "--registry", out.registry, "--store", dir.file("replay-store"), events});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  out.expected = stored_alerts(dir.file("replay-store"));
  out.expected_events = testing::verify_store(dir.file("replay-store")).events;
  std::ifstream in(events);
  std::ofstream first(dir.file("first.jsonl")), second(dir.file("second.jsonl"));
  size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) (n < 6000 ? first : second) << line << "\n";
  return out;
}

// The broker goes away mid-stream and comes back (issue 8's faults): run keeps going, and once
// the broker is back every record is stored once and every alert reaches the feed once —
// alerts raised while it was down wait in the store's outbox.
TEST(KafkaRun, RidesOutTheBrokerGoingDownAndComingBack) {
  TempDir dir;
  // Two halves: the second is produced only once the broker is back.
  const TwoHalves stream = two_halves(dir);
  const std::string& registry = stream.registry;
  const AlertSummary& expected = stream.expected;
  ASSERT_GT(expected.count, 20u);

  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(
      testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("first.jsonl"), dir));
  std::string config = testing::write_run_config(dir, "run.yaml", registry, dir.file("run-store"));
  ChildProcess run = start_run(dir, config, "run");
  std::vector<std::string> feed;
  ASSERT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return !feed.empty();
      },
      60s))
      << testing::read_file(dir.file("run.err"));
  broker.signal(SIGUSR1);
  std::this_thread::sleep_for(6s);  // longer than the commit interval and a fetch timeout
  EXPECT_TRUE(run.running()) << testing::read_file(dir.file("run.err"));
  broker.signal(SIGUSR2);
  ASSERT_TRUE(testing::eventually(
      [&] {
        return testing::read_file(dir.file("broker.err")).find("broker: up again") !=
               std::string::npos;
      },
      10s));
  // kcat gives up on a broker it cannot reach: produce once the broker answers again.
  ASSERT_TRUE(testing::eventually(
      [&] {
        return testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("second.jsonl"),
                                     dir);
      },
      30s));
  bool all_arrived = testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return feed.size() >= expected.count;
      },
      90s);
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait(30s), 0) << testing::read_file(dir.file("run.err"));
  ASSERT_TRUE(all_arrived) << feed.size() << " of " << expected.count << " alerts\n"
                           << testing::read_file(dir.file("run.err"))
                           << testing::read_file(dir.file("broker.err"));
  EXPECT_NE(testing::read_file(dir.file("broker.err")).find("broker: down"), std::string::npos);
  feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
  EXPECT_EQ(summarize(feed), expected);
  EXPECT_EQ(stored_alerts(dir.file("run-store")), expected);
  store::VerifyReport by_run = testing::verify_store(dir.file("run-store"));
  EXPECT_TRUE(by_run.ok);
  EXPECT_EQ(by_run.events, stream.expected_events);
}

// The store's disk fills up mid-stream (issue 8's faults): run pauses without committing any
// offset past what the store holds, says so, and once space is freed resumes where the store
// left off; in the end every record is stored once and every alert is in the store once and on
// the feed (by id: alerts whose delivery was in doubt are sent again).
TEST(KafkaRun, PausesWhenTheStoreDiskIsFullAndResumesWithNothingLost) {
  TempDir dir;
  SmallDisk disk(dir.file("disk"), 24);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  // Two halves: the second is produced once the disk is full.
  const TwoHalves stream = two_halves(dir);
  const std::string& registry = stream.registry;
  const AlertSummary& expected = stream.expected;
  ASSERT_GT(expected.count, 20u);

  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(
      testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("first.jsonl"), dir));
  const std::string store = dir.file("disk") + "/store";
  std::string config = testing::write_run_config(
      dir, "run.yaml", registry, store + "\n  resume_free_mb: 4", "metrics:\n  port: 0\n");
  ChildProcess run = start_run(dir, config, "run");
  std::vector<std::string> feed;
  ASSERT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return !feed.empty();
      },
      60s))
      << testing::read_file(dir.file("run.err"));

  ASSERT_GT(disk.fill("filler"), 0u);
  ASSERT_TRUE(
      testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("second.jsonl"), dir));
  ASSERT_TRUE(testing::eventually(
      [&] {
        return testing::read_file(dir.file("run.err")).find("the disk is full") !=
               std::string::npos;
      },
      60s))
      << testing::read_file(dir.file("run.err"));
  // Paused, not stopped, and says so on /metrics.
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(run.running()) << testing::read_file(dir.file("run.err"));
  std::string log = testing::read_file(dir.file("run.err"));
  size_t at = log.find("metrics on http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << log;
  int port = std::atoi(log.c_str() + at + std::string("metrics on http://127.0.0.1:").size());
  httplib::Client client("127.0.0.1", port);
  auto scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_NE(scraped->body.find("agentwatch_ingestion_paused 1"), std::string::npos)
      << scraped->body;

  disk.free("filler");
  ASSERT_TRUE(testing::eventually(
      [&] {
        return testing::read_file(dir.file("run.err")).find("ingestion resumed") !=
               std::string::npos;
      },
      30s))
      << testing::read_file(dir.file("run.err"));
  bool all_arrived = testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return summarize(feed).ids == expected.ids;
      },
      90s);
  scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_NE(scraped->body.find("agentwatch_ingestion_paused 0"), std::string::npos)
      << scraped->body;
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait(30s), 0) << testing::read_file(dir.file("run.err"));
  ASSERT_TRUE(all_arrived) << summarize(feed).ids.size() << " of " << expected.ids.size()
                           << " alert ids\n"
                           << testing::read_file(dir.file("run.err"));
  feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
  const AlertSummary fed = summarize(feed);
  EXPECT_EQ(fed.ids, expected.ids);
  EXPECT_EQ(std::set<std::string>(fed.gaps.begin(), fed.gaps.end()),
            std::set<std::string>(expected.gaps.begin(), expected.gaps.end()));
  EXPECT_EQ(stored_alerts(store), expected);
  store::VerifyReport by_run = testing::verify_store(store);
  EXPECT_TRUE(by_run.ok);
  EXPECT_EQ(by_run.events, stream.expected_events);
}

// The registry topic is read whole before any audit record, and updates that arrive while
// running apply at once, re-judging stored events (retro alerts on the feed).
TEST(KafkaRun, AppliesTheRegistryTopicAtStartAndWhileRunning) {
  TempDir dir;
  const std::string source = AW_SOURCE_DIR;
  std::ifstream incident(source + "/examples/incident.jsonl");
  std::ofstream audit(dir.file("audit.jsonl")), updates(dir.file("updates.jsonl"));
  // Malformed registry records and updates about entities the registry does not hold come
  // first (issue 8's faults): each is refused and logged, and the good updates after them apply.
  const char* bad_updates[] = {
      "not json at all",
      R"({"registry_update":{"op":"frobnicate","kind":"agent","id":"agent-0421","at":"2026-11-20T09:00:00Z"}})",
      R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-nobody-has","at":"2026-11-20T09:00:00Z"}})",
      R"({"registry_update":{"op":"upsert","kind":"agent","id":"agent-x","at":"yesterday"}})",
      R"({"registry_update":{"op":"revoke","kind":"spaceship","id":"s-1","at":"2026-11-20T09:00:00Z"}})",
  };
  for (const char* bad : bad_updates) updates << bad << "\n";
  for (std::string line; std::getline(incident, line);) {
    (line.rfind("{\"registry_update\"", 0) == 0 ? updates : audit) << line << "\n";
  }
  audit.close();
  updates.close();
  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(testing::kcat_produce(broker.bootstrap(), "agentwatch-registry",
                                    dir.file("updates.jsonl"), dir));
  ASSERT_TRUE(
      testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("audit.jsonl"), dir));
  std::string config = testing::write_run_config(
      dir, "run.yaml", source + "/examples/registry.yaml", dir.file("store"));
  ChildProcess run = start_run(dir, config, "run");
  auto has = [&](const std::vector<std::string>& feed, const std::string& rule,
                 const std::string& event, bool retro) {
    for (const std::string& a : feed) {
      if (testing::json_field(a, "rule") == rule && testing::json_field(a, "event_id") == event &&
          (a.find("\"retro\":true") != std::string::npos) == retro) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> feed;
  // The revocation (10:20) came from the registry topic before the events: the later use of the
  // token is judged post-revocation as it arrives, not retro. (evt-0008, with "ts" twice, is one
  // of the incident's bad records.)
  EXPECT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return has(feed, "post-revocation", "evt-0006", false) &&
               has(feed, "freeze-violation", "evt-7f3a", false);
      },
      60s))
      << testing::read_file(dir.file("run.err"));
  // A revocation recorded late, while running: tok-7a11 revoked from 09:00, so its use at 09:05
  // (stored already) is re-judged and raises a retro alert.
  dir.write(
      "late.jsonl",
      "{\"registry_update\": truncated\n"
      R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-7a11","at":"2026-11-20T09:00:00Z","body":{"reason":"leaked"}}})"
      "\n");
  ASSERT_TRUE(testing::kcat_produce(broker.bootstrap(), "agentwatch-registry",
                                    dir.file("late.jsonl"), dir));
  EXPECT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return has(feed, "post-revocation", "evt-0001", true);
      },
      30s))
      << testing::read_file(dir.file("run.err"));
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(30s), 0);
  // Every bad registry record was refused on its own line, naming its offset; none stopped run.
  std::string err = testing::read_file(dir.file("run.err"));
  size_t refused = 0;
  for (size_t at = err.find("registry topic: update at offset"); at != std::string::npos;
       at = err.find("registry topic: update at offset", at + 1)) {
    ++refused;
  }
  EXPECT_EQ(refused, std::size(bad_updates) + 1) << err;
}

// Feed suppression: repeats of a rule for one agent and resource within the window reach the
// feed once; the store keeps every alert.
TEST(KafkaRun, SuppressionFoldsRepeatsOnTheFeedOnlyAndTheStoreKeepsThemAll) {
  TempDir dir;
  const std::string source = AW_SOURCE_DIR;
  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(testing::kcat_produce(broker.bootstrap(), "agent-audit",
                                    source + "/examples/incident.jsonl", dir));
  std::string config = testing::write_run_config(
      dir, "run.yaml", source + "/examples/registry.yaml", dir.file("store"));
  {
    std::string text = testing::read_file(config);
    text.replace(text.find("  topic: agentwatch-alerts\n"), 27,
                 "  topic: agentwatch-alerts\n  suppress_window: 1h\n");
    dir.write("run.yaml", text);
  }
  ChildProcess run = start_run(dir, config, "run");
  // agent-0421 used its static token on db:prod/orders four times within 25 minutes: four
  // long-lived-credential alerts in the store, one on the feed.
  auto count = [](const std::vector<std::string>& alerts, const std::string& rule) {
    size_t n = 0;
    for (const std::string& a : alerts) {
      n += testing::json_field(a, "rule") == rule &&
           testing::json_field(a, "resource") == "db:prod/orders";
    }
    return n;
  };
  std::vector<std::string> feed;
  EXPECT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        return count(feed, "freeze-violation") >= 1;
      },
      60s));
  std::this_thread::sleep_for(2s);  // anything held back would have arrived by now
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait(30s), 0) << testing::read_file(dir.file("run.err"));
  feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
  EXPECT_EQ(count(feed, "long-lived-credential"), 1u);
  store::StoreOptions options;
  options.path = dir.file("store");
  options.read_only = true;
  auto stored = store::EvidenceStore::open(options);
  ASSERT_TRUE(stored.ok());
  store::AlertQuery query;
  query.rule = "long-lived-credential";
  query.agent = "agent-0421";
  query.limit = 0;
  auto alerts = stored->alerts(query);
  ASSERT_TRUE(alerts.ok());
  std::vector<std::string> json;
  for (const store::StoredAlert& a : *alerts) json.push_back(a.json);
  EXPECT_EQ(count(json, "long-lived-credential"), 4u);
}

// A real log format on topics named by a regex: CloudTrail, one event per message, with its
// source mapping.
// The log records the key's deletion itself; the later use of the key is post-revocation.
TEST(KafkaRun, DecodesEachTopicInItsFormatWithItsMapping) {
  TempDir dir;
  auto event = [](const std::string& id, const std::string& time, const std::string& name,
                  const std::string& user, const std::string& key, const std::string& params) {
    return R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/)" +
           user + R"(","accountId":"111122223333","accessKeyId":")" + key + R"("},"eventTime":")" +
           time + R"(","eventSource":")" + (name == "DeleteAccessKey" ? "iam" : "s3") +
           R"(.amazonaws.com","eventName":")" + name + R"(","requestParameters":)" + params +
           R"(,"eventID":")" + id + R"(","readOnly":false,"recipientAccountId":"111122223333"})";
  };
  dir.write(
      "trail.jsonl",
      event("ev-1", "2026-11-20T09:10:00Z", "GetObject", "ci-bot", "AKIACIBOT0000000001",
            R"({"bucketName":"reports"})") +
          "\n" +
          event("ev-2", "2026-11-20T09:20:00Z", "DeleteAccessKey", "alice", "AKIAALICE0000000001",
                R"({"userName":"ci-bot","accessKeyId":"AKIACIBOT0000000001"})") +
          "\n" +
          event("ev-3", "2026-11-20T09:30:00Z", "PutObject", "ci-bot", "AKIACIBOT0000000001",
                R"({"bucketName":"reports"})") +
          "\n");
  std::string registry = dir.write("registry.yaml", R"(
agents:
  - id: agent-ci
    owner: team-platform
    kind: agent
    status: active
    scopes:
      - tools: ["s3:*"]
        classes: [read, write]
        resources: ["**"]
        envs: [prod]
credentials:
  - id: AKIACIBOT0000000001
    agent: agent-ci
    kind: jit
    env: prod
    issued_at: 2026-11-20T09:00:00Z
    expires_at: 2026-11-20T10:00:00Z
)");
  std::string mapping = dir.write("mapping.yaml", R"(
format: cloudtrail
env:
  accounts: {"111122223333": prod}
actors:
  - identity: "arn:aws:iam::111122223333:user/ci-bot"
    actor: agent-ci
    type: agent
)");
  BrokerProcess broker;
  ASSERT_TRUE(broker.start(dir));
  ASSERT_TRUE(
      testing::kcat_produce(broker.bootstrap(), "agent-audit", dir.file("trail.jsonl"), dir));
  std::string config = testing::write_run_config(dir, "run.yaml", registry, dir.file("store"));
  {
    std::string text = testing::read_file(config);
    text.replace(text.find("  - topic: agent-audit\n"), 23,
                 "  - topic: \"^agent-aud.*\"\n    format: cloudtrail\n    mapping: " + mapping +
                     "\n");  // a regex subscription, matched to its entry by RE2
    dir.write("run.yaml", text);
  }
  ChildProcess run = start_run(dir, config, "run");
  std::vector<std::string> feed;
  EXPECT_TRUE(testing::eventually(
      [&] {
        feed = testing::kcat_read(broker.bootstrap(), "agentwatch-alerts", dir);
        for (const std::string& a : feed) {
          if (testing::json_field(a, "rule") == "post-revocation" &&
              testing::json_field(a, "event_id") == "ev-3") {
            return true;
          }
        }
        return false;
      },
      60s))
      << testing::read_file(dir.file("run.err"));
  for (const std::string& a : feed) {
    EXPECT_FALSE(testing::json_field(a, "rule") == "post-revocation" &&
                 testing::json_field(a, "event_id") == "ev-1")
        << a;
  }
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(30s), 0);
  EXPECT_TRUE(testing::kcat_read(broker.bootstrap(), "agentwatch-dlq", dir).empty());
}

}  // namespace
}  // namespace aw
