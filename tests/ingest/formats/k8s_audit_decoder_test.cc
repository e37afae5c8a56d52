// Kubernetes audit: every sample event, impersonation, stages, v1beta1, revocations.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::formats_data;
using testing::lines_of;
using testing::read_text;

TEST(K8sAuditDecoder, DecodesEveryEventOfEverySampleFile) {
  size_t files = 0;
  size_t events = 0;
  std::vector<std::string> paths = {formats_data("k8s-audit/audit2rbac-demo.log")};
  for (const auto& entry :
       std::filesystem::directory_iterator(formats_data("k8s-audit/falco-trace-files"))) {
    paths.push_back(entry.path().string());
  }
  for (const std::string& path : paths) {
    auto decoder = testing::make(Format::kK8sAudit);
    auto records = lines_of(read_text(path));
    EventBatch batch;
    testing::decode_all(*decoder, records, batch);
    EXPECT_EQ(batch.events.size(), records.refs.size()) << path;  // every sample stage is kept
    EXPECT_TRUE(batch.dead_letters.empty()) << path;
    for (const Event& event : batch.events) {
      EXPECT_EQ(event.source, "k8s.audit");
      EXPECT_FALSE(event.id.empty()) << path;
      EXPECT_FALSE(event.actor_id.empty()) << path;
      EXPECT_NE(event.ts_us, 0) << path;
      EXPECT_EQ(event.tool.substr(0, 4), "k8s.");
    }
    ++files;
    events += batch.events.size();
  }
  EXPECT_EQ(files, 47u);  // the demo log and the 46 Falco trace files
  EXPECT_EQ(events, 37u + 51u);
}

TEST(K8sAuditDecoder, ImpersonatedUserActsAndTheImpersonatorIsKept) {
  auto decoder = testing::make(Format::kK8sAudit);
  auto records = lines_of(read_text(formats_data("k8s-audit/audit2rbac-demo.log")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* forbidden = testing::event_with_id(batch, "033d17af-082d-4b24-aa22-627752e83d71");
  ASSERT_NE(forbidden, nullptr);
  EXPECT_EQ(forbidden->actor_id, "bob");
  EXPECT_TRUE(testing::attrs_have(*forbidden, "impersonator", "system:admin"));
  EXPECT_EQ(forbidden->outcome, Outcome::kDenied);  // 403
  EXPECT_EQ(forbidden->verb, "list");
  EXPECT_EQ(forbidden->tool, "k8s.list");
  EXPECT_EQ(forbidden->action_class, ActionClass::kRead);
  EXPECT_EQ(forbidden->resource_type, "k8s.pods");
  EXPECT_EQ(forbidden->resource_name, "k8s:default/pods");
  EXPECT_EQ(forbidden->src_ip, "::1");
  // v1 of 2017: no stageTimestamp, the old `timestamp` field gives the time.
  EXPECT_EQ(forbidden->ts_us, testing::time_us("2017-09-11T19:55:05Z"));

  const Event* allowed = testing::event_with_id(batch, "719a5b90-e21b-44a2-94ec-67e16493dad6");
  ASSERT_NE(allowed, nullptr);
  EXPECT_EQ(allowed->outcome, Outcome::kSuccess);
}

TEST(K8sAuditDecoder, MapsExecAsEscalationAndServiceAccountsAsServices) {
  auto decoder = testing::make(Format::kK8sAudit);
  auto exec = lines_of(read_text(formats_data("k8s-audit/falco-trace-files/exec_pod.json")));
  EventBatch batch;
  testing::decode_all(*decoder, exec, batch);
  ASSERT_EQ(batch.events.size(), 1u);  // ResponseStarted of an exec: kept, it may never complete
  const Event& e = batch.events[0];
  EXPECT_EQ(e.action_class, ActionClass::kEscalate);
  EXPECT_EQ(e.resource_type, "k8s.pods/exec");
  EXPECT_EQ(e.outcome, Outcome::kSuccess);                              // 101 switching protocols
  EXPECT_EQ(e.ts_us, testing::time_us("2018-10-26T13:38:34.902914Z"));  // stageTimestamp

  auto pod = lines_of(
      read_text(formats_data("k8s-audit/falco-trace-files/create_pod_kube_system_namespace.json")));
  batch.clear();
  testing::decode_all(*decoder, pod, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].actor_id, "system:serviceaccount:kube-system:replicaset-controller");
  EXPECT_EQ(batch.events[0].actor_type, ActorType::kService);
  EXPECT_EQ(batch.events[0].action_class, ActionClass::kWrite);
}

TEST(K8sAuditDecoder, KeepsOneRecordPerAuditIdByStage) {
  const std::string base =
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"A1","verb":"delete","user":{"username":"u"},"objectRef":{"resource":"deployments","namespace":"prod","name":"api","apiGroup":"apps"},"stageTimestamp":"2026-11-20T10:00:00Z","stage":")";
  auto decoder = testing::make(Format::kK8sAudit);
  auto records =
      lines_of(base + R"(RequestReceived"})" + "\n" + base + R"(ResponseStarted"})" + "\n" + base +
               R"(ResponseComplete","responseStatus":{"code":200}})" + "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].position.line, 3u);
  EXPECT_EQ(batch.events[0].action_class, ActionClass::kDelete);
  EXPECT_TRUE(batch.dead_letters.empty());
}

