// `agentwatch serve` over a store built by gen + replay: every endpoint of the API, the page,
// /metrics (checked by promtool), /healthz; bounds on page sizes and time ranges; the bearer
// token on a non-loopback bind; TLS. The binary runs as a real process on a free port.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "ingest/timestamp.h"
#include "tests/integration/serve_process.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"

namespace aw {
namespace {

using simdjson::dom::element;
using testing::ServeProcess;
using testing::TempDir;

constexpr const char* kToken = "s3cret-token-of-the-test-0123456789";

std::string str(simdjson::simdjson_result<element> value) {
  std::string_view text;
  EXPECT_EQ(value.get(text), simdjson::SUCCESS);
  return std::string(text);
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // Two days, so a one-day --max-range-days has something to clamp.
    auto gen = testing::run_agentwatch(
        {"gen", "--out", dir_->file("w"), "--events", "30000", "--agents", "100", "--hours", "48",
         "--credentials-per-agent", "48", "--violations-per-rule", "5"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto replay =
        testing::run_agentwatch({"replay", "--registry", dir_->file("w/registry.yaml"), "--store",
                                 dir_->file("store"), dir_->file("w/events.jsonl")});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    dir_->write("token", std::string(kToken) + "\n");
    std::string err;
    server_ =
        ServeProcess::start(
            {"serve", "--store", dir_->file("store"), "--port", "0", "--max-range-days", "1"}, &err)
            .release();
    ASSERT_NE(server_, nullptr) << err;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static httplib::Result get(const std::string& path) {
    httplib::Client client("127.0.0.1", server_->port());
    return client.Get(path);
  }
  // GET, expect `status`, parse the body.
  element json(const std::string& path, int status = 200) {
    auto res = get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return element();
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    // A parser per document: views taken from one stay valid while the test parses others.
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    element doc;
    EXPECT_EQ(parsers_.back()->parse(res->body).get(doc), simdjson::SUCCESS) << res->body;
    return doc;
  }
  // An alert of the store, for ids of agents and events that have one.
  element some_alert(const std::string& rule = "post-revocation") {
    element alerts = json("/api/v1/alerts?rule=" + rule + "&limit=1");
    simdjson::dom::array list = alerts["alerts"];
    EXPECT_EQ(list.size(), 1u);
    return list.at(0);
  }

  static TempDir* dir_;
  static ServeProcess* server_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TempDir* ServeTest::dir_ = nullptr;
ServeProcess* ServeTest::server_ = nullptr;

TEST_F(ServeTest, HealthAndPage) {
  auto health = get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto page = get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<title>agentwatch timeline</title>"), std::string::npos);
  EXPECT_EQ(page->body.find("http://"), page->body.find("http://www.w3.org"))
      << "the page loads nothing from elsewhere";
  EXPECT_EQ(get("/nowhere")->status, 404);
}

TEST_F(ServeTest, AgentTimelineMarksAlerts) {
  element alert = some_alert();
  std::string_view agent = alert["agent"];
  std::string_view alerted_key = simdjson::dom::array(alert["evidence"]).at(0);
  element t = json("/api/v1/timeline?agent=" + std::string(agent) + "&limit=1000");
  EXPECT_EQ(std::string_view(t["kind"]), "agent");
  simdjson::dom::array events = t["events"];
  ASSERT_GT(events.size(), 0u);
  EXPECT_EQ(uint64_t(t["count"]), events.size());
  bool found = false;
  std::string previous = "9999";
  for (element e : events) {
    EXPECT_EQ(std::string_view(e["agent"]), agent);
    std::string ts = str(e["ts"]);
    EXPECT_LE(ts, previous) << "newest first";
    previous = ts;
    if (std::string_view(e["key"]) == alerted_key) {
      found = true;
      simdjson::dom::array marks = e["alerts"];
      ASSERT_GE(marks.size(), 1u);
      EXPECT_EQ(std::string_view(marks.at(0)["rule"]), "post-revocation");
      EXPECT_EQ(std::string_view(marks.at(0)["severity"]), "critical");
    }
  }
  EXPECT_TRUE(found) << "the alerted event is in its agent's timeline";
}

TEST_F(ServeTest, TimelinesByCredentialResourceSessionTaskAndClass) {
  element alert = some_alert("env-crossing");
  element event =
      json("/api/v1/events/" +
           std::string(std::string_view(simdjson::dom::array(alert["evidence"]).at(0))))["event"];
  for (const char* kind : {"credential", "resource", "session", "task"}) {
    SCOPED_TRACE(kind);
    std::string value = str(event[kind]);
    element t =
        json(std::string("/api/v1/timeline?") + kind + "=" + url_encode(value) + "&order=oldest");
    simdjson::dom::array events = t["events"];
    ASSERT_GE(events.size(), 1u);
    for (element e : events) EXPECT_EQ(std::string_view(e[kind]), value);
  }
  std::string agent = str(event["agent"]);
  element reads = json("/api/v1/timeline?agent=" + agent + "&class=read,delete");
  for (element e : simdjson::dom::array(reads["events"])) {
    std::string_view c = e["class"];
    EXPECT_TRUE(c == "read" || c == "delete") << c;
  }
}

TEST_F(ServeTest, EventWithRecordAlertsAndRegistryState) {
  element alert = some_alert();
  std::string key = str(simdjson::dom::array(alert["evidence"]).at(0));
  // The key's slash may come encoded or not.
  for (const std::string& path : {"/api/v1/events/" + key, "/api/v1/events/" + url_encode(key)}) {
    element e = json(path);
    EXPECT_EQ(std::string_view(e["key"]), key);
    EXPECT_EQ(std::string_view(e["event"]["record"]["id"]), std::string_view(alert["event_id"]));
    simdjson::dom::array alerts = e["alerts"];
    ASSERT_GE(alerts.size(), 1u);
    EXPECT_EQ(std::string_view(alerts.at(0)["rule"]), "post-revocation");
    element registry = e["registry"];
    EXPECT_EQ(std::string_view(registry["agent"]["id"]), std::string_view(alert["agent"]));
    // post-revocation: the credential was revoked at the event's time, or the agent suspended.
    std::string_view credential_state = registry["credential"]["state"];
    std::string_view agent_status = registry["agent"]["status"];
    EXPECT_TRUE(credential_state == "revoked" || agent_status != "active")
        << credential_state << " " << agent_status;
  }
  json("/api/v1/events/no-such-source/no-such-id", 404);
}

TEST_F(ServeTest, AlertsFilteredByRuleSeverityAndLimit) {
  element all = json("/api/v1/alerts?limit=1000");
  EXPECT_GT(uint64_t(all["count"]), 20u);
  element rule = json("/api/v1/alerts?rule=audit-gap");
  for (element a : simdjson::dom::array(rule["alerts"])) {
    EXPECT_EQ(std::string_view(a["rule"]), "audit-gap");
  }
  element critical = json("/api/v1/alerts?severity=critical&limit=1000");
  for (element a : simdjson::dom::array(critical["alerts"])) {
    EXPECT_EQ(std::string_view(a["severity"]), "critical");
  }
  element two = json("/api/v1/alerts?limit=2");
  EXPECT_EQ(simdjson::dom::array(two["alerts"]).size(), 2u);
  EXPECT_TRUE(bool(two["more"]));
  json("/api/v1/alerts?severity=apocalyptic", 400);
}

TEST_F(ServeTest, AgentsPagedAndFiltered) {
  element first = json("/api/v1/agents?limit=10");
  EXPECT_EQ(uint64_t(first["total"]), 100u);
  simdjson::dom::array page = first["agents"];
  ASSERT_EQ(page.size(), 10u);
  element second = json("/api/v1/agents?limit=10&offset=10");
  EXPECT_LT(std::string_view(page.at(9)["id"]),
            std::string_view(simdjson::dom::array(second["agents"]).at(0)["id"]));
  element bots = json("/api/v1/agents?q=bot-");
  for (element a : simdjson::dom::array(bots["agents"])) {
    EXPECT_EQ(std::string_view(a["kind"]), "bot");
    EXPECT_GE(uint64_t(a["credentials"]), 1u);
  }
}

TEST_F(ServeTest, CoverageReport) {
  element r = json("/api/v1/report/coverage");
  EXPECT_EQ(std::string_view(r["report"]), "coverage");
  EXPECT_EQ(uint64_t(r["identities"]["registered"]), 100u);
  EXPECT_GT(uint64_t(r["alerts"]["total"]), 0u);
  json("/api/v1/report/coverage?from=tomorrow", 400);
}

TEST_F(ServeTest, HugePagesAndRangesAreBoundedAndSaySo) {
  element alert = some_alert();
  std::string agent = str(alert["agent"]);
  element t = json("/api/v1/timeline?agent=" + agent +
                   "&limit=99999999999999999999&from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z");
  EXPECT_EQ(uint64_t(t["limit"]), 1000u);
  int64_t from = 0, to = 0;
  ASSERT_TRUE(ingest::parse_rfc3339(std::string_view(t["from"]), &from));
  ASSERT_TRUE(ingest::parse_rfc3339(std::string_view(t["to"]), &to));
  EXPECT_EQ(to - from, 24LL * 3600 * 1000000) << "--max-range-days 1";
  std::string notes;
  for (element n : simdjson::dom::array(t["notes"]))
    notes += std::string(std::string_view(n)) + ";";
  EXPECT_NE(notes.find("limit"), std::string::npos) << notes;
  EXPECT_NE(notes.find("time range clamped"), std::string::npos) << notes;
  element alerts = json("/api/v1/alerts?limit=5000");
  EXPECT_EQ(uint64_t(alerts["limit"]), 1000u);
  json("/api/v1/timeline?agent=" + agent + "&limit=-3", 400);
  json("/api/v1/timeline?agent=" + agent + "&from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z",
       400);
  json("/api/v1/timeline?agent=a&task=b", 400);
  json("/api/v1/timeline?agent=" + agent + "&class=destroy", 400);
}

TEST_F(ServeTest, MetricsPassPromtool) {
  (void)get("/api/v1/agents?limit=1");
  auto res = get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("agentwatch_http_requests_total{code=\"200\",route=\"agents\"}"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("agentwatch_store_size_bytes "), std::string::npos);
  if (!std::filesystem::exists("/usr/bin/promtool")) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; tools/scripts/setup.sh "
                    "installs it)";
  }
  std::string file = dir_->write("metrics.txt", res->body);
  int status = std::system(
      ("/usr/bin/promtool check metrics < " + file + " > " + dir_->file("promtool.out") + " 2>&1")
          .c_str());
  EXPECT_EQ(status, 0) << testing::read_file(dir_->file("promtool.out"));
}

// ---- binds other than loopback ----

TEST_F(ServeTest, NonLoopbackBindWithoutTokenRefusesToStart) {
  auto run = testing::run_agentwatch(
      {"serve", "--store", dir_->file("store"), "--bind", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--token-file"), std::string::npos) << run.err;
  auto weak =
      testing::run_agentwatch({"serve", "--store", dir_->file("store"), "--bind", "0.0.0.0",
                               "--port", "0", "--token-file", dir_->write("weak", "short\n")});
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.err.find("shorter than 16"), std::string::npos) << weak.err;
}

TEST_F(ServeTest, NonLoopbackBindNeedsTheBearerToken) {
  std::string err;
  auto open = ServeProcess::start({"serve", "--store", dir_->file("store"), "--bind", "0.0.0.0",
                                   "--port", "0", "--token-file", dir_->file("token")},
                                  &err);
  ASSERT_NE(open, nullptr) << err;
  httplib::Client client("127.0.0.1", open->port());
  for (const char* path : {"/api/v1/agents", "/api/v1/timeline?agent=agent-00001", "/api/v1/alerts",
                           "/api/v1/report/coverage", "/metrics", "/api/v1/events/x/y"}) {
    SCOPED_TRACE(path);
    auto none = client.Get(path);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"agentwatch\"");
    auto wrong = client.Get(path, {{"Authorization", "Bearer not-the-token-at-all-really"}});
    EXPECT_EQ(wrong->status, 401);
    auto prefix = client.Get(path, {{"Authorization", "Bearer s3cret"}});
    EXPECT_EQ(prefix->status, 401) << "a prefix of the token is not the token";
  }
  auto right =
      client.Get("/api/v1/agents?limit=1", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_EQ(client.Get("/healthz")->status, 200) << "health checks need no token";
  EXPECT_EQ(client.Get("/")->status, 200) << "the page holds no data; its API calls need the token";
  EXPECT_EQ(open->stop(), 0);
}

TEST_F(ServeTest, ShowsCommitsMadeWhileItRuns) {
  TempDir own;
  auto line = [](const std::string& id, const std::string& agent) {
    return "{\"ts\":\"2026-11-20T10:00:00Z\",\"id\":\"" + id +
           "\",\"source\":\"gw\",\"actor\":{\"id\":\"" + agent +
           "\"},\"action\":{\"tool\":\"sql.query\"}}\n";
  };
  auto first = testing::run_agentwatch(
      {"replay", "--store", own.file("store"), own.write("a.jsonl", line("e1", "early-agent"))});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string err;
  auto live = ServeProcess::start(
      {"serve", "--store", own.file("store"), "--port", "0", "--refresh-seconds", "1"}, &err);
  ASSERT_NE(live, nullptr) << err;
  httplib::Client client("127.0.0.1", live->port());
  auto count = [&client](const std::string& agent) {
    auto res = client.Get("/api/v1/timeline?agent=" + agent);
    if (!res || res->status != 200) return -1;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(res->body).get(doc) != simdjson::SUCCESS) return -1;
    return static_cast<int>(int64_t(doc["count"]));
  };
  EXPECT_EQ(count("early-agent"), 1);
  EXPECT_EQ(count("late-agent"), 0);
  auto second = testing::run_agentwatch(
      {"replay", "--store", own.file("store"), own.write("b.jsonl", line("e2", "late-agent"))});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  int seen = 0;
  for (int i = 0; i < 100 && seen != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = count("late-agent");
  }
  EXPECT_EQ(seen, 1) << "serve reopens the store when its files change";
  EXPECT_EQ(count("early-agent"), 1);
}

TEST_F(ServeTest, ServesHttpsWithTheGivenCertificate) {
  if (std::system("command -v openssl > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the openssl command is not installed (tools/scripts/setup.sh installs it)";
  }
  std::string cert = dir_->file("cert.pem"), key = dir_->file("key.pem");
  std::string make =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + key +
      " -out " + cert + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(make.c_str()), 0);
  std::string err;
  auto tls = ServeProcess::start({"serve", "--store", dir_->file("store"), "--port", "0",
                                  "--tls-cert", cert, "--tls-key", key},
                                 &err);
  ASSERT_NE(tls, nullptr) << err;
  EXPECT_NE(tls->err().find("https://"), std::string::npos);
  httplib::SSLClient client("127.0.0.1", tls->port());
  client.enable_server_certificate_verification(false);
  auto res = client.Get("/api/v1/agents?limit=1");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  auto bad = testing::run_agentwatch(
      {"serve", "--store", dir_->file("store"), "--port", "0", "--tls-cert", cert});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace aw
