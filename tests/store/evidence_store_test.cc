#include "store/evidence_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <map>
#include <random>
#include <set>

#include "detect/alert.h"
#include "ingest/timestamp.h"
#include "tests/store/store_testing.h"

namespace aw::store {
namespace {

using testing::brute_force;
using testing::DecodedCorpus;
using testing::event_key;

int64_t t(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

StoreOptions small_options(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.group_events = 4096;  // several store batches per test corpus
  options.write_buffer_bytes = 4 << 20;
  options.block_cache_bytes = 8 << 20;
  return options;
}

// Writes every batch of `corpus` with a position after each; returns the store.
EvidenceStore write_corpus(const DecodedCorpus& corpus, const StoreOptions& options) {
  auto store = EvidenceStore::open(options);
  EXPECT_TRUE(store.ok()) << store.status().to_string();
  for (size_t b = 0; b < corpus.batches.size(); ++b) {
    PositionRecord position{"events.jsonl", corpus.end_offsets[b]};
    Status written = store->write(testing::input_of(corpus.batches[b], "events.jsonl", &position));
    EXPECT_TRUE(written.ok()) << written.to_string();
  }
  Status flushed = store->flush();
  EXPECT_TRUE(flushed.ok()) << flushed.to_string();
  return std::move(store.value());
}

std::vector<std::pair<int64_t, std::string>> keys_of(const Timeline& timeline) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const StoredEvent& e : timeline.events) out.emplace_back(e.event.ts_us, event_key(e.event));
  return out;
}

// The most frequent values of a field, and a few rare ones.
std::vector<std::string> sample_values(const std::vector<const ingest::Event*>& events,
                                       TimelineKind kind, size_t n) {
  std::map<std::string, size_t> counts;
  for (const ingest::Event* e : events) {
    std::string_view v = testing::field_of(*e, kind);
    if (!v.empty()) ++counts[std::string(v)];
  }
  std::vector<std::pair<size_t, std::string>> by_count;
  for (auto& [v, c] : counts) by_count.emplace_back(c, v);
  std::sort(by_count.rbegin(), by_count.rend());
  std::vector<std::string> out;
  for (size_t i = 0; i < by_count.size() && out.size() < n; ++i) out.push_back(by_count[i].second);
  for (size_t i = by_count.size(); i > 0 && out.size() < 2 * n;
       i -= std::max<size_t>(1, by_count.size() / n)) {
    out.push_back(by_count[i - 1].second);
  }
  return out;
}

class EvidenceStoreTest : public ::testing::Test {
 protected:
  aw::testing::TempDir dir_;
};

TEST_F(EvidenceStoreTest, TimelinesEqualABruteForceScanOfTheSameEvents) {
  auto corpus = testing::generated(dir_, 20000, 1000);
  auto events = testing::unique_events(*corpus);
  StoreOptions options = small_options(dir_.file("store"));
  EvidenceStore store = write_corpus(*corpus, options);
  EXPECT_EQ(store.counters().events, events.size());
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const ingest::Event* e : events) {
    first = std::min(first, e->ts_us);
    last = std::max(last, e->ts_us);
  }
  std::mt19937_64 rng(3);
  int checked = 0;
  for (TimelineKind kind : {TimelineKind::kAgent, TimelineKind::kCredential,
                            TimelineKind::kResource, TimelineKind::kSession, TimelineKind::kTask}) {
    for (const std::string& value : sample_values(events, kind, 4)) {
      TimelineQuery q;
      q.kind = kind;
      q.value = value;
      q.limit = 0;
      for (int range = 0; range < 3; ++range) {
        if (range > 0) {
          int64_t a = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first + 1));
          int64_t b = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first + 1));
          q.from_us = std::min(a, b);
          q.to_us = std::max(a, b) + 1;
        }
        auto expected = brute_force(events, q);
        q.newest_first = false;
        auto oldest = store.timeline(q);
        ASSERT_TRUE(oldest.ok()) << oldest.status().to_string();
        auto got = keys_of(*oldest);
        // Equal ts may come in either order; the sequence of times is exact.
        std::vector<std::pair<int64_t, std::string>> sorted_got = got;
        std::sort(sorted_got.begin(), sorted_got.end());
        EXPECT_EQ(sorted_got, expected) << timeline_kind_name(kind) << " " << value;
        for (size_t i = 0; i + 1 < got.size(); ++i) ASSERT_LE(got[i].first, got[i + 1].first);

        q.newest_first = true;
        q.limit = 7;
        auto newest = store.timeline(q);
        ASSERT_TRUE(newest.ok());
        ASSERT_EQ(newest->events.size(), std::min<size_t>(7, expected.size()));
        for (size_t i = 0; i < newest->events.size(); ++i) {
          EXPECT_EQ(newest->events[i].event.ts_us, expected[expected.size() - 1 - i].first);
          EXPECT_EQ(testing::field_of(newest->events[i].event, kind), value);
        }
        q.limit = 0;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 50);
}

