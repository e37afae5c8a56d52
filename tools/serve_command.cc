// agentwatch serve --store DIR [--bind ADDR] [--port N] [--token-file F]
//                  [--tls-cert F --tls-key F] [--max-page N] [--max-range-days N]
//
// The responder's and compliance team's HTTP view of an evidence store: the JSON API
// (tools/serve_api.h), the web timeline page at / (tools/web/timeline.html, embedded at build
// time), /metrics (Prometheus text) and /healthz.
//
// Security (DESIGN.md, "Guarantees"): listens on 127.0.0.1 by default. Any other bind address
// requires --token-file, and serve refuses to start without one. With a token, every path but
// / (the page holds no data) and /healthz needs "Authorization: Bearer <token>"; the presented
// token is compared in constant time (SHA-256 of both, then CRYPTO_memcmp, so neither content
// nor length leaks through timing). --tls-cert/--tls-key serve HTTPS.
//
// The store is opened read-only and read as of its opening; when its files change (another
// process commits), serve opens it again within --refresh-seconds and swaps the new state in.
// Exit codes: 0 after SIGINT/SIGTERM, 2 when it cannot start.
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "ingest/timestamp.h"
#include "store/evidence_store.h"
#include "store/stored_registry.h"
#include "tools/command.h"
#include "tools/metrics.h"
#include "tools/metrics_endpoint.h"
#include "tools/serve_api.h"
#include "tools/serve_command.h"
#include "tools/stop_signal.h"
#include "tools/web/web_assets.h"

namespace aw::tools {
namespace {

struct ServeOptions {
  std::string store;
  std::string bind = "127.0.0.1";
  int port = 8470;
  std::string token_file;
  std::string tls_cert, tls_key;
  size_t max_page = 1000;
  int64_t max_range_days = 31;
  int refresh_seconds = 10;
};

// What the API reads: the store as of one opening and the registry rebuilt from it. Replaced
// whole when the store changes; a request keeps the state it started with.
struct ServeState {
  std::unique_ptr<store::EvidenceStore> store;
  std::unique_ptr<store::StoredRegistry> registry;
  std::unique_ptr<ServeApi> api;
  std::filesystem::file_time_type opened_after;  // the newest store file when opened
};

// The newest modification time of the store's data files (a commit writes the WAL, a flush
// SSTs and the MANIFEST).
std::filesystem::file_time_type newest_file(const std::string& dir) {
  // Not {}: the file clock's epoch lies in the future (libstdc++: 2174).
  auto newest = std::filesystem::file_time_type::min();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    // RocksDB's info logs (LOG, LOG.old.*) change when anyone opens the store, serve included.
    if (entry.path().filename().string().starts_with("LOG")) continue;
    auto t = entry.last_write_time(error);
    if (!error && t > newest) newest = t;
  }
  return newest;
}

Result<std::shared_ptr<ServeState>> open_state(const std::string& path, const ServeLimits& limits) {
  auto state = std::make_shared<ServeState>();
  state->opened_after = newest_file(path);
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto store = store::EvidenceStore::open(options);
  if (!store.ok()) return store.status();
  state->store = std::make_unique<store::EvidenceStore>(std::move(store.value()));
  auto registry = store::load_stored_registry(*state->store);
  if (!registry.ok()) return registry.status();
  state->registry = std::make_unique<store::StoredRegistry>(std::move(registry.value()));
  state->api = std::make_unique<ServeApi>(*state->store, *state->registry, limits);
  return state;
}

class StateHolder {
 public:
  explicit StateHolder(std::shared_ptr<ServeState> state) : state_(std::move(state)) {}
  std::shared_ptr<ServeState> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  void set(std::shared_ptr<ServeState> state) {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = std::move(state);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<ServeState> state_;
};

int cannot_run(const std::string& message) {
  std::fprintf(stderr, "agentwatch serve: %s\n", message.c_str());
  return kExitCannotRun;
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.starts_with("127.");
}

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text) {
  Digest digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

// The token from its file: the first line, surrounding whitespace removed.
bool read_token(const std::string& path, std::string* token, std::string* problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *problem = "cannot read --token-file " + path;
    return false;
  }
  std::getline(in, *token);
  while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back()))) {
    token->pop_back();
  }
  size_t start = 0;
  while (start < token->size() && std::isspace(static_cast<unsigned char>((*token)[start]))) {
    ++start;
  }
  token->erase(0, start);
  if (token->size() < 16) {
    *problem = "the token in " + path + " is shorter than 16 characters; use a random one";
    return false;
  }
  return true;
}

