// Claude Code hook payloads: every sample record (arrays of payloads, pretty-printed), the
// assumed time, Bash commands classified by what they do, and wrapper fields.
#include <gtest/gtest.h>

#include "ingest/formats/bash_command.h"
#include "tests/ingest/formats/format_testing.h"

namespace aw::ingest {
namespace {

using testing::document_of;
using testing::formats_data;
using testing::read_text;

FormatOptions assumed(std::string_view time) {
  FormatOptions options;
  options.assume_ts_us = testing::time_us(time);
  return options;
}

TEST(ClaudeHookDecoder, DecodesEveryRecordOfEverySampleFile) {
  struct Case {
    const char* file;
    size_t events;
  } cases[] = {{"claude-code-hooks/mcp-venus-os_pre_tool_use.selected.json", 47},
               {"claude-code-hooks/mcp-venus-os_post_tool_use.selected.json", 23},
               {"claude-code-hooks/mcp-venus-os_stop.json", 0},  // not actions: skipped
               {"claude-code-hooks/mcp-venus-os_notification.json", 0}};
  for (const Case& c : cases) {
    auto decoder = testing::make(Format::kClaudeHook, nullptr, assumed("2026-07-01T12:00:00Z"));
    auto records = document_of(read_text(formats_data(c.file)));
    EventBatch batch;
    testing::decode_all(*decoder, records, batch);
    EXPECT_EQ(batch.events.size(), c.events) << c.file;
    EXPECT_TRUE(batch.dead_letters.empty()) << c.file;
    for (const Event& event : batch.events) {
      EXPECT_EQ(event.ts_us, testing::time_us("2026-07-01T12:00:00Z"));
      EXPECT_EQ(event.actor_id, "claude-code");  // no wrapper, no mapping
      EXPECT_EQ(event.session, "71df9206-5919-4682-bbb3-139b228e08a9");
      EXPECT_EQ(event.id.substr(0, 5), "call-");
      EXPECT_TRUE(testing::attrs_have(event, "permission_mode", "bypassPermissions"));
    }
  }
}

TEST(ClaudeHookDecoder, MapsRepresentativeRecords) {
  auto mapping = testing::mapping_of(R"(
actors:
  - identity: "/Users/vmedvedev/*"
    actor: agent-venus-dev
env:
  default: dev
)");
  auto decoder = testing::make(Format::kClaudeHook, &mapping, assumed("2026-07-01T12:00:00Z"));
  auto records = document_of(
      read_text(formats_data("claude-code-hooks/mcp-venus-os_pre_tool_use.selected.json")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* read = testing::event_with_id(batch, "call-afb73122-d99f-4596-bc98-098ae2cc790b");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->tool, "Read");
  EXPECT_EQ(read->action_class, ActionClass::kRead);
  EXPECT_EQ(read->resource_name,
            "/Users/vmedvedev/victron/mcp-venus-os/src/mcp_venus_os/config.py");
  EXPECT_EQ(read->outcome, Outcome::kUnset);  // PreToolUse is intent only
  EXPECT_EQ(read->actor_id, "agent-venus-dev");
  EXPECT_EQ(read->env, "dev");
  EXPECT_EQ(read->task, "d76ca698-a7eb-40c2-9f39-c2508ffcd402");

  const Event* bash = testing::event_with_id(batch, "call-e25e95bb-5f8f-4025-a12c-d8f8461e85a0");
  ASSERT_NE(bash, nullptr);
  EXPECT_EQ(bash->tool, "Bash");
  EXPECT_EQ(bash->verb, "git");
  EXPECT_EQ(bash->resource_name, "git status");
}

TEST(ClaudeHookDecoder, PostToolUseSucceedsAndSharesThePreEventsId) {
  auto decoder = testing::make(Format::kClaudeHook, nullptr, assumed("2026-07-01T12:00:00Z"));
  auto records = document_of(
      read_text(formats_data("claude-code-hooks/mcp-venus-os_post_tool_use.selected.json")));
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  const Event* post = testing::event_with_id(batch, "call-33ccabf8-2cd8-410c-9783-81951a546a6d");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->outcome, Outcome::kSuccess);
  EXPECT_TRUE(testing::attrs_have(*post, "hook", "PostToolUse"));
}

TEST(ClaudeHookDecoder, WithoutAnyTimeARecordIsDeadLettered) {
  auto decoder = testing::make(Format::kClaudeHook);
  auto records = testing::lines_of(
      R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"tool_use_id":"t1"})");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  EXPECT_TRUE(batch.events.empty());
  ASSERT_EQ(batch.dead_letters.size(), 1u);
  EXPECT_EQ(batch.dead_letters[0].reason, DecodeError::kMissingField);
  EXPECT_EQ(batch.dead_letters[0].field, "ts");

