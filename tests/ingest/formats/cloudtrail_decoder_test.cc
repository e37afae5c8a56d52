// CloudTrail: every record of every sample file, the mapping of representative records, and the
// gotchas (errorCode -> denied, assumed-role identity, service events, key revocation).
#include <gtest/gtest.h>

#include "ingest/timestamp.h"
#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::document_of;
using testing::event_with_id;
using testing::formats_data;
using testing::read_text;

const char* const kFiles[] = {
    "cloudtrail/218007301253_CloudTrail_us-east-1_20230710T1205Z_SjF3IkuNXJkoHyar.json",
    "cloudtrail/218007301253_CloudTrail_us-east-1_20230710T1210Z_2ru8PrDKZmsO3yWC.json",
    "cloudtrail/218007301253_CloudTrail_us-east-1_20230710T1230Z_9JM8uKEITHqwJKXr.json",
    "cloudtrail/invictus-stratus-selection.json",
};

TEST(CloudTrailDecoder, DecodesEveryRecordOfEverySampleFile) {
  const size_t expected[] = {26, 3, 22, 128};
  for (size_t i = 0; i < std::size(kFiles); ++i) {
    auto decoder = testing::make(Format::kCloudTrail);
    auto records = document_of(read_text(formats_data(kFiles[i])));
    EventBatch batch;
    testing::decode_all(*decoder, records, batch);
    EXPECT_EQ(batch.events.size(), expected[i]) << kFiles[i];
    EXPECT_TRUE(batch.dead_letters.empty())
        << kFiles[i] << ": " << decode_error_name(batch.dead_letters[0].reason) << " "
        << batch.dead_letters[0].field;
    for (const Event& event : batch.events) {
      EXPECT_EQ(event.source, "aws.cloudtrail");
      EXPECT_FALSE(event.id.empty());
      EXPECT_FALSE(event.actor_id.empty());
      EXPECT_NE(event.outcome, Outcome::kUnset);
      EXPECT_NE(event.action_class, ActionClass::kUnset);
      EXPECT_EQ(event.raw.front(), '{');
      EXPECT_EQ(event.raw.back(), '}');
    }
  }
}

TEST(CloudTrailDecoder, MapsAnAssumedRoleCallOfAnEc2InstanceRole) {
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = document_of(read_text(formats_data(kFiles[1])));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* e = event_with_id(batch, "1694d8a8-3e2c-46d1-b9ce-7f4847d3c836");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->ts_us, testing::time_us("2023-07-10T12:04:10Z"));
  EXPECT_EQ(e->tool, "ec2:DescribeInstances");
  EXPECT_EQ(e->verb, "DescribeInstances");
  EXPECT_EQ(e->action_class, ActionClass::kRead);
  EXPECT_EQ(e->outcome, Outcome::kSuccess);
  // Role plus session name, and a service-linked role is a service.
  EXPECT_EQ(e->actor_id,
            "arn:aws:iam::123837392027:role/aws-service-role/inspector2.amazonaws.com/"
            "AWSServiceRoleForAmazonInspector2/MandoService364061179539770931");
  EXPECT_EQ(e->actor_type, ActorType::kService);
  EXPECT_EQ(e->src_ip, "inspector2.amazonaws.com");
  EXPECT_EQ(e->position.line, 1u);
  EXPECT_GT(e->position.offset, 0u);  // the element's own offset in the file
}

TEST(CloudTrailDecoder, ErrorCodesBecomeDeniedOrFailure) {
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = document_of(read_text(formats_data(kFiles[3])));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* access_denied = event_with_id(batch, "e4bad408-6272-4892-bf47-bd41b435ce40");
  ASSERT_NE(access_denied, nullptr);
  EXPECT_EQ(access_denied->outcome, Outcome::kDenied);
  EXPECT_EQ(access_denied->tool, "sts:AssumeRole");
  EXPECT_EQ(access_denied->action_class, ActionClass::kEscalate);
  EXPECT_EQ(access_denied->actor_id, "arn:aws:iam::123837392027:user/bert-jan");
  EXPECT_EQ(access_denied->credential_id, "AKIATFQR7NSC8Q4X20BJ");
  EXPECT_TRUE(testing::attrs_have(*access_denied, "error_code", "AccessDenied"));

  const Event* unauthorized = event_with_id(batch, "00d955a7-4797-46c4-ba50-ed0c81867020");
  ASSERT_NE(unauthorized, nullptr);
  EXPECT_EQ(unauthorized->outcome, Outcome::kDenied);        // Client.UnauthorizedOperation
  EXPECT_EQ(unauthorized->session, "ASIATFQR7NSCWLLE7IWW");  // an STS key names the session
  EXPECT_EQ(unauthorized->resource_name, "i-yo72hkw7elzv1ald");
  EXPECT_EQ(unauthorized->resource_type, "instanceId");

  const Event* throttled = event_with_id(batch, "111f1ab1-d904-4aab-bc84-95b9ad3b3357");
  ASSERT_NE(throttled, nullptr);
  EXPECT_EQ(throttled->outcome, Outcome::kFailure);  // ThrottlingException is not a denial
  EXPECT_EQ(throttled->action_class, ActionClass::kWrite);

  const Event* with_resource = event_with_id(batch, "8ca35bec-bc01-4a58-beca-6f8a16907e98");
  ASSERT_NE(with_resource, nullptr);
  EXPECT_EQ(with_resource->resource_name, "arn:aws:s3:::invictus-aws-2022-10-27-quygr");
  EXPECT_EQ(with_resource->resource_type, "AWS::S3::Bucket");

  const Event* service_event = event_with_id(batch, "895dc875-cb08-45a5-b8c2-9158838741c0");
  ASSERT_NE(service_event, nullptr);  // no userIdentity.type: the invoking service acts
  EXPECT_EQ(service_event->actor_id, "ec2.amazonaws.com");
  EXPECT_EQ(service_event->actor_type, ActorType::kService);
}

