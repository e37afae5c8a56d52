// Retro re-judgment through the store, wired the way replay and the Kafka consumer do it: a late
// revocation asks the engine for a recheck, the store hands back the credential's events from
// the effective time on, the engine re-judges them, and the new alerts are stored as retro.
#include <gtest/gtest.h>

#include <optional>

#include "detect/engine.h"
#include "detect/registry_loader.h"
#include "ingest/timestamp.h"
#include "rules/rule_set.h"
#include "store/alert_records.h"
#include "store/evidence_store.h"
#include "tests/store/store_testing.h"

namespace aw::store {
namespace {

constexpr std::string_view kRegistry = R"(
agents:
  - id: agent-1
    owner: team-a
    kind: agent
    scopes: [{tools: ["sql.*"], envs: [dev]}]
credentials:
  - {id: tok-1, agent: agent-1, kind: jit, env: dev, issued_at: 2026-11-20T09:00:00Z,
     expires_at: 2026-11-20T10:00:00Z}
)";

std::string event(std::string_view id, std::string_view ts) {
  return R"({"ts":")" + std::string(ts) + R"(","id":")" + std::string(id) +
         R"(","source":"gw","actor":{"id":"agent-1"},"credential":{"id":"tok-1"},)"
         R"("action":{"tool":"sql.execute","verb":"SELECT"},"resource":{"name":"db:dev/t"},"env":"dev"})";
}

TEST(RetroTest, ALateRevocationRaisesRetroAlertsForStoredEventsFromItsTimeOnOnly) {
  aw::testing::TempDir dir;
  auto rules = rules::RuleSet::load({});
  ASSERT_TRUE(rules.ok());
  auto registry = detect::parse_registry(kRegistry, "r.yaml");
  ASSERT_TRUE(registry.ok());
  detect::EngineOptions engine_options;
  ASSERT_TRUE(ingest::parse_rfc3339("2026-11-21T00:00:00Z", &engine_options.detected_at_us));
  detect::Engine engine(*rules, *registry, engine_options);
  StoreOptions options;
  options.path = dir.file("store");
  auto store = EvidenceStore::open(options);
  ASSERT_TRUE(store.ok());

  AlertRecordBuilder records;
  detect::AlertBuffer alerts;
  auto process = [&](const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    auto corpus = testing::decode_text(text, 100);
    ingest::EventBatch& batch = corpus->batches[0];
    alerts.clear();
    engine.process(batch, "in", alerts);
    WriteInput input;
    input.events = batch.events;
    input.origin = "in";
    input.alerts = records.build(alerts, *rules, batch.events);
    ASSERT_TRUE(store->write(input).ok());
    // Late updates: make the batch visible, then re-judge what the store holds.
    for (const detect::RecheckRequest& recheck : engine.rechecks()) {
      ASSERT_TRUE(store->flush().ok());
      TimelineQuery q;
      q.kind = recheck.kind == "agent"        ? TimelineKind::kAgent
               : recheck.kind == "credential" ? TimelineKind::kCredential
                                              : TimelineKind::kAll;
      q.value = recheck.id;
      q.from_us = recheck.from_us;
      auto cursor = store->scan(q);
      ASSERT_TRUE(cursor.ok());
      std::vector<ingest::Event> events;
      while (*cursor->next(&events)) {
        alerts.clear();
        for (uint32_t i = 0; i < events.size(); ++i) engine.rejudge(events[i], i, alerts);
        WriteInput retro;
        retro.alerts = records.build(alerts, *rules, events);
        ASSERT_TRUE(store->write(retro).ok());
      }
    }
    engine.clear_rechecks();
    ASSERT_TRUE(store->flush().ok());
  };
  process({event("e1", "2026-11-20T09:10:00Z"), event("e2", "2026-11-20T09:20:00Z"),
           event("e3", "2026-11-20T09:40:00Z"), event("e4", "2026-11-20T09:50:00Z")});
  AlertQuery q;
  q.rule = "post-revocation";
  EXPECT_TRUE(store->alerts(q)->empty());
  process(
      {R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-1","at":"2026-11-20T09:35:00Z"}})",
       event("e5", "2026-11-20T09:55:00Z")});
  auto found = store->alerts(q);
  ASSERT_TRUE(found.ok());
  std::map<std::string, bool> retro_by_event;
  for (const StoredAlert& a : *found) retro_by_event[a.event_key] = a.retro;
  EXPECT_EQ(retro_by_event,
            (std::map<std::string, bool>{{"gw/e3", true}, {"gw/e4", true}, {"gw/e5", false}}));
  auto e3 = store->event("e3");
  ASSERT_TRUE(e3.ok());
  ASSERT_EQ(e3->alerts.size(), 1u);
  EXPECT_NE(e3->alerts[0].json.find("\"retro\":true"), std::string::npos);
  auto report = store->verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

}  // namespace
}  // namespace aw::store
