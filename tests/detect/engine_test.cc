#include "detect/engine.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "detect/registry_loader.h"
#include "ingest/native_decoder.h"
#include "ingest/timestamp.h"
#include "rules/action_class_table.h"

namespace aw::detect {
namespace {

int64_t t(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

constexpr std::string_view kRegistry = R"(
policy: {snapshot_required_envs: [prod], approval_required_envs: [prod]}
agents:
  - id: agent-1
    owner: team-a
    kind: agent
    scopes: [{tools: ["sql.*"], envs: [dev, prod]}]
credentials:
  - {id: tok-1, agent: agent-1, kind: jit, env: dev, issued_at: 2026-11-20T09:00:00Z,
     expires_at: 2026-11-20T10:00:00Z}
)";

std::string event(std::string_view id, std::string_view ts, std::string_view actor = "agent-1",
                  std::string_view extra = "") {
  // Only agent-1 holds tok-1; anyone else using it would (rightly) be a shared credential.
  std::string credential = actor == "agent-1" ? R"("credential":{"id":"tok-1"},)" : "";
  return R"({"ts":")" + std::string(ts) + R"(","id":")" + std::string(id) +
         R"(","source":"gw","actor":{"id":")" + std::string(actor) + R"("},)" + credential +
         R"("action":{"tool":"sql.execute","verb":"SELECT"},)"
         R"("resource":{"name":"db:dev/t"},"env":"dev")" +
         std::string(extra) + "}";
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rules = rules::RuleSet::load({});
    ASSERT_TRUE(rules.ok()) << rules.status().message();
    rules_.emplace(std::move(rules.value()));
    auto registry = parse_registry(kRegistry, "r.yaml");
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_.emplace(std::move(registry.value()));
    EngineOptions options;
    options.detected_at_us = t("2026-11-21T00:00:00Z");
    engine_.emplace(*rules_, *registry_, options);
  }

  // Decodes `lines` into a fresh batch and runs it; returns "rule@event_id" per alert.
  std::vector<std::string> run(const std::vector<std::string>& lines) {
    text_.clear();
    for (const auto& line : lines) text_ += line + "\n";
    text_.append(ingest::kRecordPadding, '\0');
    std::vector<ingest::RecordRef> records;
    size_t start = 0;
    const size_t end = text_.size() - ingest::kRecordPadding;
    for (uint64_t line = 1; start < end; ++line) {
      size_t nl = text_.find('\n', start);
      records.push_back(
          ingest::RecordRef{{text_.data() + start, nl - start}, nl - start, {line, start, -1}});
      start = nl + 1;
    }
    auto decoder = ingest::NativeDecoder::make({});
    batch_.clear();
    decoder->decode(records, batch_);
    EXPECT_TRUE(batch_.dead_letters.empty());
    rules::ActionClassifier(rules::ActionClassTable::builtin()).classify(batch_);
    alerts_.clear();
    engine_->process(batch_, "test", alerts_);
    std::vector<std::string> fired;
    for (const Alert& alert : alerts_.alerts) {
      fired.push_back(rules_->rules()[alert.rule_index].id + "@" +
                      std::string(batch_.events[alert.event_index].id));
    }
    return fired;
  }

  std::optional<rules::RuleSet> rules_;
  std::optional<Registry> registry_;
  std::optional<Engine> engine_;
  std::string text_;
  ingest::EventBatch batch_;
  AlertBuffer alerts_;
};

TEST_F(EngineTest, CleanEventRaisesNothing) {
  EXPECT_TRUE(run({event("e1", "2026-11-20T09:10:00Z")}).empty());
}

TEST_F(EngineTest, DuplicatesAreJudgedAndAlertedOnce) {
  auto fired = run({event("e1", "2026-11-20T09:10:00Z", "stranger"),
                    event("e1", "2026-11-20T09:10:00Z", "stranger"),
                    event("e2", "2026-11-20T09:10:01Z", "stranger")});
  EXPECT_EQ(fired, (std::vector<std::string>{"unregistered-actor@e1", "unregistered-actor@e2"}));
  EXPECT_EQ(engine_->counters().duplicates, 1u);
  EXPECT_TRUE(batch_.events[1].duplicate);
  // Across batches too.
  EXPECT_TRUE(run({event("e2", "2026-11-20T09:10:01Z", "stranger")}).empty());
}