// Index and filter blocks are charged to the block cache, so the table readers hold next to
// nothing outside it however many events are stored (the soak's RSS growth). Held by the table
// readers instead, the ids family's bloom filter alone is ~1.25 bytes per event (10 bits a key).
TEST_F(EvidenceStoreTest, IndexAndFilterBlocksLiveInTheBlockCache) {
  auto corpus = testing::generated(dir_, 100000, 5000);
  const auto unique = testing::unique_events(*corpus);
  const size_t events = unique.size();
  StoreOptions options = small_options(dir_.file("store"));
  EvidenceStore store = write_corpus(*corpus, options);
  ASSERT_TRUE(store.flush_to_disk().ok());
  auto disk = store.disk_usage();
  ASSERT_TRUE(disk.ok());
  ASSERT_GT(disk->ids, 0u) << "the ids family is in table files";
  // One look-up loads index and filter blocks through the cache.
  ASSERT_TRUE(store.event(testing::event_key(*unique.front())).ok());
  auto memory = store.memory_usage();
  ASSERT_TRUE(memory.ok()) << memory.status().to_string();
  EXPECT_LT(static_cast<double>(memory->table_readers), 0.25 * static_cast<double>(events))
      << memory->table_readers << " bytes in table readers for " << events << " events";
  EXPECT_GT(memory->block_cache, 0u);
}

TEST_F(EvidenceStoreTest, StoredEventsDecodeToTheirNormalizedFieldsAndRawBytes) {
  auto corpus = testing::generated(dir_, 3000, 500);
  EvidenceStore store = write_corpus(*corpus, small_options(dir_.file("store")));
  for (const ingest::Event* e : testing::unique_events(*corpus)) {
    if (e->id.empty()) continue;
    auto found = store.event(event_key(*e));
    ASSERT_TRUE(found.ok()) << found.status().to_string();
    const ingest::Event& s = found->stored.event;
    EXPECT_EQ(s.raw, e->raw);
    EXPECT_EQ(s.ts_us, e->ts_us);
    EXPECT_EQ(s.actor_id, e->actor_id);
    EXPECT_EQ(s.credential_id, e->credential_id);
    EXPECT_EQ(s.resource_name, e->resource_name);
    EXPECT_EQ(s.action_class, e->action_class);
    EXPECT_EQ(s.outcome, e->outcome);
    EXPECT_EQ(s.seq, e->seq);
    EXPECT_EQ(s.position.offset, e->position.offset);
    EXPECT_EQ(found->stored.origin, "events.jsonl");
    EXPECT_EQ(found->key, event_key(*e));
  }
}

