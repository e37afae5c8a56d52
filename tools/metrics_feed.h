// PipelineMetricsServer: the pipeline's Prometheus metrics (tools/metrics.h) for a command that
// runs a Pipeline (`replay --metrics-port`; `run` can use it the same way): it owns the metrics
// registry and the /metrics + /healthz endpoint, and after each batch moves what the pipeline's
// cumulative counters added into the metrics, so the hot path never touches a metric per event.
//
// Thread-safety: after_batch() from the pipeline's thread; the endpoint's thread only renders.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingest/decode_error.h"
#include "ingest/result.h"
#include "tools/metrics.h"
#include "tools/metrics_endpoint.h"
#include "tools/pipeline.h"

namespace aw::tools {

class PipelineMetricsServer {
 public:
  // Listens on bind:port (0: a free port). `pipeline` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<PipelineMetricsServer>> start(
      Pipeline& pipeline, int port, const std::string& bind = "127.0.0.1");

  // Around each Pipeline::process(): after_batch() adds the batch's records, events, dead
  // letters, alerts and store commits, the time since batch_started() as one batch latency, and
  // refreshes the store size (read here, on the pipeline's thread, which owns the store).
  void batch_started() { batch_started_ = std::chrono::steady_clock::now(); }
  void after_batch();
  int port() const { return endpoint_->port(); }
  MetricsRegistry& registry() { return registry_; }
  // Follows a pipeline opened anew (run reopens it after the store's disk filled up); its
  // counters start from zero.
  void rebind(Pipeline& pipeline);
  PipelineMetrics& metrics() { return metrics_; }

 private:
  explicit PipelineMetricsServer(Pipeline& pipeline);

  Pipeline* pipeline_;
  MetricsRegistry registry_;
  PipelineMetrics metrics_;
  std::unique_ptr<MetricsEndpoint> endpoint_;
  // The counters as of the last batch.
  PipelineCounters last_;
  std::vector<uint64_t> last_alerts_by_rule_;
  uint64_t last_commits_ = 0;
  double last_write_seconds_ = 0;
  std::chrono::steady_clock::time_point batch_started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point size_read_{};
  // Series looked up once.
  Counter* dead_letters_[ingest::kDecodeErrorCount] = {};
  std::vector<Counter*> alerts_by_rule_;
};

}  // namespace aw::tools
