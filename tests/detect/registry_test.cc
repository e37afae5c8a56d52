#include <gtest/gtest.h>

#include "detect/registry_loader.h"
#include "ingest/timestamp.h"

namespace aw::detect {
namespace {

int64_t t(std::string_view text) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(text, &us)) << text;
  return us;
}

constexpr std::string_view kRegistry = R"(
policy:
  max_credential_ttl: 1h
  snapshot_window: 15m
  snapshot_required_envs: [prod]
  approval_required_envs: [prod]
agents:
  - id: agent-0421
    owner: team-payments
    kind: agent
    status: active
    scopes:
      - tools: ["sql.*", "github.*"]
        classes: [read, write]
        resources: ["db:staging/**", "repo:acme/payments"]
        envs: [dev, staging]
        from: 2026-11-01T00:00:00Z
        until: 2026-12-01T00:00:00Z
credentials:
  - id: tok-9f3a
    agent: agent-0421
    kind: jit
    env: staging
    issued_at: 2026-11-20T09:00:00Z
    expires_at: 2026-11-20T10:00:00Z
    revoked_at: 2026-11-20T09:30:00Z
freezes:
  - id: FRZ-HOLIDAY
    envs: [prod]
    resources: ["**"]
    from: 2026-11-20T00:00:00Z
    until: 2026-11-27T00:00:00Z
    reason: holiday code freeze
approvals:
  - id: APR-552
    agent: agent-0421
    classes: [delete]
    resources: ["db:prod/orders"]
    from: 2026-11-20T10:00:00Z
    until: 2026-11-20T11:00:00Z
    approvers: [alice, bob]
    break_glass: true
)";

TEST(Registry, LoadsTheDesignExample) {
  auto registry = parse_registry(kRegistry, "registry.yaml");
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ(registry->agent_count(), 1u);
  EXPECT_EQ(registry->credential_count(), 1u);
  EXPECT_EQ(registry->freeze_count(), 1u);
  EXPECT_EQ(registry->approval_count(), 1u);
  EXPECT_EQ(registry->policy().max_credential_ttl_us, 3600LL * 1000000);
  EXPECT_EQ(registry->policy().snapshot_window_us, 900LL * 1000000);
  EXPECT_NE(registry->policy().approval_required_envs & registry->env_bit("prod"), 0u);
  const AgentVersion* agent = registry->agent_at("agent-0421", t("2026-11-20T10:00:00Z"));
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->owner, "team-payments");
  ASSERT_EQ(agent->scopes.size(), 1u);
  EXPECT_EQ(agent->scopes[0].valid.until, t("2026-12-01T00:00:00Z"));
  const Credential* credential = registry->credential("tok-9f3a");
  ASSERT_NE(credential, nullptr);
  EXPECT_EQ(credential->revoked_at, t("2026-11-20T09:30:00Z"));
}

TEST(Registry, FreezeAndApprovalIntervalsAreHalfOpen) {
  auto registry = parse_registry(kRegistry, "registry.yaml");
  ASSERT_TRUE(registry.ok());
  EnvMask prod = registry->env_bit("prod");
  EXPECT_NE(registry->freeze_at(prod, "db:prod/orders", t("2026-11-20T00:00:00Z")), nullptr);
  EXPECT_NE(registry->freeze_at(prod, "db:prod/orders", t("2026-11-26T23:59:59.999999Z")), nullptr);
  EXPECT_EQ(registry->freeze_at(prod, "db:prod/orders", t("2026-11-27T00:00:00Z")), nullptr);
  EXPECT_EQ(registry->freeze_at(registry->env_bit("staging"), "db:prod/orders",
                                t("2026-11-21T00:00:00Z")),
            nullptr);
  auto del = ingest::ActionClass::kDelete;
  EXPECT_EQ(
      registry->approval_at("agent-0421", del, "db:prod/orders", t("2026-11-20T09:59:59Z"), false),
      nullptr);
  EXPECT_NE(
      registry->approval_at("agent-0421", del, "db:prod/orders", t("2026-11-20T10:00:00Z"), true),
      nullptr);
  EXPECT_EQ(
      registry->approval_at("agent-0421", del, "db:prod/orders", t("2026-11-20T11:00:00Z"), false),
      nullptr);
  EXPECT_EQ(registry->approval_at("agent-0421", ingest::ActionClass::kWrite, "db:prod/orders",
                                  t("2026-11-20T10:30:00Z"), false),
            nullptr);
  EXPECT_EQ(
      registry->approval_at("agent-0421", del, "db:prod/users", t("2026-11-20T10:30:00Z"), false),
      nullptr);
}

