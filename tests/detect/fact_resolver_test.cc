#include "detect/fact_resolver.h"

#include <gtest/gtest.h>

#include "detect/registry_loader.h"
#include "ingest/timestamp.h"

namespace aw::detect {
namespace {

using rules::FieldId;
using rules::FieldValue;

int64_t t(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

constexpr std::string_view kRegistry = R"(
policy: {max_credential_ttl: 1h, snapshot_window: 15m, snapshot_required_envs: [prod],
         approval_required_envs: [prod]}
agents:
  - id: agent-1
    owner: team-a
    kind: agent
    scopes:
      - tools: ["sql.*"]
        classes: [read, write]
        resources: ["db:staging/**"]
        envs: [staging]
        until: 2026-12-01T00:00:00Z
  - id: svc-1
    kind: service
  - id: retired
    kind: agent
    status: decommissioned
credentials:
  - {id: tok-jit, agent: agent-1, kind: jit, env: staging, issued_at: 2026-11-20T09:00:00Z,
     expires_at: 2026-11-20T10:00:00Z, revoked_at: 2026-11-20T09:30:00Z}
  - {id: tok-long, agent: agent-1, kind: jit, env: prod, issued_at: 2026-11-20T09:00:00Z,
     expires_at: 2026-11-20T11:00:00Z}
  - {id: tok-static, agent: svc-1, kind: static, env: prod}
  - {id: tok-human, agent: agent-1, kind: human}
freezes:
  - {id: FRZ-1, envs: [prod], resources: ["db:prod/**"], from: 2026-11-20T00:00:00Z,
     until: 2026-11-21T00:00:00Z, reason: holiday}
approvals:
  - {id: APR-1, agent: agent-1, classes: [delete], resources: ["db:prod/orders"],
     from: 2026-11-20T10:00:00Z, until: 2026-11-20T11:00:00Z, break_glass: true}
)";

class FactResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = parse_registry(kRegistry, "r.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    registry_ = std::move(parsed.value());
    event_.source = "gw";
    event_.actor_id = "agent-1";
    event_.tool = "sql.execute";
    event_.action_class = ingest::ActionClass::kRead;
    event_.resource_name = "db:staging/orders";
    event_.env = "staging";
    event_.ts_us = t("2026-11-20T09:15:00Z");
  }

  FieldValue get(FieldId id) {
    FactResolver resolver(event_, registry_, state_);
    return resolver.get(id);
  }
  bool is_true(FieldId id) {
    FieldValue v = get(id);
    return v.kind == FieldValue::Kind::kBool && v.boolean;
  }

