#include "rules/action_class_table.h"

#include <gtest/gtest.h>

namespace aw::rules {
namespace {

using ingest::ActionClass;

TEST(ActionClassTable, ShippedTableLoads) {
  const ActionClassTable& table = ActionClassTable::builtin();
  EXPECT_GT(table.verb_count(), 50u);
  EXPECT_GT(table.tool_rule_count(), 30u);
}

TEST(ActionClassTable, ADirectoryIsRefused) {
  auto table = ActionClassTable::load_file(std::string(AW_SOURCE_DIR) + "/examples");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("it is a directory"), std::string::npos);
}

TEST(ActionClassTable, ClassifiesSqlVerbsByWholeVerbThenFirstWord) {
  ActionClassifier classifier(ActionClassTable::builtin());
  EXPECT_EQ(classifier.classify("sql.execute", "DROP TABLE"), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("sql.execute", "drop table orders"), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("sql.execute", "TRUNCATE"), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("sql.execute", "SELECT"), ActionClass::kRead);
  EXPECT_EQ(classifier.classify("sql.execute", "insert into t"), ActionClass::kWrite);
  EXPECT_EQ(classifier.classify("sql.execute", "GRANT"), ActionClass::kAdmin);
  EXPECT_EQ(classifier.classify("sql.execute", "CREATE ROLE"), ActionClass::kEscalate);
}

TEST(ActionClassTable, ClassifiesHttpAndKubernetesVerbs) {
  ActionClassifier classifier(ActionClassTable::builtin());
  EXPECT_EQ(classifier.classify("http.request", "GET"), ActionClass::kRead);
  EXPECT_EQ(classifier.classify("http.request", "POST"), ActionClass::kWrite);
  EXPECT_EQ(classifier.classify("http.request", "DELETE"), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("k8s", "list"), ActionClass::kRead);
  EXPECT_EQ(classifier.classify("k8s", "patch"), ActionClass::kWrite);
  EXPECT_EQ(classifier.classify("k8s", "deletecollection"), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("k8s", "impersonate"), ActionClass::kEscalate);
}

TEST(ActionClassTable, ClassifiesToolNamesWhenTheVerbSaysNothing) {
  ActionClassifier classifier(ActionClassTable::builtin());
  EXPECT_EQ(classifier.classify("github.delete_repo", ""), ActionClass::kDelete);
  EXPECT_EQ(classifier.classify("npm.publish", ""), ActionClass::kPublish);
  EXPECT_EQ(classifier.classify("rds.snapshot_create", ""), ActionClass::kSnapshot);
  EXPECT_EQ(classifier.classify("cosign.sign", ""), ActionClass::kSign);
  EXPECT_EQ(classifier.classify("iam.attach_role_policy", ""), ActionClass::kEscalate);
  EXPECT_EQ(classifier.classify("github.create_pull_request", ""), ActionClass::kWrite);
  EXPECT_EQ(classifier.classify("s3.get_object", ""), ActionClass::kRead);
  EXPECT_EQ(classifier.classify("Bash", ""), ActionClass::kExec);
  EXPECT_EQ(classifier.classify("Edit", ""), ActionClass::kWrite);
  // An unknown verb falls through to the tool.
  EXPECT_EQ(classifier.classify("s3.delete_object", "frobnicate"), ActionClass::kDelete);
  // Nothing known: unknown, which no scope covers.
  EXPECT_EQ(classifier.classify("mystery", "frobnicate"), ActionClass::kUnset);
  // The cached answer is the same as the first.
  EXPECT_EQ(classifier.classify("github.delete_repo", ""), ActionClass::kDelete);
}

TEST(ActionClassTable, LeavesClassesNamedByTheRecordAlone) {
  ActionClassifier classifier(ActionClassTable::builtin());
  ingest::EventBatch batch;
  auto& named = batch.events.emplace_back();
  named.tool = "github.delete_repo";
  named.action_class = ActionClass::kRead;
  named.class_from_record = true;
  auto& derived = batch.events.emplace_back();
  derived.tool = "github.delete_repo";
  classifier.classify(batch);
  EXPECT_EQ(batch.events[0].action_class, ActionClass::kRead);
  EXPECT_EQ(batch.events[1].action_class, ActionClass::kDelete);
}

TEST(ActionClassTable, ReportsEveryProblemWithLineAndColumn) {
  auto table = ActionClassTable::parse(R"(verbs:
  read: [GET]
  nuke: [BOOM]
  write: POST
tools:
  - {glob: "a.*", class: teleport}
  - {class: read}
  - {glob: "x\\", class: read}
extra: 1
)",
                                       "my.yaml");
  ASSERT_FALSE(table.ok());
  const std::string& message = table.status().message();
  EXPECT_NE(message.find("my.yaml:3:3: unknown class 'nuke'"), std::string::npos) << message;
  EXPECT_NE(message.find("my.yaml:4:10: the verbs of 'write' must be a list"), std::string::npos)
      << message;
  EXPECT_NE(message.find("unknown class 'teleport'"), std::string::npos) << message;
  EXPECT_NE(message.find("my.yaml:7:5: a tool rule needs `glob` and `class`"), std::string::npos)
      << message;
  EXPECT_NE(message.find("lone backslash"), std::string::npos) << message;
  EXPECT_NE(message.find("my.yaml:9:1: unknown key 'extra'"), std::string::npos) << message;
}

TEST(ActionClassTable, ReportsSyntaxErrors) {
  auto table = ActionClassTable::parse("verbs: [unclosed", "bad.yaml");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("bad.yaml:"), std::string::npos);
}

}  // namespace
}  // namespace aw::rules
