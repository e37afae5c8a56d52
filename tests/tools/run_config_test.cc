#include "tools/run_config.h"

#include <gtest/gtest.h>

namespace aw::tools {
namespace {

constexpr std::string_view kMinimal = R"(
kafka:
  bootstrap_servers: 127.0.0.1:9092
audit_topics:
  - topic: agent-audit
)";

Result<RunConfig> parse(const std::string& yaml) { return parse_run_config(yaml, "run.yaml"); }

TEST(RunConfig, TheShippedExampleLoadsWithEveryKey) {
  auto config = load_run_config(std::string(AW_SOURCE_DIR) + "/examples/agentwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->bootstrap_servers, "127.0.0.1:9092");
  EXPECT_EQ(config->store, "agentwatch-store");
  EXPECT_EQ(config->store_resume_free_mb, 256u);
  ASSERT_EQ(config->audit_topics.size(), 1u);
  EXPECT_EQ(config->audit_topics[0].topic, "agent-audit");
}

TEST(RunConfig, StoreAsAPathOrAMapping) {
  auto as_path = parse(std::string(kMinimal) + "store: /var/lib/agentwatch\n");
  ASSERT_TRUE(as_path.ok()) << as_path.status().to_string();
  EXPECT_EQ(as_path->store, "/var/lib/agentwatch");
  EXPECT_EQ(as_path->store_resume_free_mb, 256u);  // the default
  auto as_map = parse(std::string(kMinimal) +
                      "store:\n  path: s\n  retention_days: 30\n  resume_free_mb: 1024\n");
  ASSERT_TRUE(as_map.ok()) << as_map.status().to_string();
  EXPECT_EQ(as_map->store, "s");
  EXPECT_EQ(as_map->retention_days, 30u);
  EXPECT_EQ(as_map->store_resume_free_mb, 1024u);
}

TEST(RunConfig, ABadStoreKeyIsNamedWithItsPlace) {
  auto zero = parse(std::string(kMinimal) + "store:\n  path: s\n  resume_free_mb: 0\n");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("run.yaml:8:19: store.resume_free_mb must be a number"),
            std::string::npos)
      << zero.status().message();
  auto words = parse(std::string(kMinimal) + "store:\n  path: s\n  resume_free_mb: lots\n");
  ASSERT_FALSE(words.ok());
  EXPECT_NE(words.status().message().find("store.resume_free_mb"), std::string::npos);
  auto unknown = parse(std::string(kMinimal) + "store:\n  path: s\n  free_mb: 5\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown key 'free_mb' in 'store'"), std::string::npos)
      << unknown.status().message();
  auto missing = parse(std::string(kMinimal));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("store.path is required"), std::string::npos);
}

}  // namespace
}  // namespace aw::tools