  Registry registry_;
  CorrelationState state_;
  ingest::Event event_;
};

TEST_F(FactResolverTest, CoveredByScope) {
  EXPECT_TRUE(is_true(FieldId::kAgentRegistered));
  EXPECT_TRUE(is_true(FieldId::kScopeCovered));
  EXPECT_EQ(get(FieldId::kScopeMissing).kind, FieldValue::Kind::kAbsent);
  EXPECT_EQ(get(FieldId::kAgentOwner).string, "team-a");
  EXPECT_EQ(get(FieldId::kAgentStatus).string, "active");
}

TEST_F(FactResolverTest, ScopeMissNamesTheDimension) {
  event_.env = "prod";
  EXPECT_FALSE(is_true(FieldId::kScopeCovered));
  EXPECT_EQ(get(FieldId::kScopeMissing).string, "env");
  event_.env = "staging";
  event_.action_class = ingest::ActionClass::kDelete;
  EXPECT_EQ(get(FieldId::kScopeMissing).string, "class");
  event_.action_class = ingest::ActionClass::kRead;
  event_.tool = "k8s.get";
  EXPECT_EQ(get(FieldId::kScopeMissing).string, "tool");
  event_.tool = "sql.execute";
  event_.resource_name = "db:prod/orders";
  EXPECT_EQ(get(FieldId::kScopeMissing).string, "resource");
}

TEST_F(FactResolverTest, ScopeValidityIsHalfOpen) {
  event_.ts_us = t("2026-11-30T23:59:59.999999Z");
  EXPECT_TRUE(is_true(FieldId::kScopeCovered));
  event_.ts_us = t("2026-12-01T00:00:00Z");
  EXPECT_FALSE(is_true(FieldId::kScopeCovered));
  EXPECT_EQ(get(FieldId::kScopeMissing).string, "time");
}

TEST_F(FactResolverTest, UnregisteredActor) {
  event_.actor_id = "stranger";
  EXPECT_FALSE(is_true(FieldId::kAgentRegistered));
  EXPECT_EQ(get(FieldId::kScopeCovered).kind, FieldValue::Kind::kAbsent);
  EXPECT_EQ(get(FieldId::kAgentStatus).kind, FieldValue::Kind::kAbsent);
  event_.actor_type = ingest::ActorType::kAgent;
  EXPECT_TRUE(is_true(FieldId::kAgentIsAgent));  // by what the record says
}

TEST_F(FactResolverTest, RevocationAndExpiryAtTheirExactInstants) {
  event_.credential_id = "tok-jit";
  event_.ts_us = t("2026-11-20T09:29:59.999999Z");
  EXPECT_FALSE(is_true(FieldId::kCredentialRevoked));
  event_.ts_us = t("2026-11-20T09:30:00Z");
  EXPECT_TRUE(is_true(FieldId::kCredentialRevoked));
  EXPECT_EQ(get(FieldId::kCredentialRevokedAt).integer, t("2026-11-20T09:30:00Z"));
  event_.ts_us = t("2026-11-20T09:59:59.999999Z");
  EXPECT_FALSE(is_true(FieldId::kCredentialExpired));
  event_.ts_us = t("2026-11-20T10:00:00Z");
  EXPECT_TRUE(is_true(FieldId::kCredentialExpired));
}

TEST_F(FactResolverTest, CredentialLifetimeSharingAndEnv) {
  event_.credential_id = "tok-jit";
  EXPECT_FALSE(is_true(FieldId::kCredentialLongLived));
  EXPECT_EQ(get(FieldId::kCredentialLifetime).integer, 3600LL * 1000000);
  EXPECT_FALSE(is_true(FieldId::kCredentialShared));
  EXPECT_FALSE(is_true(FieldId::kCredentialEnvMismatch));
  event_.credential_id = "tok-long";
  EXPECT_TRUE(is_true(FieldId::kCredentialLongLived));    // 2h > 1h
  EXPECT_TRUE(is_true(FieldId::kCredentialEnvMismatch));  // issued for prod, used in staging
  event_.credential_id = "tok-static";
  EXPECT_TRUE(is_true(FieldId::kCredentialLongLived));
  EXPECT_TRUE(is_true(FieldId::kCredentialShared));  // belongs to svc-1
  event_.credential_id = "tok-human";
  EXPECT_TRUE(is_true(FieldId::kCredentialShared));  // a human's credential used by an agent
  event_.credential_id = "tok-unknown";
  EXPECT_FALSE(is_true(FieldId::kCredentialKnown));
  EXPECT_EQ(get(FieldId::kCredentialShared).kind, FieldValue::Kind::kAbsent);
  event_.credential_id = "";
  EXPECT_EQ(get(FieldId::kCredentialKnown).kind, FieldValue::Kind::kAbsent);
}

TEST_F(FactResolverTest, FreezeApprovalAndPolicy) {
  event_.env = "prod";
  event_.resource_name = "db:prod/orders";
  event_.action_class = ingest::ActionClass::kDelete;
  event_.ts_us = t("2026-11-20T09:59:59Z");
  EXPECT_TRUE(is_true(FieldId::kFreezeActive));
  EXPECT_EQ(get(FieldId::kFreezeId).string, "FRZ-1");
  EXPECT_EQ(get(FieldId::kFreezeReason).string, "holiday");
  EXPECT_TRUE(is_true(FieldId::kPolicyApprovalRequired));
  EXPECT_FALSE(is_true(FieldId::kApprovalCovers));
  event_.ts_us = t("2026-11-20T10:00:00Z");
  EXPECT_TRUE(is_true(FieldId::kApprovalCovers));
  EXPECT_TRUE(is_true(FieldId::kApprovalBreakGlass));
  EXPECT_EQ(get(FieldId::kApprovalId).string, "APR-1");
  event_.env = "staging";
  EXPECT_FALSE(is_true(FieldId::kFreezeActive));
  EXPECT_FALSE(is_true(FieldId::kPolicyApprovalRequired));
}

TEST_F(FactResolverTest, EnvMismatchPastTheInternedEnvsComparesNames) {
  // Envs are compared by their interned bit; past kMaxEnvs every further env shares one bit,
  // and two different such envs must still differ (fail closed).
  for (int i = 0; i < kMaxEnvs; ++i) registry_.intern_env("filler-" + std::to_string(i));
  Credential credential;
  credential.id = "tok-overflow";
  credential.agent = "agent-1";
  credential.env = "overflow-a";
  registry_.put_credential(credential);
  ASSERT_EQ(registry_.env_bit("overflow-a"), kUnnamedEnvs);
  event_.credential_id = "tok-overflow";
  event_.env = "overflow-a";
  EXPECT_FALSE(is_true(FieldId::kCredentialEnvMismatch));
  event_.env = "overflow-b";
  EXPECT_TRUE(is_true(FieldId::kCredentialEnvMismatch));
  event_.env = "staging";  // interned, against an env past the limit
  EXPECT_TRUE(is_true(FieldId::kCredentialEnvMismatch));
  event_.env = "";
  EXPECT_EQ(get(FieldId::kCredentialEnvMismatch).kind, FieldValue::Kind::kAbsent);
}

TEST_F(FactResolverTest, SnapshotWithinTheWindow) {
  event_.resource_name = "db:prod/orders";
  event_.ts_us = t("2026-11-20T10:15:00Z");
  EXPECT_FALSE(is_true(FieldId::kSnapshotRecent));
  state_.record_snapshot("db:prod/orders", t("2026-11-20T10:00:00Z"));  // exactly 15 min before
  EXPECT_TRUE(is_true(FieldId::kSnapshotRecent));
  event_.ts_us = t("2026-11-20T10:15:00.000001Z");
  EXPECT_FALSE(is_true(FieldId::kSnapshotRecent));
  EXPECT_EQ(get(FieldId::kSnapshotLast).integer, t("2026-11-20T10:00:00Z"));
}

TEST_F(FactResolverTest, DecommissionedAgentStatus) {
  event_.actor_id = "retired";
  EXPECT_EQ(get(FieldId::kAgentStatus).string, "decommissioned");
}

}  // namespace
}  // namespace aw::detect
