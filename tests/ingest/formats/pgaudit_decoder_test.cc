// pgaudit: every entry of the regression output, multi-line statements (also across batches),
// a server log prefix, and bad entries.
#include <gtest/gtest.h>

#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

FormatOptions assumed() {
  FormatOptions options;
  options.assume_ts_us = testing::time_us("2026-11-20T10:00:00Z");
  return options;
}

TEST(PgauditDecoder, DecodesEveryEntryOfTheRegressionOutput) {
  auto decoder = testing::make(Format::kPgaudit, nullptr, assumed());
  auto records = testing::lines_of(testing::read_text(
      testing::formats_data("pgaudit/pgaudit-regression-expected.audit-lines.log")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.dead_letters.empty());
  EXPECT_EQ(batch.events.size(), 415u);
  size_t multi_line = 0;
  for (const Event& e : batch.events) {
    EXPECT_EQ(e.tool, "sql.execute");
    EXPECT_FALSE(e.verb.empty());
    EXPECT_EQ(e.actor_id, "postgres");  // no log_line_prefix: no user
    if (e.raw.find('\n') != std::string_view::npos) ++multi_line;
  }
  EXPECT_GT(multi_line, 20u);
}

TEST(PgauditDecoder, KeepsAMultiLineStatementWhole) {
  auto decoder = testing::make(Format::kPgaudit, nullptr, assumed());
  auto records = testing::lines_of(
      "NOTICE:  AUDIT: SESSION,1,1,DDL,CREATE TABLE,TABLE,public.test,\"CREATE TABLE public.test\n"
      "(\n"
      "\tid INT\n"
      ")\",<not logged>\n"
      "NOTICE:  AUDIT: SESSION,2,1,DDL,DROP TABLE,TABLE,public.test,DROP TABLE test,<not "
      "logged>\n");
  // Across two batches: the statement's first line ends the first one.
  EventBatch batch;
  decoder->decode(std::span(records.refs.data(), 2), batch);
  EXPECT_TRUE(batch.events.empty());
  decoder->decode(std::span(records.refs.data() + 2, records.refs.size() - 2), batch);
  ASSERT_EQ(batch.events.size(), 2u);
  const Event& create = batch.events[0];
  EXPECT_EQ(create.verb, "CREATE TABLE");
  EXPECT_EQ(create.action_class, ActionClass::kWrite);
  EXPECT_EQ(create.resource_name, "db:public.test");
  EXPECT_EQ(create.resource_type, "db.table");
  EXPECT_EQ(create.position.line, 1u);
  // The statement stays whole in the record (it is not copied into attrs: raw has it).
  EXPECT_EQ(create.raw,
            "NOTICE:  AUDIT: SESSION,1,1,DDL,CREATE TABLE,TABLE,public.test,\"CREATE TABLE "
            "public.test\n(\n\tid INT\n)\",<not logged>");
  EXPECT_EQ(batch.events[1].action_class, ActionClass::kDelete);
  EXPECT_EQ(batch.events[1].verb, "DROP TABLE");
}

TEST(PgauditDecoder, AMultiLineStatementInOneBatchStaysAViewOfTheInput) {
  auto decoder = testing::make(Format::kPgaudit, nullptr, assumed());
  auto records = testing::lines_of(
      "NOTICE:  AUDIT: SESSION,8,1,ROLE,GRANT,TABLE,,\"GRANT SELECT, INSERT\n"
      "   ON test2\n"
      "   TO regress_user2\",<not logged>\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& grant = batch.events[0];
  EXPECT_EQ(grant.action_class, ActionClass::kEscalate);      // ROLE
  EXPECT_EQ(grant.raw.data(), records.refs[0].bytes.data());  // no copy
  EXPECT_EQ(grant.raw,
            "NOTICE:  AUDIT: SESSION,8,1,ROLE,GRANT,TABLE,,\"GRANT SELECT, INSERT\n   ON test2\n"
            "   TO regress_user2\",<not logged>");
}

TEST(PgauditDecoder, ReadsAServerLogPrefix) {
  auto mapping = testing::mapping_of(R"(
log_line_prefix: "%t:%r:%u@%d:[%p]:"
env:
  databases: {mytest: prod}
)");
  auto decoder = testing::make(Format::kPgaudit, &mapping);
  auto records = testing::lines_of(
      "2021-10-30 07:23:56 UTC:116.14.204.216(50222):postgres@mytest:[28180]:LOG:  AUDIT: "
      "SESSION,1,1,DDL,DROP TABLE,TABLE,public.t3,drop table t3;,<not logged>\n"
      "2021-10-30 07:23:57 UTC:116.14.204.216(50222):app@mytest:[28180]:LOG:  AUDIT: "
      "SESSION,2,1,WRITE,DELETE,TABLE,public.orders,\"delete from orders where note = \"\"x\"\"\","
      "<not logged>,12\n"
      "2021-10-30 07:23:58 UTC:116.14.204.216(50222):app@mytest:[28180]:LOG:  connection "
      "authorized\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.dead_letters.empty());
  ASSERT_EQ(batch.events.size(), 2u);  // the third line is not an AUDIT entry
  const Event& drop = batch.events[0];
  EXPECT_EQ(drop.ts_us, testing::time_us("2021-10-30T07:23:56Z"));
  EXPECT_EQ(drop.actor_id, "postgres");
  EXPECT_EQ(drop.env, "prod");
  EXPECT_EQ(drop.src_ip, "116.14.204.216");
  EXPECT_EQ(drop.session, "28180");
  EXPECT_EQ(drop.id, "28180/1/1");
  EXPECT_EQ(drop.resource_name, "db:mytest/public.t3");
  EXPECT_EQ(drop.action_class, ActionClass::kDelete);
  const Event& del = batch.events[1];
  EXPECT_EQ(del.actor_id, "app");
  EXPECT_EQ(del.action_class, ActionClass::kDelete);
  EXPECT_TRUE(testing::attrs_have(del, "rows", "12"));
  EXPECT_EQ(del.verb, "DELETE");
}

TEST(PgauditDecoder, ReadsLogTimesInEveryZoneFormAndRefusesBadOnes) {
  auto mapping = testing::mapping_of("log_line_prefix: \"%m [%p] \"\n");
  auto decoder = testing::make(Format::kPgaudit, &mapping);
  const char* entry = "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,select 1,<none>\n";
  std::string text;
  for (const char* time : {
           "2021-10-30 07:23:56.123 UTC",     // milliseconds
           "2021-10-30 07:23:56.123456 GMT",  // microseconds
           "2021-10-30 09:23:56 +02",         // hour offset
           "2021-10-30 01:53:56 -0530",       // hour and minute offset
           "2021-10-31 07:23:56 UTC",         // the next day
           "2024-02-29 00:00:00 UTC",         // a leap day
           "2021-02-29 07:23:56 UTC",         // no such day: refused
           "2021-13-01 07:23:56 UTC",         // no such month: refused
           "2021-10-30 24:00:00 UTC",         // no such hour: refused
           "2021-10-30 07:23:56 CET",         // a named zone: refused
           "2021-10-30 07:23:56. UTC",        // a dot without digits: refused
       }) {
    text += std::string(time) + " [42] " + entry;
  }
  EventBatch batch;
  testing::decode_all(*decoder, testing::lines_of(text), batch);
  ASSERT_EQ(batch.events.size(), 6u);
  EXPECT_EQ(batch.events[0].ts_us, testing::time_us("2021-10-30T07:23:56.123Z"));
  EXPECT_EQ(batch.events[1].ts_us, testing::time_us("2021-10-30T07:23:56.123456Z"));
  EXPECT_EQ(batch.events[2].ts_us, testing::time_us("2021-10-30T07:23:56Z"));
  EXPECT_EQ(batch.events[3].ts_us, testing::time_us("2021-10-30T07:23:56Z"));
  EXPECT_EQ(batch.events[4].ts_us, testing::time_us("2021-10-31T07:23:56Z"));
  EXPECT_EQ(batch.events[5].ts_us, testing::time_us("2024-02-29T00:00:00Z"));
  ASSERT_EQ(batch.dead_letters.size(), 5u);
  for (const DeadLetter& letter : batch.dead_letters) {
    EXPECT_EQ(letter.reason, DecodeError::kBadTimestamp) << letter.raw;
  }
}

TEST(PgauditDecoder, BadEntriesAreDeadLettered) {
  auto decoder = testing::make(Format::kPgaudit, nullptr, assumed());
  auto records = testing::lines_of(
      "LOG:  AUDIT: SESSION,1,1,READ,SELECT\n"
      "LOG:  AUDIT: AUDIT,1,1,READ,SELECT,,,select 1,<none>\n"
      "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"select 'never closed\n");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.events.empty());
  ASSERT_EQ(batch.dead_letters.size(), 3u);
  EXPECT_EQ(batch.dead_letters[0].field, "AUDIT");
  EXPECT_EQ(batch.dead_letters[1].field, "AUDIT_TYPE");
  EXPECT_EQ(batch.dead_letters[2].reason, DecodeError::kTruncated);  // open at the end
}

}  // namespace
}  // namespace aw::ingest