TEST_F(EvidenceStoreTest, FindsEventsBySourceAndIdOrByABareIdAndSaysWhenAmbiguous) {
  std::string text =
      R"({"ts":"2026-11-20T10:00:00Z","id":"evt-1","source":"gw-a","actor":{"id":"agent-1"},"action":{"tool":"x"}})"
      "\n"
      R"({"ts":"2026-11-20T10:00:01Z","id":"evt-2","source":"gw-a","actor":{"id":"agent-1"},"action":{"tool":"x"}})"
      "\n"
      R"({"ts":"2026-11-20T10:00:02Z","id":"evt-2","source":"gw/b","actor":{"id":"agent-2"},"action":{"tool":"x"}})"
      "\n"
      R"({"ts":"2026-11-20T10:00:03Z","source":"gw-a","actor":{"id":"agent-3"},"action":{"tool":"no-id"}})"
      "\n";
  auto corpus = testing::decode_text(text, 10);
  EvidenceStore store = write_corpus(*corpus, small_options(dir_.file("store")));
  auto bare = store.event("evt-1");
  ASSERT_TRUE(bare.ok()) << bare.status().to_string();
  EXPECT_EQ(bare->key, "gw-a/evt-1");
  auto ambiguous = store.event("evt-2");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ambiguous.status().message().find("gw/b/evt-2"), std::string::npos);
  auto qualified = store.event("gw/b/evt-2");  // a source holding '/'
  ASSERT_TRUE(qualified.ok()) << qualified.status().to_string();
  EXPECT_EQ(qualified->stored.event.actor_id, "agent-2");
  auto missing = store.event("evt-404");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  // A record without an id is named by its source and the hash of its bytes.
  TimelineQuery q;
  q.value = "agent-3";
  auto timeline = store.timeline(q);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->events.size(), 1u);
  std::string key;
  detect::append_event_key(timeline->events[0].event, &key);
  ASSERT_EQ(key.size(), std::string("gw-a#").size() + 16);
  auto by_hash = store.event(key);
  ASSERT_TRUE(by_hash.ok()) << by_hash.status().to_string();
  EXPECT_EQ(by_hash->key, key);
  EXPECT_EQ(by_hash->stored.event.tool, "no-id");
  EXPECT_EQ(store.event("gw-a#0000000000000000").status().code(), StatusCode::kNotFound);
}

TEST_F(EvidenceStoreTest, RecordsWithTheSameSourceAndIdAreStoredOnce) {
  std::string a =
      R"({"ts":"2026-11-20T10:00:00Z","id":"evt-1","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"x"}})";
  std::string b =
      R"({"ts":"2026-11-20T10:00:01Z","id":"evt-1","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"retry"}})";
  std::string c =
      R"({"ts":"2026-11-20T10:00:02Z","id":"evt-1","source":"other","actor":{"id":"agent-1"},"action":{"tool":"x"}})";
  // The same record twice within a batch, again in a later batch, and once more after a commit.
  auto corpus = testing::decode_text(a + "\n" + b + "\n" + c + "\n" + a + "\n", 2);
  StoreOptions options = small_options(dir_.file("store"));
  options.group_events = 0;  // every input batch is a commit
  EvidenceStore store = write_corpus(*corpus, options);
  EXPECT_EQ(store.counters().events, 2u);
  EXPECT_EQ(store.counters().duplicate_events, 2u);
  TimelineQuery q;
  q.value = "agent-1";
  auto timeline = store.timeline(q);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->events.size(), 2u);
  // The first record wins.
  auto first = store.event("gw/evt-1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->stored.event.tool, "x");
  // Events the engine flagged as duplicates are not even looked up.
  ingest::EventBatch flagged;
  flagged.events = corpus->batches[0].events;
  for (auto& e : flagged.events) e.duplicate = true;
  ASSERT_TRUE(store.write(testing::input_of(flagged, "x", nullptr)).ok());
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(store.counters().events, 2u);
}

// flush() returns only once every submitted commit is written: a commit still on its way from
// the builder to the writer counts as pending (a CI run once saw flush return before it).
TEST_F(EvidenceStoreTest, FlushWaitsForEveryCommitInFlight) {
  StoreOptions options = small_options(dir_.file("store"));
  options.group_events = 0;  // every write is a commit
  auto store = EvidenceStore::open(options);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  constexpr int kRounds = 300;
  for (int round = 0; round < kRounds; ++round) {
    std::string text;
    for (int i = 0; i < 3; ++i) {
      text += R"({"ts":"2026-11-20T10:00:00Z","id":"evt-)" + std::to_string(round * 3 + i) +
              R"(","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"x"}})" + "\n";
    }
    auto corpus = testing::decode_text(text, 1);
    for (const ingest::EventBatch& batch : corpus->batches) {
      ASSERT_TRUE(store->write(testing::input_of(batch, "x", nullptr)).ok());
    }
    ASSERT_TRUE(store->flush().ok());
    ASSERT_EQ(store->counters().events, static_cast<uint64_t>(round * 3 + 3)) << "round " << round;
  }
}

