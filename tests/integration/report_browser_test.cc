// The coverage report's HTML in headless Chromium: it opens from a file with the network cut
// off, its charts render (inline SVG with bars), and the test saves screenshots (screen and
// print styles) under test-artifacts/ in the build tree.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

TEST(ReportBrowser, HtmlOpensOfflineWithChartsAndPrints) {
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
  auto report = testing::run_agentwatch({"report", "coverage", "--store", dir.file("store"),
                                         "--format", "html", "-o", dir.file("report.html")});
  ASSERT_EQ(report.exit_code, 0) << report.err;

  const std::string artifacts = std::string(AW_ARTIFACT_DIR);
  std::filesystem::create_directories(artifacts);
  const std::string screenshot = artifacts + "/coverage-report.png";
  const std::string print = artifacts + "/coverage-report-print.png";
  std::filesystem::remove(screenshot);
  std::string command =
      "NODE_PATH=" + testing::shell_quote(modules) + " node " +
      testing::shell_quote(std::string(AW_SOURCE_DIR) + "/tests/integration/report_browser.cjs") +
      " " + kChromium + " " + testing::shell_quote(dir.file("report.html")) + " " +
      testing::shell_quote(screenshot) + " " + testing::shell_quote(print) + " > " +
      dir.file("out") + " 2> " + dir.file("err");
  int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << testing::read_file(dir.file("err"));
  std::string out = testing::read_file(dir.file("out"));
  simdjson::dom::parser parser;
  simdjson::dom::element seen;
  ASSERT_EQ(parser.parse(out).get(seen), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(seen["title"]), "agentwatch coverage report");
  EXPECT_GE(int64_t(seen["charts"]), 8);
  EXPECT_EQ(int64_t(seen["rendered"]), int64_t(seen["charts"])) << "every chart has a size";
  EXPECT_GT(int64_t(seen["bars"]), 20);
  EXPECT_EQ(simdjson::dom::array(seen["requests"]).size(), 0u) << out;
  EXPECT_EQ(simdjson::dom::array(seen["errors"]).size(), 0u) << out;
  std::string sections;
  for (auto s : simdjson::dom::array(seen["sections"]))
    sections += std::string(std::string_view(s)) + "|";
  for (const char* want :
       {"Identities", "Credentials", "Revocation", "Destructive", "freeze", "Alerts", "Audit"}) {
    EXPECT_NE(sections.find(want), std::string::npos) << want << " in " << sections;
  }
  ASSERT_TRUE(std::filesystem::exists(screenshot));
  EXPECT_GT(std::filesystem::file_size(screenshot), 20000u) << "a page with charts, not a blank";
  EXPECT_GT(std::filesystem::file_size(print), 20000u);
}

}  // namespace
}  // namespace aw
