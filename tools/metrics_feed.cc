#include "tools/metrics_feed.h"

namespace aw::tools {

PipelineMetricsServer::PipelineMetricsServer(Pipeline& pipeline)
    : pipeline_(&pipeline), metrics_(registry_) {}

void PipelineMetricsServer::rebind(Pipeline& pipeline) {
  pipeline_ = &pipeline;
  last_ = {};
  last_alerts_by_rule_.clear();
  last_commits_ = 0;
  last_write_seconds_ = 0;
}

Result<std::unique_ptr<PipelineMetricsServer>> PipelineMetricsServer::start(
    Pipeline& pipeline, int port, const std::string& bind) {
  std::unique_ptr<PipelineMetricsServer> server(new PipelineMetricsServer(pipeline));
  for (int i = 1; i < ingest::kDecodeErrorCount; ++i) {
    server->dead_letters_[i] = &server->metrics_.dead_letters(
        ingest::decode_error_name(static_cast<ingest::DecodeError>(i)));
  }
  if (const rules::RuleSet* rules = pipeline.rules()) {
    for (const rules::CompiledRule& rule : rules->rules()) {
      server->alerts_by_rule_.push_back(&server->metrics_.alerts(rule.id));
    }
  }
  MetricsEndpointOptions options;
  options.bind = bind;
  options.port = port;
  auto endpoint = MetricsEndpoint::start(server->registry_, options);
  if (!endpoint.ok()) return endpoint.status();
  server->endpoint_ = std::move(endpoint.value());
  return server;
}

void PipelineMetricsServer::after_batch() {
  const auto now_time = std::chrono::steady_clock::now();
  const PipelineCounters& now = pipeline_->counters();
  metrics_.records_in.add(now.records - last_.records);
  metrics_.events_decoded.add(now.events - last_.events);
  for (int i = 1; i < ingest::kDecodeErrorCount; ++i) {
    if (now.dead_by_reason[i] != last_.dead_by_reason[i]) {
      dead_letters_[i]->add(now.dead_by_reason[i] - last_.dead_by_reason[i]);
    }
  }
  last_ = now;
  if (detect::Engine* engine = pipeline_->engine()) {
    const std::vector<uint64_t>& by_rule = engine->counters().alerts_by_rule;
    last_alerts_by_rule_.resize(by_rule.size(), 0);
    for (size_t i = 0; i < by_rule.size() && i < alerts_by_rule_.size(); ++i) {
      if (by_rule[i] != last_alerts_by_rule_[i]) {
        alerts_by_rule_[i]->add(by_rule[i] - last_alerts_by_rule_[i]);
        last_alerts_by_rule_[i] = by_rule[i];
      }
    }
  }
  if (store::EvidenceStore* store = pipeline_->store()) {
    // The store reports cumulative write time: each commit completed since the last batch
    // counts with the average of that time.
    store::StoreCounters c = store->counters();
    if (c.batches > last_commits_) {
      const double each =
          (c.write_seconds - last_write_seconds_) / static_cast<double>(c.batches - last_commits_);
      for (uint64_t i = last_commits_; i < c.batches; ++i)
        metrics_.store_write_seconds.observe(each);
      last_commits_ = c.batches;
      last_write_seconds_ = c.write_seconds;
    }
    // Performance note: RocksDB's file sizes are properties, cheap, but once a second is enough.
    if (now_time - size_read_ >= std::chrono::seconds(1)) {
      size_read_ = now_time;
      auto usage = store->disk_usage();
      if (usage.ok()) metrics_.store_size_bytes.set(static_cast<double>(usage->total()));
      if (auto memory = store->memory_usage(); memory.ok()) {
        metrics_.store_memory("block_cache").set(static_cast<double>(memory->block_cache));
        metrics_.store_memory("memtables").set(static_cast<double>(memory->memtables));
        metrics_.store_memory("table_readers").set(static_cast<double>(memory->table_readers));
      }
    }
  }
  metrics_.batch_seconds.observe(std::chrono::duration<double>(now_time - batch_started_).count());
}

}  // namespace aw::tools