TEST_F(EvidenceStoreTest, RewritingTheSameInputAddsNothing) {
  auto corpus = testing::generated(dir_, 8000, 700);
  StoreOptions options = small_options(dir_.file("store"));
  uint64_t events = 0, batches = 0;
  std::string head;
  {
    EvidenceStore store = write_corpus(*corpus, options);
    events = store.counters().events;
    batches = store.last_batch();
    auto report = store.verify();
    ASSERT_TRUE(report.ok());
    head = report->head;
  }
  for (bool background : {true, false}) {
    options.background_writer = background;
    EvidenceStore again = write_corpus(*corpus, options);
    EXPECT_EQ(again.counters().events, 0u);
    EXPECT_EQ(again.counters().duplicate_events, corpus->all().size());
    EXPECT_EQ(again.last_batch(), batches);  // not even a chain link
    auto report = again.verify();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok);
    EXPECT_EQ(report->head, head);
    EXPECT_EQ(report->events, events);
  }
}

TEST_F(EvidenceStoreTest, KeepsPositionsAndRegistryChangesWithTheirBatch) {
  auto corpus = testing::generated(dir_, 2000, 500);
  StoreOptions options = small_options(dir_.file("store"));
  {
    auto store = EvidenceStore::open(options);
    ASSERT_TRUE(store.ok());
    RegistryChangeRecord load{"load", "registry", "", 0, "agents: []\n"};
    RegistryChangeRecord revoke{"revoke", "credential", "tok-1", t("2026-11-20T01:00:00Z"),
                                R"({"registry_update":{"op":"revoke"}})"};
    PositionRecord position{"events.jsonl", corpus->end_offsets[0]};
    WriteInput input = testing::input_of(corpus->batches[0], "events.jsonl", &position);
    std::vector<RegistryChangeRecord> changes = {load, revoke};
    input.registry_changes = changes;
    ASSERT_TRUE(store->write(input).ok());
    ASSERT_TRUE(store->close().ok());
  }
  auto store = EvidenceStore::open(options);
  ASSERT_TRUE(store.ok());
  auto position = store->position("events.jsonl");
  ASSERT_TRUE(position.ok());
  ASSERT_TRUE(position->has_value());
  EXPECT_EQ(**position, corpus->end_offsets[0]);
  auto missing = store->position("other");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto history = store->registry_history();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].op, "load");
  EXPECT_EQ((*history)[0].text, "agents: []\n");
  EXPECT_EQ((*history)[1].id, "tok-1");
  EXPECT_EQ((*history)[1].at_us, t("2026-11-20T01:00:00Z"));
}

AlertRecord alert(std::string_view id, std::string_view rule, rules::Severity severity,
                  std::string_view agent, std::string_view event_key, int64_t ts) {
  AlertRecord a;
  a.id = id;
  a.rule = rule;
  a.severity = severity;
  a.agent = agent;
  a.event_key = event_key;
  a.event_time_us = ts;
  a.detected_at_us = ts + 1;
  a.json = R"({"alert":true})";
  return a;
}

