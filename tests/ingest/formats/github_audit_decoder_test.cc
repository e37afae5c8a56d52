// GitHub audit log: the constructed events (no licensed real sample), token revocation.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

TEST(GithubAuditDecoder, DecodesEveryEventAndMapsThem) {
  auto mapping = testing::mapping_of(R"(
env:
  orgs: {acme: prod}
actors:
  - credential: "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo="
    actor: agent-ci
    type: agent
)");
  auto decoder = testing::make(Format::kGithubAudit, &mapping);
  auto records = testing::lines_of(
      testing::read_text(testing::formats_data("github-audit/constructed-from-docs.jsonl")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.dead_letters.empty());
  ASSERT_EQ(batch.events.size(), 5u);

  const Event* push = testing::event_with_id(batch, "doc-0001");
  ASSERT_NE(push, nullptr);
  EXPECT_EQ(push->ts_us, int64_t{1763633700000} * 1000);  // epoch ms
  EXPECT_EQ(push->tool, "github.git.push");
  EXPECT_EQ(push->action_class, ActionClass::kWrite);
  EXPECT_EQ(push->actor_id, "deploy-bot[bot]");
  EXPECT_EQ(push->actor_type, ActorType::kBot);
  EXPECT_EQ(push->credential_id, "q1Wm3oY2n4kF0sTZJt9Yx8pQ2m0u5dL7rWcA6bEh1Vo=");
  EXPECT_EQ(push->resource_name, "repo:acme/payments");
  EXPECT_EQ(push->env, "prod");
  EXPECT_EQ(push->src_ip, "203.0.113.7");

  const Event* destroy = testing::event_with_id(batch, "doc-0002");
  ASSERT_NE(destroy, nullptr);
  EXPECT_EQ(destroy->action_class, ActionClass::kDelete);
  EXPECT_EQ(destroy->actor_id, "agent-ci");  // mapped by its token hash

  const Event* forbidden = testing::event_with_id(batch, "doc-0003");
  ASSERT_NE(forbidden, nullptr);
  EXPECT_EQ(forbidden->outcome, Outcome::kDenied);
  EXPECT_EQ(forbidden->action_class, ActionClass::kWrite);  // a DELETE api.request

  const Event* iso = testing::event_with_id(batch, "doc-0005");
  ASSERT_NE(iso, nullptr);
  EXPECT_EQ(iso->ts_us, testing::time_us("2026-11-20T10:30:00Z"));  // created_at as text
  EXPECT_EQ(iso->action_class, ActionClass::kAdmin);

  // personal_access_token.access_revoked revokes the token right after its event.
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_EQ(batch.controls[0].before_event, 4u);
  EXPECT_NE(batch.controls[0].raw.find("Zm9vYmFy"), std::string_view::npos);
}

TEST(GithubAuditDecoder, BadEventsAreDeadLettered) {
  auto decoder = testing::make(Format::kGithubAudit);
  auto records = testing::lines_of(R"({"@timestamp":"soon","action":"git.push","actor":"a"})"
                                   "\n"
                                   R"({"@timestamp":1,"actor":"a"})"
                                   "\n"
                                   R"({"@timestamp":1,"action":"git.push"})"
                                   "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.dead_letters.size(), 3u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kBadTimestamp);
  EXPECT_EQ(batch.dead_letters[1].field, "action");
  EXPECT_EQ(batch.dead_letters[2].field, "actor.id");
}

}  // namespace
}  // namespace aw::ingest
