// Vault audit device: request/response pairing by request.id, outcomes, revocations.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

TEST(VaultAuditDecoder, PairsRequestsWithResponsesIntoOneEventEach) {
  auto decoder = testing::make(Format::kVaultAudit);
  auto records = testing::lines_of(
      testing::read_text(testing::formats_data("vault-audit/constructed-from-docs.jsonl")));
  ASSERT_EQ(records.refs.size(), 7u);
  EventBatch batch;
  decoder->decode(records.refs, batch);
  EXPECT_TRUE(batch.dead_letters.empty());
  // Three request/response pairs; the last request has no response yet.
  ASSERT_EQ(batch.events.size(), 3u);
  const Event& read = batch.events[0];
  EXPECT_EQ(read.id, "4f2b9c1e-0001");
  EXPECT_EQ(read.position.line, 2u);  // the response line
  EXPECT_EQ(read.actor_id, "ent-ci-deployer");
  EXPECT_EQ(read.actor_type, ActorType::kService);  // approle
  EXPECT_EQ(read.credential_id, "hmac-sha256:acc-ci-1");
  EXPECT_EQ(read.tool, "vault.read");
  EXPECT_EQ(read.action_class, ActionClass::kRead);
  EXPECT_EQ(read.resource_name, "vault:secret/data/prod/db");
  EXPECT_EQ(read.outcome, Outcome::kSuccess);
  EXPECT_EQ(read.src_ip, "10.2.3.4");
  EXPECT_EQ(read.ts_us, testing::time_us("2026-11-20T10:00:00.125Z"));

  EXPECT_EQ(batch.events[1].outcome, Outcome::kDenied);  // "permission denied"
  EXPECT_EQ(batch.events[1].action_class, ActionClass::kDelete);

  EXPECT_EQ(batch.events[2].action_class, ActionClass::kAdmin);  // a revocation
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_NE(batch.controls[0].raw.find(R"("id":"hmac-sha256:acc-ci-1")"), std::string_view::npos);

  // The unanswered lease revocation comes out unjoined, outcome unknown, revoking nothing.
  decoder->flush(batch);
  ASSERT_EQ(batch.events.size(), 4u);
  EXPECT_EQ(batch.events[3].id, "4f2b9c1e-0004");
  EXPECT_EQ(batch.events[3].outcome, Outcome::kUnset);
  EXPECT_TRUE(testing::attrs_have(batch.events[3], "join", "unjoined"));
  EXPECT_EQ(batch.controls.size(), 1u);
}

TEST(VaultAuditDecoder, ARevokedLeaseIsRevokedWhenItsResponseArrives) {
  std::string request =
      R"({"time":"2026-11-20T10:12:00Z","type":"request","auth":{"accessor":"a"},"request":{"id":"r9","operation":"update","path":"sys/leases/revoke/database/creds/ro/xyz"}})";
  std::string response = request;
  response.replace(response.find("\"request\",\"auth\""), 16, "\"response\",\"auth\"");
  auto decoder = testing::make(Format::kVaultAudit);
  auto records = testing::lines_of(request + "\n" + response + "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_NE(batch.controls[0].raw.find(R"("id":"database/creds/ro/xyz")"), std::string_view::npos);
}

TEST(VaultAuditDecoder, BadLinesAreDeadLettered) {
  auto decoder = testing::make(Format::kVaultAudit);
  auto records = testing::lines_of(
      R"({"time":"2026-11-20T10:00:00Z","type":"audit","request":{"id":"1","operation":"read"}})"
      "\n"
      R"({"time":"2026-11-20T10:00:00Z","type":"response","request":{"id":"2"}})"
      "\n"
      R"({"time":"later","type":"response","auth":{"entity_id":"e"},"request":{"id":"3","operation":"read","path":"p"}})"
      "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.dead_letters.size(), 3u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kInvalidValue);
  EXPECT_EQ(batch.dead_letters[1].field, "request.operation");
  EXPECT_EQ(batch.dead_letters[2].reason, DecodeError::kBadTimestamp);
}

TEST(VaultAuditDecoder, HoldsAtMostMaxPendingRequests) {
  FormatOptions options;
  options.max_pending = 3;
  auto decoder = testing::make(Format::kVaultAudit, nullptr, options);
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text +=
        R"({"time":"2026-11-20T10:00:00Z","type":"request","auth":{"display_name":"x"},"request":{"id":"q)" +
        std::to_string(i) + R"(","operation":"read","path":"p"}})" + "\n";
  }
  auto records = testing::lines_of(text);
  EventBatch batch;
  decoder->decode(records.refs, batch);
  EXPECT_EQ(batch.events.size(), 7u);
  decoder->flush(batch);
  EXPECT_EQ(batch.events.size(), 10u);
}

}  // namespace
}  // namespace aw::ingest