TEST_F(EvidenceStoreTest, AlertsAreFoundByRuleAgentSeverityAndTimeAndStoredOnce) {
  auto corpus = testing::decode_text(
      R"({"ts":"2026-11-20T10:00:00Z","id":"evt-1","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"x"}})"
      "\n",
      10);
  auto store = EvidenceStore::open(small_options(dir_.file("store")));
  ASSERT_TRUE(store.ok());
  std::vector<AlertRecord> alerts = {
      alert("00000000000000000000000000000001", "freeze-violation", rules::Severity::kCritical,
            "agent-1", "gw/evt-1", t("2026-11-20T10:00:00Z")),
      alert("00000000000000000000000000000002", "out-of-scope", rules::Severity::kMedium, "agent-1",
            "gw/evt-1", t("2026-11-20T10:00:00Z")),
      alert("00000000000000000000000000000003", "out-of-scope", rules::Severity::kMedium, "agent-2",
            "gw/evt-9", t("2026-11-20T11:00:00Z")),
      // The same id again: stored once.
      alert("00000000000000000000000000000003", "out-of-scope", rules::Severity::kMedium, "agent-2",
            "gw/evt-9", t("2026-11-20T11:00:00Z")),
  };
  WriteInput input = testing::input_of(corpus->batches[0], "in", nullptr);
  input.alerts = alerts;
  ASSERT_TRUE(store->write(input).ok());
  ASSERT_TRUE(store->write(input).ok());  // and again in a later input batch
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(store->counters().alerts, 3u);
  EXPECT_EQ(store->counters().duplicate_alerts, 5u);

  AlertQuery q;
  auto all = store->alerts(q);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].agent, "agent-2");  // newest first
  q.rule = "out-of-scope";
  EXPECT_EQ(store->alerts(q)->size(), 2u);
  q.rule.clear();
  q.agent = "agent-1";
  EXPECT_EQ(store->alerts(q)->size(), 2u);
  q.min_severity = rules::Severity::kHigh;
  ASSERT_EQ(store->alerts(q)->size(), 1u);
  EXPECT_EQ((*store->alerts(q))[0].rule, "freeze-violation");
  AlertQuery window;
  window.from_us = t("2026-11-20T10:30:00Z");
  window.newest_first = false;
  ASSERT_EQ(store->alerts(window)->size(), 1u);
  window.to_us = t("2026-11-20T11:00:00Z");  // half-open
  EXPECT_EQ(store->alerts(window)->size(), 0u);
  // The event shows its alerts.
  auto event = store->event("gw/evt-1");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->alerts.size(), 2u);
  // A malformed alert id is refused.
  std::vector<AlertRecord> bad = {alert("xyz", "r", rules::Severity::kLow, "a", "k", 0)};
  WriteInput bad_input;
  bad_input.alerts = bad;
  ASSERT_TRUE(store->write(bad_input).ok());
  Status flushed = store->flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument);
}

// Alerts with a feed payload wait in the outbox from the write that stored them until the feed
// removes them; an alert stored before is not queued again, and the outbox is not evidence:
// removing entries leaves verify clean.
TEST_F(EvidenceStoreTest, AlertsForTheFeedWaitInTheOutboxUntilRemoved) {
  auto corpus = testing::decode_text(
      R"({"ts":"2026-11-20T10:00:00Z","id":"evt-1","source":"gw","actor":{"id":"agent-1"},"action":{"tool":"x"}})"
      "\n",
      10);
  auto store = EvidenceStore::open(small_options(dir_.file("store")));
  ASSERT_TRUE(store.ok());
  std::vector<AlertRecord> alerts = {
      alert("00000000000000000000000000000001", "freeze-violation", rules::Severity::kCritical,
            "agent-1", "gw/evt-1", t("2026-11-20T10:00:00Z")),
      alert("00000000000000000000000000000002", "out-of-scope", rules::Severity::kMedium, "agent-2",
            "gw/evt-1", t("2026-11-20T10:00:00Z")),
      alert("00000000000000000000000000000003", "out-of-scope", rules::Severity::kMedium, "agent-3",
            "gw/evt-1", t("2026-11-20T10:00:00Z")),
  };
  alerts[0].feed = "feed-1";
  alerts[1].feed = "feed-2";  // the third is not for the feed (suppressed, say)
  WriteInput input = testing::input_of(corpus->batches[0], "in", nullptr);
  input.alerts = alerts;
  ASSERT_TRUE(store->write(input).ok());
  ASSERT_TRUE(store->flush().ok());
  auto queued = store->outbox("", 100);
  ASSERT_TRUE(queued.ok()) << queued.status().to_string();
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ((*queued)[0].alert_id, "00000000000000000000000000000001");
  EXPECT_EQ((*queued)[0].agent, "agent-1");
  EXPECT_EQ((*queued)[0].payload, "feed-1");
  EXPECT_EQ((*queued)[1].payload, "feed-2");
  // Paging: after the first key comes the second only.
  auto rest = store->outbox((*queued)[0].key, 100);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].alert_id, "00000000000000000000000000000002");
  // Delivered: removed. Writing the same alerts again queues nothing (they are stored).
  std::vector<std::string> delivered = {(*queued)[0].key};
  ASSERT_TRUE(store->remove_from_outbox(delivered).ok());
  ASSERT_TRUE(store->write(input).ok());
  ASSERT_TRUE(store->flush().ok());
  auto left = store->outbox("", 100);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].payload, "feed-2");
  auto report = store->verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  // The outbox survives a reopen (a crash before delivery re-sends).
  ASSERT_TRUE(store->close().ok());
  auto reopened = EvidenceStore::open(small_options(dir_.file("store")));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->outbox("", 100)->size(), 1u);
}