TEST(Registry, ReportsEveryProblemWithFileLineAndField) {
  auto registry = parse_registry(R"(policy:
  max_credential_ttl: forever
agents:
  - id: a1
    kind: robot
    scopes:
      - classes: [read, nuke]
        from: 2026-12-01T00:00:00Z
        until: 2026-11-01T00:00:00Z
  - owner: nobody
credentials:
  - id: c1
    agent: a1
    issued_at: yesterday
freezes:
  - id: f1
    resources: ["bad\\"]
    colour: blue
)",
                                 "reg.yaml");
  ASSERT_FALSE(registry.ok());
  const std::string& m = registry.status().message();
  for (std::string_view expected : {
           "reg.yaml:2:23: policy.max_credential_ttl: 'forever' is not a duration",
           "reg.yaml:5:11: agent.kind: 'robot' is not agent, service, bot or human",
           "agent.scopes[0].classes: unknown class 'nuke'",
           "agent.scopes[0]: `from` must be before `until`",
           "agent.id: missing",
           "reg.yaml:14:16: credential.issued_at: 'yesterday' is not an RFC 3339 time",
           "freeze.resources: glob 'bad\\' ends with a lone backslash",
           "reg.yaml:18:5: freeze.colour: unknown key",
       }) {
    EXPECT_NE(m.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << m;
  }
}

TEST(Registry, EmptyFileIsAnEmptyRegistry) {
  auto registry = parse_registry("", "empty.yaml");
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->agent_count(), 0u);
}

TEST(Registry, MissingFileIsNotFound) {
  auto registry = load_registry_file("/nonexistent/registry.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), StatusCode::kNotFound);
}

TEST(Registry, ADirectoryIsRefusedNotLoadedAsAnEmptyRegistry) {
  // A directory opens like a file and reads as empty: it once loaded as a registry without
  // a single agent, so every actor was judged unregistered.
  auto registry = load_registry_file(std::string(AW_SOURCE_DIR) + "/examples");
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("it is a directory"), std::string::npos)
      << registry.status().message();
}

TEST(RegistryUpdate, RevokingAnAgentSuspendsItFromItsEffectiveTime) {
  auto registry = parse_registry(kRegistry, "registry.yaml");
  ASSERT_TRUE(registry.ok());
  auto applied = apply_registry_update(
      *registry,
      R"({"registry_update":{"op":"revoke","kind":"agent","id":"agent-0421","at":"2026-11-20T10:20:00Z"}})",
      "in.jsonl:7");
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(applied->at, t("2026-11-20T10:20:00Z"));
  EXPECT_EQ(registry->agent_at("agent-0421", t("2026-11-20T10:19:59.999999Z"))->status,
            AgentStatus::kActive);
  EXPECT_EQ(registry->agent_at("agent-0421", t("2026-11-20T10:20:00Z"))->status,
            AgentStatus::kSuspended);
  // The suspended version keeps what it did not change.
  EXPECT_EQ(registry->agent_at("agent-0421", t("2026-11-21T00:00:00Z"))->owner, "team-payments");
}

TEST(RegistryUpdate, UpsertCreatesAnAgentFromItsEffectiveTime) {
  Registry registry;
  auto applied = apply_registry_update(
      registry,
      R"({"registry_update":{"op":"upsert","kind":"agent","id":"agent-new","at":"2026-11-20T12:00:00Z",)"
      R"("body":{"owner":"team-x","kind":"agent","scopes":[{"tools":["Read"],"envs":["dev"]}]}}})",
      "in.jsonl:1");
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(registry.agent_at("agent-new", t("2026-11-20T11:59:59Z")), nullptr);
  const AgentVersion* agent = registry.agent_at("agent-new", t("2026-11-20T12:00:00Z"));
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->owner, "team-x");
  ASSERT_EQ(agent->scopes.size(), 1u);
  EXPECT_NE(agent->scopes[0].envs & registry.env_bit("dev"), 0u);
}

