// MetricsEndpoint: a small HTTP server on a thread of its own serving GET /metrics (the
// registry's Prometheus text) and GET /healthz, for processes whose main job is something else
// (`agentwatch run`, `agentwatch replay --metrics-port`). `serve` mounts the same handlers on
// its own server.
//
// Thread-safety: start() and stop() from one thread; the server thread only reads the registry.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ingest/result.h"
#include "tools/metrics.h"

namespace aw::tools {

struct MetricsEndpointOptions {
  // Address to listen on. Default: loopback; metrics carry no secrets but say a lot about the
  // deployment, so exposing them is a choice.
  std::string bind = "127.0.0.1";
  // Port; 0 picks a free one (see port()). Default: 9464.
  int port = 9464;
  // Health: true when healthy; the text is the response body. Default: always "ok".
  std::function<bool(std::string* text)> health;
};

class MetricsEndpoint {
 public:
  // Binds and starts serving; kUnavailable when the address cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<MetricsEndpoint>> start(
      const MetricsRegistry& registry, MetricsEndpointOptions options);
  ~MetricsEndpoint();  // stop()
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const;
  void stop();

  struct Impl;

 private:
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Content-Type of the Prometheus text exposition format.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace aw::tools