// Route names for metrics labels: bounded, whatever paths clients send.
std::string route_of(const std::string& path) {
  if (path == "/") return "page";
  if (path == "/metrics") return "metrics";
  if (path == "/healthz") return "healthz";
  if (path == "/api/v1/timeline") return "timeline";
  if (path.starts_with("/api/v1/events/")) return "event";
  if (path == "/api/v1/alerts") return "alerts";
  if (path == "/api/v1/agents") return "agents";
  if (path == "/api/v1/report/coverage") return "coverage";
  return "other";
}

void send(httplib::Response& res, const ApiResponse& api) {
  res.status = api.status;
  res.set_content(api.body, "application/json");
}

int run_serve(const ServeOptions& o) {
  std::string token;
  std::string problem;
  if (!o.token_file.empty() && !read_token(o.token_file, &token, &problem)) {
    return cannot_run(problem);
  }
  if (!is_loopback(o.bind) && token.empty()) {
    return cannot_run("--bind " + o.bind +
                      " is not a loopback address: give --token-file (anyone who can reach the "
                      "port could read the evidence otherwise)");
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return cannot_run("--tls-cert and --tls-key go together");
  }

  ServeLimits limits;
  limits.max_limit = o.max_page;
  limits.default_limit = std::min(limits.default_limit, limits.max_limit);
  limits.max_range_us = o.max_range_days * 24 * 3600 * 1000000;
  auto first = open_state(o.store, limits);
  if (!first.ok()) return cannot_run(first.status().message());
  StateHolder states(first.value());

  MetricsRegistry metrics;
  Gauge& store_size =
      metrics.gauge("agentwatch_store_size_bytes", "Live files of the evidence store on disk");
  metrics.on_scrape([&states, &store_size] {
    auto usage = states.get()->store->disk_usage();
    if (usage.ok()) store_size.set(static_cast<double>(usage->total()));
  });
  Histogram& latency = metrics.histogram("agentwatch_http_request_duration_seconds",
                                         "Time to answer one HTTP request", latency_buckets());

  std::unique_ptr<httplib::Server> server;
  if (!o.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid()) {
      return cannot_run("cannot load the TLS certificate " + o.tls_cert + " or key " + o.tls_key);
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  // Bounded requests: small bodies (the API only reads), short timeouts.
  server->set_payload_max_length(64 * 1024);
  server->set_read_timeout(5, 0);
  server->set_write_timeout(30, 0);
  server->set_keep_alive_max_count(100);

  const Digest token_digest = sha256(token);
  thread_local std::chrono::steady_clock::time_point request_start;
  server->set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    request_start = std::chrono::steady_clock::now();
    if (token.empty() || req.path == "/" || req.path == "/healthz") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    bool ok = false;
    if (header.size() > kBearer.size() && header.starts_with(kBearer)) {
      const Digest presented = sha256(std::string_view(header).substr(kBearer.size()));
      ok = CRYPTO_memcmp(presented.data(), token_digest.data(), presented.size()) == 0;
    }
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer realm=\"agentwatch\"");
    res.set_content("{\"error\":\"a bearer token is required\"}", "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  server->set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    latency.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - request_start).count());
    metrics
        .counter("agentwatch_http_requests_total", "HTTP requests answered, by route and status",
                 {{"route", route_of(req.path)}, {"code", std::to_string(res.status)}})
        .add();
  });

  server->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(web::kTimelinePage), "text/html; charset=utf-8");
  });
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server->Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), kPrometheusContentType);
  });
  // Each request holds the state it started with, even when a refresh replaces it meanwhile.
  server->Get("/api/v1/timeline", [&states](const httplib::Request& req, httplib::Response& res) {
    send(res, states.get()->api->timeline(req.params));
  });
  server->Get(R"(/api/v1/events/(.+))",
              [&states](const httplib::Request& req, httplib::Response& res) {
                send(res, states.get()->api->event(req.matches[1]));
              });
  server->Get("/api/v1/alerts", [&states](const httplib::Request& req, httplib::Response& res) {
    send(res, states.get()->api->alerts(req.params));
  });
  server->Get("/api/v1/agents", [&states](const httplib::Request& req, httplib::Response& res) {
    send(res, states.get()->api->agents(req.params));
  });
  server->Get("/api/v1/report/coverage",
              [&states](const httplib::Request& req, httplib::Response& res) {
                send(res, states.get()->api->coverage(req.params));
              });

  int port = o.port == 0 ? server->bind_to_any_port(o.bind)
                         : (server->bind_to_port(o.bind, o.port) ? o.port : -1);
  if (port <= 0) {
    return cannot_run("cannot listen on " + o.bind + ":" + std::to_string(o.port));
  }
  install_stop_handlers();
  std::thread listener([&server] { server->listen_after_bind(); });
  auto span = states.get()->store->time_span();
  std::fprintf(
      stderr, "serve: listening on %s://%s:%d (store %s, events %s to %s, %s)\n",
      o.tls_cert.empty() ? "http" : "https",
      o.bind.find(':') != std::string::npos ? ("[" + o.bind + "]").c_str() : o.bind.c_str(), port,
      o.store.c_str(), span.first == span.second ? "-" : ingest::format_rfc3339(span.first).c_str(),
      span.first == span.second ? "-" : ingest::format_rfc3339(span.second).c_str(),
      token.empty() ? "no token" : "bearer token required");
  // Another process may be writing the store: reopen it when its files change, so the API
  // shows new commits within --refresh-seconds.
  auto checked = std::chrono::steady_clock::now();
  while (!stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (o.refresh_seconds == 0 ||
        std::chrono::steady_clock::now() - checked < std::chrono::seconds(o.refresh_seconds)) {
      continue;
    }
    checked = std::chrono::steady_clock::now();
    if (newest_file(o.store) <= states.get()->opened_after) continue;
    auto fresh = open_state(o.store, limits);
    if (fresh.ok()) {
      states.set(fresh.value());
      std::fprintf(stderr, "serve: the store changed; reopened\n");
    } else {
      std::fprintf(stderr, "serve: reopening the store failed, still serving the last state: %s\n",
                   fresh.status().message().c_str());
    }
  }
  while (!server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server->stop();
  listener.join();
  std::fprintf(stderr, "serve: stopped\n");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* serve =
      app.add_subcommand("serve", "HTTP API, web timeline and /metrics over an evidence store");
  serve->add_option("--store", o->store, "The evidence store directory")->required();
  serve->add_option("--bind", o->bind, "Address to listen on (not loopback: needs --token-file)")
      ->capture_default_str();
  serve->add_option("--port", o->port, "Port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--token-file", o->token_file,
                    "File holding the bearer token clients must send");
  serve->add_option("--tls-cert", o->tls_cert, "PEM certificate: serve HTTPS");
  serve->add_option("--tls-key", o->tls_key, "PEM private key of --tls-cert");
  serve->add_option("--max-page", o->max_page, "Largest page of events, alerts or agents")
      ->check(CLI::Range(size_t{1}, size_t{100000}))
      ->capture_default_str();
  serve
      ->add_option("--refresh-seconds", o->refresh_seconds,
                   "Look for new commits this often and reopen the store; 0: never")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  serve
      ->add_option("--max-range-days", o->max_range_days,
                   "Longest time range of a timeline or alert query")
      ->check(CLI::Range(int64_t{1}, int64_t{3660}))
      ->capture_default_str();
  serve->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace aw::tools