TEST(RegistryUpdate, LateCredentialRevocationKeepsTheEarliestTime) {
  auto registry = parse_registry(kRegistry, "registry.yaml");
  ASSERT_TRUE(registry.ok());
  ASSERT_TRUE(apply_registry_update(*registry,
                                    R"({"registry_update":{"op":"revoke","kind":"credential",)"
                                    R"("id":"tok-9f3a","at":"2026-11-20T09:45:00Z"}})",
                                    "u")
                  .ok());
  EXPECT_EQ(registry->credential("tok-9f3a")->revoked_at, t("2026-11-20T09:30:00Z"));
  ASSERT_TRUE(apply_registry_update(*registry,
                                    R"({"registry_update":{"op":"revoke","kind":"credential",)"
                                    R"("id":"tok-9f3a","at":"2026-11-20T09:10:00Z"}})",
                                    "u")
                  .ok());
  EXPECT_EQ(registry->credential("tok-9f3a")->revoked_at, t("2026-11-20T09:10:00Z"));
}

TEST(RegistryUpdate, FreezeDeclaredAndLifted) {
  Registry registry;
  ASSERT_TRUE(
      apply_registry_update(
          registry,
          R"({"registry_update":{"op":"upsert","kind":"freeze","id":"FRZ-1","at":"2026-11-20T12:00:00Z",)"
          R"("body":{"envs":["prod"],"from":"2026-11-20T10:00:00Z","until":"2026-11-20T14:00:00Z"}}})",
          "u")
          .ok());
  // A freeze declared after the fact covers its own window, not only from `at`.
  EXPECT_NE(registry.freeze_at(registry.env_bit("prod"), "x", t("2026-11-20T11:00:00Z")), nullptr);
  ASSERT_TRUE(
      apply_registry_update(
          registry,
          R"({"registry_update":{"op":"delete","kind":"freeze","id":"FRZ-1","at":"2026-11-20T13:00:00Z"}})",
          "u")
          .ok());
  EXPECT_EQ(registry.freeze_count(), 0u);
}

TEST(RegistryUpdate, RefusesBadUpdatesAndLeavesTheRegistryAlone) {
  auto registry = parse_registry(kRegistry, "registry.yaml");
  ASSERT_TRUE(registry.ok());
  struct Case {
    std::string_view json;
    std::string_view message;
  };
  for (
      const Case& c : {
          Case{
              R"({"registry_update":{"op":"explode","kind":"agent","id":"agent-0421","at":"2026-11-20T10:00:00Z"}})",
              "'explode' is not upsert, revoke or delete"},
          Case{
              R"({"registry_update":{"op":"revoke","kind":"credential","id":"tok-none","at":"2026-11-20T10:00:00Z"}})",
              "credential 'tok-none' is not registered"},
          Case{R"({"registry_update":{"op":"revoke","kind":"agent","id":"agent-0421"}})",
               "registry_update.at: missing"},
          Case{
              R"({"registry_update":{"op":"upsert","kind":"wizard","id":"w","at":"2026-11-20T10:00:00Z"}})",
              "'wizard' is not agent, credential, freeze, approval or policy"},
          Case{
              R"({"registry_update":{"op":"upsert","kind":"credential","id":"tok-9f3a","at":"2026-11-20T10:00:00Z","body":{"kind":"magic"}}})",
              "'magic' is not jit, static or human"},
          Case{R"({"registry_update":[1,2]})", "registry_update: must be an object"},
      }) {
    auto applied = apply_registry_update(*registry, c.json, "in.jsonl:3");
    ASSERT_FALSE(applied.ok()) << c.json;
    EXPECT_NE(applied.status().message().find(c.message), std::string::npos)
        << applied.status().message();
    EXPECT_NE(applied.status().message().find("in.jsonl:3"), std::string::npos);
  }
  EXPECT_EQ(registry->credential("tok-9f3a")->kind, CredentialKind::kJit);
}

}  // namespace
}  // namespace aw::detect