TEST(K8sAuditDecoder, DeletingAServiceAccountOrItsTokenSecretUpdatesTheRegistry) {
  auto mapping = testing::mapping_of(R"(
cluster: prod-eu1
env:
  clusters: {prod-eu1: prod}
actors:
  - identity: "system:serviceaccount:default:myacct"
    actor: agent-myacct
)");
  auto decoder = testing::make(Format::kK8sAudit, &mapping);
  auto records = lines_of(
      read_text(formats_data("k8s-audit/falco-trace-files/delete_serviceaccount.json")) + "\n" +
      R"({"auditID":"S1","stage":"ResponseComplete","verb":"delete","user":{"username":"admin"},"objectRef":{"resource":"secrets","namespace":"ci","name":"deployer-token-x7k2p"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-20T10:00:00Z"})");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].env, "prod");
  EXPECT_EQ(batch.events[0].resource_name, "k8s:prod-eu1/default/serviceaccounts/myacct");
  ASSERT_EQ(batch.controls.size(), 2u);
  EXPECT_EQ(batch.controls[0].before_event, 1u);
  EXPECT_NE(batch.controls[0].raw.find(R"("op":"delete","kind":"agent","id":"agent-myacct")"),
            std::string_view::npos)
      << batch.controls[0].raw;
  EXPECT_NE(batch.controls[1].raw.find(
                R"("op":"revoke","kind":"credential","id":"ci/deployer-token-x7k2p")"),
            std::string_view::npos)
      << batch.controls[1].raw;
}

TEST(K8sAuditDecoder, ForbiddenDecisionAndBadRecords) {
  auto decoder = testing::make(Format::kK8sAudit);
  auto records = lines_of(
      R"({"auditID":"F","verb":"get","user":{"username":"x"},"annotations":{"authorization.k8s.io/decision":"forbid"},"stageTimestamp":"2026-11-20T10:00:00Z"})"
      "\n"
      R"({"auditID":"B","verb":"get","user":{"username":"x"},"stageTimestamp":"noon"})"
      "\n"
      R"({"auditID":"C","user":{"username":"x"},"stageTimestamp":"2026-11-20T10:00:00Z"})"
      "\n"
      R"({"auditID":"D","verb":"get","stageTimestamp":"2026-11-20T10:00:00Z"})"
      "\n"
      R"({"auditID":"E","verb":"get","user":{"username":"x"}})"
      "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].outcome, Outcome::kDenied);
  ASSERT_EQ(batch.dead_letters.size(), 4u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kBadTimestamp);
  EXPECT_EQ(batch.dead_letters[1].field, "verb");
  EXPECT_EQ(batch.dead_letters[2].field, "user.username");
  EXPECT_EQ(batch.dead_letters[3].field, "ts");  // no time at all and none assumed
}

}  // namespace
}  // namespace aw::ingest
