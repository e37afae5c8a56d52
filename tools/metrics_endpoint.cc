#include "tools/metrics_endpoint.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace aw::tools {

struct MetricsEndpoint::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<bool> done{false};  // listen returned
};

namespace {
// httplib's stop() does nothing until the listen loop runs, so wait for it to run (or end).
void wait_until_listening(MetricsEndpoint::Impl& impl) {
  while (!impl.server.is_running() && !impl.done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}
}  // namespace

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(const MetricsRegistry& registry,
                                                                MetricsEndpointOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry.render(), kPrometheusContentType);
  });
  auto health = options.health;
  impl->server.Get("/healthz", [health](const httplib::Request&, httplib::Response& res) {
    std::string text = "ok";
    bool ok = health ? health(&text) : true;
    res.status = ok ? 200 : 503;
    res.set_content(text + "\n", "text/plain; charset=utf-8");
  });
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.bind);
  } else {
    impl->port = impl->server.bind_to_port(options.bind, options.port) ? options.port : -1;
  }
  if (impl->port <= 0) {
    return Status::unavailable("metrics endpoint: cannot listen on " + options.bind + ":" +
                               std::to_string(options.port));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  wait_until_listening(*impl);
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsEndpoint::~MetricsEndpoint() { stop(); }

int MetricsEndpoint::port() const { return impl_->port; }

void MetricsEndpoint::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  wait_until_listening(*impl_);
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace aw::tools