  // The per-record default (the Kafka timestamp) wins over --assume-time.
  auto with_default = testing::make(Format::kClaudeHook, nullptr, assumed("2026-07-01T12:00:00Z"));
  int64_t kafka_time = testing::time_us("2026-07-02T08:00:00Z");
  batch.clear();
  with_default->decode(records.refs, std::span<const int64_t>(&kafka_time, 1), batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].ts_us, kafka_time);
}

TEST(ClaudeHookDecoder, WrapperFieldsNameTimeActorAndCredential) {
  auto decoder = testing::make(Format::kClaudeHook);
  auto records = testing::lines_of(
      R"({"ts":"2026-11-20T10:15:30Z","actor_id":"agent-0421","credential_id":"tok-9f3a","session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cd /srv && PGPASSWORD=x psql -h db -c 'DROP TABLE orders;'"},"tool_use_id":"toolu_01"})");
  EventBatch batch;
  testing::decode_all(*decoder, records, batch);
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& e = batch.events[0];
  EXPECT_EQ(e.ts_us, testing::time_us("2026-11-20T10:15:30Z"));
  EXPECT_EQ(e.actor_id, "agent-0421");
  EXPECT_EQ(e.credential_id, "tok-9f3a");
  EXPECT_EQ(e.verb, "psql DROP");
  EXPECT_EQ(e.action_class, ActionClass::kDelete);
}

TEST(BashCommand, ClassifiesDestructiveCommands) {
  struct Case {
    const char* command;
    const char* verb;
    ActionClass action_class;
  } cases[] = {
      {"rm -rf /var/lib/postgres", "rm -rf", ActionClass::kDelete},
      {"sudo rm -fr build", "rm -rf", ActionClass::kDelete},
      {"rm -r -f ./data", "rm -rf", ActionClass::kDelete},
      {"rm --recursive --force x", "rm -rf", ActionClass::kDelete},
      {"rm notes.txt", "rm", ActionClass::kDelete},
      {"git push --force origin main", "git push --force", ActionClass::kDelete},
      {"git push -f", "git push --force", ActionClass::kDelete},
      {"git push origin +main", "git push --force", ActionClass::kDelete},
      {"git push --force-with-lease", "git push --force", ActionClass::kDelete},
      {"git push origin main", "git push", ActionClass::kWrite},
      {"kubectl -n prod delete deployment api", "kubectl delete", ActionClass::kDelete},
      {"kubectl get pods", "kubectl", ActionClass::kRead},
      {"cd infra && terraform destroy -auto-approve", "terraform destroy", ActionClass::kDelete},
      {"terraform apply -destroy", "terraform destroy", ActionClass::kDelete},
      {"terraform plan", "terraform", ActionClass::kRead},
      {"psql -c 'TRUNCATE orders'", "psql TRUNCATE", ActionClass::kDelete},
      {"echo 'drop table x' | psql prod", "psql DROP", ActionClass::kDelete},
      {"psql prod <<EOF\nDROP DATABASE prod;\nEOF", "psql DROP", ActionClass::kDelete},
      {"psql -c 'SELECT dropped FROM t'", "psql", ActionClass::kExec},
      {"uv run ruff check src/", "uv", ActionClass::kExec},
      {"ls -la /tmp", "ls", ActionClass::kRead},
      {"echo 'rm -rf /' > notes.txt", "echo", ActionClass::kExec},  // quoted, not run
      {"FOO=1 env BAR=2 rm -rf x", "rm -rf", ActionClass::kDelete},
  };
  for (const Case& c : cases) {
    CommandClass result = classify_shell_command(c.command);
    EXPECT_EQ(result.verb, c.verb) << c.command;
    EXPECT_EQ(result.action_class, c.action_class) << c.command;
  }
}

}  // namespace
}  // namespace aw::ingest
