// The web timeline page of `agentwatch serve` in headless Chromium: load it, pick an agent,
// show its actions on the time axis, click one that carries an alert, and see that alert and
// the registry state at that moment; a class filter narrows the axis. The test saves a
// screenshot under test-artifacts/ in the build tree.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/integration/serve_process.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

TEST(ServeBrowser, PickAnAgentClickAnActionSeeItsAlertAndRegistryState) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << "Chromium is not installed (Debian package chromium; tools/scripts/setup.sh "
                    "installs it)";
  }
  const std::string modules = std::string(AW_WEB_TEST_DIR) + "/node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules + "/playwright-core"))
      << "playwright-core is missing from " << modules << ": run tools/scripts/setup.sh";
  testing::TempDir dir;
  auto gen = testing::run_agentwatch({"gen", "--out", dir.file("w"), "--events", "20000",
                                      "--agents", "100", "--violations-per-rule", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto replay = testing::run_agentwatch({"replay", "--registry", dir.file("w/registry.yaml"),
                                         "--store", dir.file("store"), dir.file("w/events.jsonl")});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::string err;
  auto server =
      testing::ServeProcess::start({"serve", "--store", dir.file("store"), "--port", "0"}, &err);
  ASSERT_NE(server, nullptr) << err;

  // An agent whose credential was revoked and then used: its timeline has a critical alert.
  httplib::Client client("127.0.0.1", server->port());
  auto alerts = client.Get("/api/v1/alerts?rule=post-revocation&limit=1");
  ASSERT_TRUE(alerts && alerts->status == 200);
  simdjson::dom::parser parser;
  simdjson::dom::element alert;
  ASSERT_EQ(parser.parse(alerts->body).get(alert), simdjson::SUCCESS);
  simdjson::dom::element first = simdjson::dom::array(alert["alerts"]).at(0);
  const std::string agent = std::string(std::string_view(first["agent"]));
  const std::string key =
      std::string(std::string_view(simdjson::dom::array(first["evidence"]).at(0)));
  const std::string ts = std::string(std::string_view(first["event_time"]));

  const std::string artifacts = std::string(AW_ARTIFACT_DIR);
  std::filesystem::create_directories(artifacts);
  const std::string screenshot = artifacts + "/timeline-page.png";
  std::filesystem::remove(screenshot);
  std::string command =
      "NODE_PATH=" + testing::shell_quote(modules) + " node " +
      testing::shell_quote(std::string(AW_SOURCE_DIR) + "/tests/integration/serve_browser.cjs") +
      " " + kChromium + " http://127.0.0.1:" + std::to_string(server->port()) + " " +
      testing::shell_quote(agent) + " " + testing::shell_quote(key) + " " +
      testing::shell_quote(ts) + " " + testing::shell_quote(screenshot) + " > " + dir.file("out") +
      " 2> " + dir.file("err");
  int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << testing::read_file(dir.file("err"));
  std::string out = testing::read_file(dir.file("out"));
  simdjson::dom::parser seen_parser;
  simdjson::dom::element seen;
  ASSERT_EQ(seen_parser.parse(out).get(seen), simdjson::SUCCESS) << out;
  EXPECT_GT(int64_t(seen["axis"]["events"]), 1) << out;
  EXPECT_GE(int64_t(seen["axis"]["alerted"]), 1) << out;
  EXPECT_EQ(int64_t(seen["axis"]["rows"]), int64_t(seen["axis"]["events"]));
  std::string_view fields = seen["detail"]["fields"], alerts_text = seen["detail"]["alerts"],
                   registry = seen["detail"]["registry"], record = seen["detail"]["record"];
  EXPECT_EQ(int64_t(seen["detail"]["selected"]), 1);
  EXPECT_NE(fields.find(agent), std::string_view::npos) << fields;
  EXPECT_NE(fields.find(key), std::string_view::npos) << "the clicked action: " << fields;
  EXPECT_NE(alerts_text.find("post-revocation"), std::string_view::npos) << alerts_text;
  EXPECT_NE(alerts_text.find("critical"), std::string_view::npos) << alerts_text;
  EXPECT_NE(registry.find("agent status"), std::string_view::npos) << registry;
  EXPECT_NE(registry.find("credential"), std::string_view::npos) << registry;
  EXPECT_NE(registry.find("revoked"), std::string_view::npos) << registry;
  EXPECT_NE(record.find("\"actor\""), std::string_view::npos) << "the original record: " << record;
  std::string_view filtered_status = seen["filtered"]["status"];
  EXPECT_NE(filtered_status.find(" actions of agent "), std::string_view::npos) << filtered_status;
  for (auto c : simdjson::dom::array(seen["filtered"]["classes"])) {
    EXPECT_NE(std::string_view(c), "read") << "read was unchecked";
  }
  EXPECT_EQ(simdjson::dom::array(seen["errors"]).size(), 0u) << out;
  EXPECT_EQ(simdjson::dom::array(seen["foreign"]).size(), 0u) << out;
  EXPECT_TRUE(std::filesystem::exists(screenshot));
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace aw