TEST_F(EvidenceStoreTest, ScanReturnsAStoredCredentialsEventsFromATimeOnInOrder) {
  auto corpus = testing::generated(dir_, 10000, 1000);
  auto events = testing::unique_events(*corpus);
  EvidenceStore store = write_corpus(*corpus, small_options(dir_.file("store")));
  for (TimelineKind kind : {TimelineKind::kCredential, TimelineKind::kAgent, TimelineKind::kAll}) {
    TimelineQuery q;
    q.kind = kind;
    q.from_us = t("2026-11-20T02:30:00Z");
    for (const ingest::Event* e : events) {
      if (kind != TimelineKind::kAll && e->ts_us >= q.from_us) {
        q.value = std::string(testing::field_of(*e, kind));
        break;
      }
    }
    auto expected = brute_force(events, q);
    auto cursor = store.scan(q);
    ASSERT_TRUE(cursor.ok());
    std::vector<std::pair<int64_t, std::string>> got;
    std::vector<ingest::Event> chunk;
    while (true) {
      auto more = cursor->next(&chunk);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      for (const ingest::Event& e : chunk) got.emplace_back(e.ts_us, event_key(e));
    }
    for (size_t i = 0; i + 1 < got.size(); ++i) ASSERT_LE(got[i].first, got[i + 1].first);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected) << timeline_kind_name(kind);
    EXPECT_FALSE(expected.empty());
  }
}

TEST_F(EvidenceStoreTest, ReportsMissingStoresAndBadQueries) {
  StoreOptions options;
  options.path = dir_.file("nothing-here");
  options.read_only = true;
  auto missing = EvidenceStore::open(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  options.read_only = false;
  options.create_if_missing = false;
  EXPECT_EQ(EvidenceStore::open(options).status().code(), StatusCode::kNotFound);
  options.path.clear();
  EXPECT_EQ(EvidenceStore::open(options).status().code(), StatusCode::kInvalidArgument);

  auto store = EvidenceStore::open(small_options(dir_.file("store")));
  ASSERT_TRUE(store.ok());
  TimelineQuery q;  // no agent given
  EXPECT_EQ(store->timeline(q).status().code(), StatusCode::kInvalidArgument);
  q.value = "agent-1";
  auto empty = store->timeline(q);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->events.empty());
  ASSERT_TRUE(store->close().ok());
  // A read-only store refuses writes, and reopens with its own time bucket.
  StoreOptions ro = small_options(dir_.file("store"));
  ro.read_only = true;
  ro.time_bucket_seconds = 60;
  auto reopened = EvidenceStore::open(ro);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  EXPECT_EQ(reopened->time_bucket_us(), 3600LL * 1000000);
  ingest::EventBatch batch;
  EXPECT_EQ(reopened->write(testing::input_of(batch, "x", nullptr)).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aw::store
