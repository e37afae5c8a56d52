// agentwatch demo end to end: the embedded broker, the stream, the pipeline, the late
// revocation's retro alert, the timeline from the store, and a store the next commands can use.
#include <gtest/gtest.h>

#include "tests/testing/run_binary.h"

namespace aw {
namespace {

TEST(Demo, StreamsTheIncidentThroughKafkaAndLeavesAVerifiableStore) {
  testing::TempDir dir;
  auto demo = testing::run_agentwatch({"demo", "--dir", dir.file("demo"), "--events", "20000"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  // The incident's findings, as they happen; the revocation recorded late comes back retro.
  EXPECT_NE(demo.out.find("freeze-violation             agent-0421"), std::string::npos)
      << demo.out;
  EXPECT_NE(demo.out.find("destructive-without-approval agent-0421"), std::string::npos);
  EXPECT_NE(demo.out.find("post-revocation              agent-0421"), std::string::npos);
  EXPECT_NE(demo.out.find("[retro: revocation recorded late]"), std::string::npos);
  // The agent's timeline from the store, and what to run next.
  EXPECT_NE(demo.out.find("mcp-gateway-eu1/evt-7f3a"), std::string::npos);
  EXPECT_NE(demo.out.find("Next:"), std::string::npos);
  std::string store = dir.file("demo") + "/store";
  auto verify = testing::run_agentwatch({"verify", "--store", store});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto event = testing::run_agentwatch({"query", "event", "--store", store, "evt-7f3a"});
  EXPECT_EQ(event.exit_code, 0) << event.err;
  EXPECT_NE(event.out.find("freeze-violation"), std::string::npos) << event.out;
}

}  // namespace
}  // namespace aw
