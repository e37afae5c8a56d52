// RunConfig: the YAML configuration of `agentwatch run` (examples/agentwatch.yaml is the full
// commented example). Every problem is reported with the file, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/kafka_client.h"
#include "ingest/result.h"

namespace aw::tools {

struct AuditTopic {
  std::string topic;              // a name, or a regex when it starts with '^'
  std::string format = "native";  // ingest/format.h: native, auto, cloudtrail, k8s-audit, ...
  std::string mapping;            // a source mapping file (README "Log formats"), optional
};

struct RunConfig {
  std::string path;  // the file the config came from
  // Kafka
  std::string bootstrap_servers;
  std::string group_id = "agentwatch";
  ingest::KafkaProperties properties;  // librdkafka pass-through, validated when clients start
  std::vector<AuditTopic> audit_topics;
  // Registry: the YAML file is the bootstrap, the topic carries updates (read whole, from the
  // beginning, by every instance).
  std::string registry_file;
  std::string registry_topic;
  // Alerts: the feed topic and its format, an optional JSON Lines file, feed-only suppression.
  std::string alert_topic;
  std::string alert_format = "native";
  std::string alerts_file;
  int64_t suppress_window_us = 0;  // 0: every alert goes to the feed
  std::string dead_letter_topic;
  // Store and rules
  std::string store;
  uint32_t retention_days = 0;
  // After the store's disk filled up, ingestion resumes once its file system has this much free
  // space again (so it does not stop again at once). Default: 256 MiB.
  uint64_t store_resume_free_mb = 256;
  std::vector<std::string> rule_paths;
  std::string action_classes;
  // Batching: a batch closes at max_records or after max_wait, whichever comes first.
  size_t batch_max_records = 5000;
  int batch_max_wait_ms = 50;
  // How often the store is flushed, the outbox published and offsets committed to Kafka.
  int commit_interval_ms = 100;
  size_t max_record_bytes = 1 << 20;
  // Partitions interleave a source's records: a missing sequence number is an audit gap once
  // every assigned partition is past it, or (a backstop) once the source is this far past it.
  uint32_t seq_reorder_window = 1 << 20;
  // How often a lag line is logged; 0: never.
  int lag_log_interval_ms = 10000;
  // Prometheus /metrics and /healthz on metrics_bind:metrics_port; -1: off.
  int metrics_port = -1;
  std::string metrics_bind = "127.0.0.1";
};

// Loads and validates `path`.
Result<RunConfig> load_run_config(const std::string& path);
// The same from the file's text; `origin` names it in messages (the config fuzzer's entry).
Result<RunConfig> parse_run_config(const std::string& yaml_text, const std::string& origin);

}  // namespace aw::tools