constexpr std::string_view kDeleteKey =
    R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAALICE0000000001"},"eventTime":"2026-11-20T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"DeleteAccessKey","requestParameters":{"userName":"ci-bot","accessKeyId":"AKIACIBOT0000000001"},"responseElements":null,"eventID":"ev-delete-1","readOnly":false,"recipientAccountId":"111122223333"})";

TEST(CloudTrailDecoder, DeleteAccessKeyRevokesTheKeyAfterItsOwnEvent) {
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = testing::lines_of(std::string(kDeleteKey) + "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].action_class, ActionClass::kDelete);
  EXPECT_EQ(batch.events[0].resource_name, "ci-bot");
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_EQ(batch.controls[0].before_event, 1u);
  EXPECT_EQ(
      batch.controls[0].raw,
      R"({"registry_update":{"op":"revoke","kind":"credential","id":"AKIACIBOT0000000001","at":"2026-11-20T10:00:00.000000Z"}})");
}

TEST(CloudTrailDecoder, FailedOrActiveKeyUpdatesRevokeNothing) {
  std::string denied(kDeleteKey);
  denied.insert(denied.size() - 1, R"(,"errorCode":"AccessDenied")");
  std::string active =
      R"({"eventTime":"2026-11-20T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"UpdateAccessKey","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},"requestParameters":{"accessKeyId":"AKIA1","status":"Active"},"eventID":"ev-2"})";
  std::string inactive = active;
  inactive.replace(inactive.find("Active"), 6, "Inactive");
  inactive.replace(inactive.find("ev-2"), 4, "ev-3");
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = testing::lines_of(denied + "\n" + active + "\n" + inactive + "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].outcome, Outcome::kDenied);
  ASSERT_EQ(batch.controls.size(), 1u);  // only the Inactive update
  EXPECT_EQ(batch.controls[0].before_event, 3u);
  EXPECT_NE(batch.controls[0].raw.find("\"AKIA1\""), std::string_view::npos);
}

TEST(CloudTrailDecoder, MappingNamesActorEnvAndCredential) {
  auto mapping = testing::mapping_of(R"(
source: aws-prod
env:
  accounts: {"111122223333": prod}
actors:
  - identity: "arn:aws:iam::111122223333:user/al*"
    actor: agent-alice-bot
    type: agent
credentials:
  AKIAALICE0000000001: tok-alice
  AKIACIBOT0000000001: tok-ci
action_classes:
  "iam:DeleteAccessKey": escalate
)");
  auto decoder = testing::make(Format::kCloudTrail, &mapping);
  auto records = testing::lines_of(std::string(kDeleteKey));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& e = batch.events[0];
  EXPECT_EQ(e.source, "aws-prod");
  EXPECT_EQ(e.actor_id, "agent-alice-bot");
  EXPECT_EQ(e.actor_type, ActorType::kAgent);
  EXPECT_EQ(e.credential_id, "tok-alice");
  EXPECT_EQ(e.env, "prod");
  EXPECT_EQ(e.action_class, ActionClass::kEscalate);
  ASSERT_EQ(batch.controls.size(), 1u);
  EXPECT_NE(batch.controls[0].raw.find("\"tok-ci\""), std::string_view::npos);
}

TEST(CloudTrailDecoder, BadRecordsAreDeadLetteredWithReasonAndField) {
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = testing::lines_of(
      R"({"eventTime":"yesterday","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"x"})"
      "\n"
      R"({"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventID":"y"})"
      "\n"
      R"({"eventTime":"2026-11-20T10:00:00Z","eventName":"A","eventName":"B","eventSource":"s"})"
      "\n"
      R"({"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":"nobody"})"
      "\n"
      R"({"Records":[{"eventTime":)"
      "\n"
      R"({"Records":[1,{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]})"
      "\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.dead_letters.size(), 6u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kBadTimestamp);
  EXPECT_EQ(batch.dead_letters[0].field, "eventTime");
  EXPECT_EQ(batch.dead_letters[1].reason, DecodeError::kMissingField);
  EXPECT_EQ(batch.dead_letters[1].field, "eventName");
  EXPECT_EQ(batch.dead_letters[2].reason, DecodeError::kDuplicateKey);
  EXPECT_EQ(batch.dead_letters[3].reason, DecodeError::kWrongType);
  EXPECT_EQ(batch.dead_letters[3].field, "userIdentity");
  EXPECT_EQ(batch.dead_letters[4].reason, DecodeError::kTruncated);
  EXPECT_EQ(batch.dead_letters[5].reason, DecodeError::kWrongType);  // the element `1`
  ASSERT_EQ(batch.events.size(), 1u);  // its sibling element still decodes
  EXPECT_EQ(batch.events[0].actor_id, "s3.amazonaws.com");
}

TEST(CloudTrailDecoder, APrettyPrintedRecordsFileKeepsEachRecordsLine) {
  auto decoder = testing::make(Format::kCloudTrail);
  auto records = document_of(
      "{\n  \"Records\": [\n    {\"eventTime\":\"2026-11-20T10:00:00Z\",\"eventSource\":\"s3."
      "amazonaws.com\",\"eventName\":\"GetObject\",\"eventID\":\"a\"},\n    {\"eventTime\":\"2026-"
      "11-20T10:00:01Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\","
      "\"eventID\":\"b\"}\n  ]\n}\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].position.line, 3u);
  EXPECT_EQ(batch.events[1].position.line, 4u);
  EXPECT_EQ(batch.events[1].action_class, ActionClass::kWrite);
}

}  // namespace
}  // namespace aw::ingest