TEST_F(EngineTest, LateUpdateAsksForARecheckAndRejudgeMarksRetro) {
  EXPECT_TRUE(run({event("e1", "2026-11-20T09:40:00Z")}).empty());
  auto fired = run(
      {R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-1","at":"2026-11-20T09:35:00Z"}})",
       event("e2", "2026-11-20T09:36:00Z")});
  EXPECT_EQ(fired, (std::vector<std::string>{"post-revocation@e2"}));
  ASSERT_EQ(engine_->rechecks().size(), 1u);
  EXPECT_EQ(engine_->rechecks()[0].kind, "credential");
  EXPECT_EQ(engine_->rechecks()[0].id, "tok-1");
  EXPECT_EQ(engine_->rechecks()[0].from_us, t("2026-11-20T09:35:00Z"));

  // The store would hand e1 back; re-judged, it raises a retro alert.
  run({event("e1", "2026-11-20T09:40:00Z")});  // the stored copy, decoded again
  alerts_.clear();
  engine_->rejudge(batch_.events[0], 0, alerts_);
  ASSERT_EQ(alerts_.alerts.size(), 1u);
  EXPECT_TRUE(alerts_.alerts[0].retro);
  EXPECT_EQ(rules_->rules()[alerts_.alerts[0].rule_index].id, "post-revocation");
}

TEST_F(EngineTest, UpdateEffectiveAfterEverythingSeenNeedsNoRecheck) {
  run({event("e1", "2026-11-20T09:10:00Z"),
       R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-1","at":"2026-11-20T09:35:00Z"}})"});
  EXPECT_TRUE(engine_->rechecks().empty());
}

TEST_F(EngineTest, RefusedUpdatesAreReportedAndChangeNothing) {
  run({R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-none","at":"2026-11-20T09:35:00Z"}})"});
  ASSERT_EQ(engine_->rejected_updates().size(), 1u);
  EXPECT_NE(engine_->rejected_updates()[0].message.find("tok-none"), std::string::npos);
  EXPECT_EQ(engine_->counters().rejected_updates, 1u);
}

TEST_F(EngineTest, AlertIdsAreStablePerRuleAndEvent) {
  run({event("e1", "2026-11-20T09:10:00Z", "stranger")});
  ASSERT_EQ(alerts_.alerts.size(), 1u);
  AlertId first = alerts_.alerts[0].id;
  SetUp();  // a new engine, as after a restart
  run({event("e1", "2026-11-20T09:10:00Z", "stranger")});
  ASSERT_EQ(alerts_.alerts.size(), 1u);
  EXPECT_EQ(alerts_.alerts[0].id, first);
  run({event("e9", "2026-11-20T09:10:00Z", "stranger")});
  EXPECT_NE(alerts_.alerts[0].id, first);
  EXPECT_NE(make_alert_id("out-of-scope", batch_.events[0]), alerts_.alerts[0].id);
}

TEST_F(EngineTest, NativeAlertCarriesTheContractFields) {
  run({event("e1", "2026-11-20T10:30:00Z")});  // after the credential's expiry
  ASSERT_EQ(alerts_.alerts.size(), 1u);
  std::string json;
  render_alert(AlertFormat::kNative, alerts_.alerts[0],
               rules_->rules()[alerts_.alerts[0].rule_index], batch_.events[0], &json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::string_view s;
  EXPECT_EQ(doc["rule"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "expired-credential");
  EXPECT_EQ(doc["event_id"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "e1");
  EXPECT_EQ(doc["event_time"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "2026-11-20T10:30:00.000000Z");
  EXPECT_EQ(doc["detected_at"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "2026-11-21T00:00:00.000000Z");
  EXPECT_EQ(doc["agent"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "agent-1");
  EXPECT_EQ(doc["credential"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "tok-1");
  EXPECT_EQ(doc["action"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "sql.execute SELECT");
  EXPECT_EQ(doc["facts"]["credential.expires_at"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "2026-11-20T10:00:00.000000Z");
  EXPECT_EQ(doc["evidence"].at(0).get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "gw/e1");
  bool retro = true;
  EXPECT_EQ(doc["retro"].get(retro), simdjson::SUCCESS);
  EXPECT_FALSE(retro);
  EXPECT_EQ(doc["alert_id"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s.size(), 32u);
}

TEST_F(EngineTest, OcsfAlertIsADetectionFinding) {
  run({event("e1", "2026-11-20T09:10:00Z", "stranger")});
  ASSERT_EQ(alerts_.alerts.size(), 1u);
  std::string json;
  render_alert(AlertFormat::kOcsf, alerts_.alerts[0], rules_->rules()[alerts_.alerts[0].rule_index],
               batch_.events[0], &json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  int64_t n = 0;
  EXPECT_EQ(doc["class_uid"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, 2004);
  EXPECT_EQ(doc["type_uid"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, 200401);
  std::string_view s;
  EXPECT_EQ(doc["finding_info"]["analytic"]["uid"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "unregistered-actor");
  EXPECT_EQ(doc["actor"]["user"]["uid"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "stranger");
  EXPECT_EQ(doc["resources"].at(0)["uid"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "db:dev/t");
}

}  // namespace
}  // namespace aw::detect
