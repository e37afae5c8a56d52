#include "tools/run_loop.h"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>
#include <sys/statvfs.h>

#include "ingest/dead_letter_writer.h"
#include "ingest/format.h"
#include "ingest/formats/source_mapping.h"
#include "ingest/kafka_client.h"
#include "ingest/native_decoder.h"
#include "ingest/redact.h"
#include "ingest/timestamp.h"
#include "rules/action_class_table.h"
#include "tools/metrics_feed.h"
#include "tools/pipeline.h"
#include "tools/stop_signal.h"

namespace aw::tools {
namespace {

using Clock = std::chrono::steady_clock;

std::string position_name(std::string_view topic, int32_t partition) {
  return std::string(topic) + "/" + std::to_string(partition);
}

// Free space of the file system holding `path` (or its parent, before it exists), in MiB;
// -1 when it cannot be read.
int64_t free_mib(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) {
    std::string parent = path.substr(0, path.find_last_of('/'));
    if (parent.empty() || parent == path || statvfs(parent.c_str(), &fs) != 0) return -1;
  }
  return static_cast<int64_t>((static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize) >> 20);
}

class RunLoop {
 public:
  RunLoop(const RunConfig& config, const RunHooks& hooks) : config_(config), hooks_(hooks) {}

  Status start();
  Status loop();
  Status stop();

 private:
  Status open_pipeline();
  Status read_registry_topic();
  // A failed store write: a full disk pauses ingestion until space returns (pause_for_space);
  // any other failure stops the run.
  Status handle_store_failure(Status failure);
  Status pause_for_space(const Status& failure);
  Status resume_after_space();
  void log(const char* format, ...) const __attribute__((format(printf, 2, 3)));
  ingest::KafkaProperties client_properties() const;
  Status apply_registry_messages(ingest::KafkaMessages& messages);
  Status process(ingest::KafkaMessages& messages);
  Status tick(bool commit_to_kafka);
  Status publish_outbox();
  void on_assign(std::vector<ingest::PartitionStart>& partitions);
  void on_revoke(const std::vector<ingest::TopicPartition>& partitions, bool lost);
  void log_lag();
  void update_expected_partitions();
  void report_retro_alerts();

  const RunConfig& config_;
  const RunHooks& hooks_;
  std::unique_ptr<Pipeline> pipeline_;
  std::optional<ingest::NativeDecoder> decoder_;
  std::optional<rules::ActionClassifier> classifier_;
  std::unique_ptr<ingest::KafkaGroupConsumer> consumer_;
  std::unique_ptr<ingest::KafkaTopicReader> registry_reader_;
  std::unique_ptr<ingest::KafkaProducer> producer_;
  std::unique_ptr<PipelineMetricsServer> metrics_;

  // Assigned partitions and the next offset stored for each (what a Kafka commit may say).
  std::map<std::string, ingest::PartitionOffset> assigned_;
  std::map<std::string, int64_t> committed_;  // last committed to Kafka
  Status callback_error_;

  // Outbox: entries produced and awaiting their delivery report, by token.
  std::unordered_map<uint64_t, std::string> in_flight_;
  std::vector<std::string> delivered_;
  std::string outbox_cursor_;  // the last outbox key produced
  bool resend_from_start_ = false;
  uint64_t next_token_ = 1;

  // Batch buffers, reused.
  ingest::EventBatch batch_;
  std::string buffer_;
  std::vector<ingest::RecordRef> records_;
  std::vector<store::PositionRecord> positions_;
  std::vector<size_t> keep_;
  std::vector<int64_t> default_times_;
  // Decoders by topic, and the mapping of each audit_topics entry (null: none).
  Result<ingest::RecordDecoder*> decoder_for(std::string_view topic);
  std::vector<std::pair<std::string, std::unique_ptr<ingest::RecordDecoder>>> topic_decoders_;
  std::vector<std::unique_ptr<ingest::SourceMapping>> mappings_;
  // The partitions met in the batch being processed.
  struct BatchPartition {
    std::string_view topic;
    int32_t partition = 0;
    std::string name;  // "topic/partition"
    bool assigned = false;
    int64_t next_offset = -1;
  };
  BatchPartition* batch_partition(const rd_kafka_message_s* m);
  std::vector<BatchPartition> batch_partitions_;
  BatchPartition* last_partition_ = nullptr;
  std::string line_;

  std::vector<std::string> topics_;
  // Set while the store's disk is full: the pipeline (and its store) is closed, the consumer
  // has left its partitions, and nothing may be flushed or committed.
  bool store_paused_ = false;

  RunProgress progress_;
  Clock::time_point last_tick_ = Clock::now();
  Clock::time_point last_lag_ = Clock::now();
  Clock::time_point last_lag_metric_ = Clock::now();
  Clock::time_point last_progress_ = Clock::now();
};

void RunLoop::log(const char* format, ...) const {
  if (hooks_.quiet) return;
  std::va_list args;
  va_start(args, format);
  // Operator lines carry their time (UTC, µs), so they line up with the broker's and the SOC's.
  int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::fprintf(stderr, "%s run: ", ingest::format_rfc3339(now_us).c_str());
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
}

ingest::KafkaProperties RunLoop::client_properties() const {
  ingest::KafkaProperties properties = config_.properties;
  properties.emplace_back("bootstrap.servers", config_.bootstrap_servers);
  return properties;
}

Status RunLoop::open_pipeline() {
  PipelineOptions options;
  options.registry = config_.registry_file;
  options.rule_paths = config_.rule_paths;
  options.action_classes = config_.action_classes;
  options.always_detect = true;
  options.alerts_out = config_.alerts_file;
  options.append_alerts = true;  // an alert log across restarts and pauses
  options.alert_format =
      config_.alert_format == "ocsf" ? detect::AlertFormat::kOcsf : detect::AlertFormat::kNative;
  options.store = config_.store;
  options.retention_days = config_.retention_days;
  options.seq_reorder_window = config_.seq_reorder_window;
  options.suppress_window_us = config_.suppress_window_us;
  if (!config_.alert_topic.empty()) options.feed = options.alert_format;
  auto pipeline = Pipeline::open(options);
  if (!pipeline.ok()) return pipeline.status();
  pipeline_ = std::move(pipeline.value());
  classifier_.emplace(pipeline_->action_classes());
  return Status::ok_status();
}

// The registry topic, whole from the beginning: every audit record is judged against what it
// says.
Status RunLoop::read_registry_topic() {
  if (config_.registry_topic.empty()) return Status::ok_status();
  auto reader = ingest::KafkaTopicReader::open(client_properties(), config_.registry_topic, 10000);
  if (!reader.ok()) return reader.status();
  registry_reader_ = std::move(reader.value());
  ingest::KafkaMessages messages;
  AW_RETURN_IF_ERROR(registry_reader_->catch_up(messages, 30000));
  size_t count = messages.size();
  AW_RETURN_IF_ERROR(apply_registry_messages(messages));
  log("registry topic '%s' read: %zu updates", config_.registry_topic.c_str(), count);
  return Status::ok_status();
}

Status RunLoop::start() {
  AW_RETURN_IF_ERROR(open_pipeline());
  ingest::DecoderOptions decoder_options;
  decoder_options.max_record_bytes = config_.max_record_bytes;
  auto decoder = ingest::NativeDecoder::make(decoder_options);
  if (!decoder.ok()) return decoder.status();
  decoder_.emplace(std::move(decoder.value()));
  // Each audit topic's mapping is loaded now: a bad one is a reason not to start.
  for (const AuditTopic& topic : config_.audit_topics) {
    if (topic.mapping.empty()) {
      mappings_.emplace_back();
      continue;
    }
    auto mapping = ingest::SourceMapping::load_file(topic.mapping);
    if (!mapping.ok()) return mapping.status();
    mappings_.push_back(std::make_unique<ingest::SourceMapping>(std::move(mapping.value())));
  }

  if (!config_.alert_topic.empty() || !config_.dead_letter_topic.empty()) {
    auto producer = ingest::KafkaProducer::open(
        client_properties(), [this](uint64_t token, int code, const std::string& reason) {
          auto it = in_flight_.find(token);
          if (it == in_flight_.end()) return;  // a dead letter: nothing to remove
          if (code == 0) {
            delivered_.push_back(std::move(it->second));
          } else {
            log("alert %s not delivered (%s); it stays in the outbox", it->second.c_str(),
                reason.c_str());
            resend_from_start_ = true;
          }
          in_flight_.erase(it);
        });
    if (!producer.ok()) return producer.status();
    producer_ = std::move(producer.value());
  }

  // The registry topic first: every audit record is judged against what it says.
  AW_RETURN_IF_ERROR(read_registry_topic());
  if (config_.metrics_port >= 0) {
    auto metrics =
        PipelineMetricsServer::start(*pipeline_, config_.metrics_port, config_.metrics_bind);
    if (!metrics.ok()) return metrics.status();
    metrics_ = std::move(metrics.value());
    log("metrics on http://%s:%d/metrics", config_.metrics_bind.c_str(), metrics_->port());
  }
  // Alerts a previous run stored but did not get acknowledged go out first.
  AW_RETURN_IF_ERROR(publish_outbox());

  ingest::KafkaProperties properties = client_properties();
  properties.emplace_back("group.id", config_.group_id);
  ingest::KafkaGroupConsumer::Callbacks callbacks;
  callbacks.on_assign = [this](std::vector<ingest::PartitionStart>& partitions) {
    on_assign(partitions);
  };
  callbacks.on_revoke = [this](const std::vector<ingest::TopicPartition>& partitions, bool lost) {
    on_revoke(partitions, lost);
  };
  callbacks.on_error = [this](int code, const std::string& reason, bool fatal) {
    log("Kafka %s: %s (code %d)", fatal ? "fatal error" : "error", reason.c_str(), code);
    if (fatal && callback_error_.ok()) {
      callback_error_ = Status::unavailable("Kafka fatal error: " + reason);
    }
  };
  auto consumer = ingest::KafkaGroupConsumer::open(properties, std::move(callbacks));
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer.value());
  for (const AuditTopic& topic : config_.audit_topics) topics_.push_back(topic.topic);
  AW_RETURN_IF_ERROR(consumer_->subscribe(topics_));
  log("consuming %zu topic(s) as group '%s' from %s; store %s", topics_.size(),
      config_.group_id.c_str(), config_.bootstrap_servers.c_str(), config_.store.c_str());
  return Status::ok_status();
}

// A source's records come from every assigned partition of its topic: its sequence watermark
// waits for that many (detect/correlation_state.h).
void RunLoop::update_expected_partitions() {
  std::map<std::string, uint32_t> per_topic;
  uint32_t most = 1;
  for (const auto& [name, offset] : assigned_) most = std::max(most, ++per_topic[offset.tp.topic]);
  if (pipeline_->engine() != nullptr) pipeline_->engine()->set_expected_partitions(most);
}

void RunLoop::on_assign(std::vector<ingest::PartitionStart>& partitions) {
  for (ingest::PartitionStart& p : partitions) {
    std::string name = position_name(p.tp.topic, p.tp.partition);
    auto stored = pipeline_->store()->position(name);
    if (!stored.ok()) {
      log("reading the stored position of %s: %s", name.c_str(), stored.status().message().c_str());
      if (callback_error_.ok()) callback_error_ = stored.status();
    }
    const bool from_store = stored.ok() && stored->has_value();
    if (from_store) p.offset = static_cast<int64_t>(**stored);
    assigned_[name] = ingest::PartitionOffset{p.tp, from_store ? p.offset : -1};
    if (from_store) {
      log("assigned %s, resuming at offset %lld (the store's)", name.c_str(),
          static_cast<long long>(p.offset));
    } else {
      log("assigned %s, starting at the group's committed offset", name.c_str());
    }
  }
  update_expected_partitions();
}

void RunLoop::on_revoke(const std::vector<ingest::TopicPartition>& partitions, bool lost) {
  if (store_paused_) {
    // The store could not write what was read: the offsets committed so far (never past what
    // the store holds) are where the next owner starts.
    for (const ingest::TopicPartition& tp : partitions) {
      std::string name = position_name(tp.topic, tp.partition);
      assigned_.erase(name);
      log("left %s while the store is paused", name.c_str());
    }
    return;
  }
  // Whatever was read from them is processed already (batches are handled before the next
  // poll); make it durable and tell the group, so the next owner starts after it.
  Status flushed = pipeline_->flush();
  if (!flushed.ok() && callback_error_.ok()) callback_error_ = flushed;
  std::vector<ingest::PartitionOffset> commits;
  for (const ingest::TopicPartition& tp : partitions) {
    std::string name = position_name(tp.topic, tp.partition);
    auto it = assigned_.find(name);
    if (it != assigned_.end() && it->second.next_offset >= 0 && !lost) {
      commits.push_back(it->second);
      committed_[name] = it->second.next_offset;
    }
    assigned_.erase(name);
    log("%s %s", lost ? "lost" : "revoked", name.c_str());
  }
  update_expected_partitions();
  if (!commits.empty()) {
    Status committed = consumer_->commit(commits, false);
    if (!committed.ok()) log("%s", committed.message().c_str());
  }
}

Status RunLoop::apply_registry_messages(ingest::KafkaMessages& messages) {
  if (messages.empty()) return Status::ok_status();
  buffer_.clear();
  records_.clear();
  size_t total = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    total += ingest::message_payload(messages[i]).size() + ingest::kRecordPadding;
  }
  buffer_.resize(total);
  size_t at = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string_view payload = ingest::message_payload(messages[i]);
    std::memcpy(buffer_.data() + at, payload.data(), payload.size());
    std::memset(buffer_.data() + at + payload.size(), 0, ingest::kRecordPadding);
    ingest::RecordRef ref;
    ref.bytes = std::string_view(buffer_.data() + at, payload.size());
    ref.record_bytes = payload.size();
    ref.position.offset = static_cast<uint64_t>(ingest::message_offset(messages[i]));
    ref.position.partition = ingest::message_partition(messages[i]);
    records_.push_back(ref);
    at += payload.size() + ingest::kRecordPadding;
  }
  batch_.clear();
  decoder_->decode(records_, batch_);
  if (!batch_.events.empty()) {
    log("registry topic: %zu records are events, not registry updates; ignored",
        batch_.events.size());
    batch_.events.clear();
  }
  AW_RETURN_IF_ERROR(pipeline_->process(batch_, messages.size(), config_.registry_topic, {}));
  report_retro_alerts();
  for (const ingest::DeadLetter& letter : batch_.dead_letters) {
    // The reason may quote the record: secrets in it stay out of the operator's log (the
    // dead-letter topic keeps the raw record, by design).
    std::string detail;
    ingest::append_redacted(letter.detail, &detail);
    log("registry topic: update at offset %llu refused: %s%s%s",
        static_cast<unsigned long long>(letter.position.offset),
        std::string(ingest::decode_error_name(letter.reason)).c_str(), detail.empty() ? "" : ": ",
        detail.c_str());
  }
  messages.clear();
  return Status::ok_status();
}

// The decoder of `topic`: one per topic (decoders keep join state), in the format of the first
// audit_topics entry that names it or whose ^regex matches it.
Result<ingest::RecordDecoder*> RunLoop::decoder_for(std::string_view topic) {
  for (auto& [name, decoder] : topic_decoders_) {
    if (name == topic) return decoder.get();
  }
  for (size_t i = 0; i < config_.audit_topics.size(); ++i) {
    const AuditTopic& entry = config_.audit_topics[i];
    bool matches = entry.topic == topic;
    if (!matches && !entry.topic.empty() && entry.topic[0] == '^') {
      // RE2 (linear time, like the rules' `matches`); a pattern it cannot read matches nothing.
      re2::RE2 pattern(entry.topic, re2::RE2::Quiet);
      matches = pattern.ok() &&
                re2::RE2::PartialMatch(re2::StringPiece(topic.data(), topic.size()), pattern);
    }
    if (!matches) continue;
    auto format = ingest::parse_format(entry.format);
    if (!format.ok()) return format.status();
    ingest::DecoderOptions options;
    options.max_record_bytes = config_.max_record_bytes;
    auto made = ingest::make_decoder(*format, options, mappings_[i].get());
    if (!made.ok()) return made.status();
    log("topic %.*s: %s records", static_cast<int>(topic.size()), topic.data(),
        entry.format.c_str());
    topic_decoders_.emplace_back(std::string(topic), std::move(made.value()));
    return topic_decoders_.back().second.get();
  }
  return Status::invalid_argument("no audit_topics entry for topic '" + std::string(topic) + "'");
}

// The partition of `m` in this batch's list, found by a short scan (a batch holds a few
// partitions, in runs): no string is built per message.
RunLoop::BatchPartition* RunLoop::batch_partition(const rd_kafka_message_s* m) {
  std::string_view topic = ingest::message_topic(m);
  int32_t partition = ingest::message_partition(m);
  if (last_partition_ != nullptr && last_partition_->partition == partition &&
      last_partition_->topic == topic) {
    return last_partition_;
  }
  for (BatchPartition& p : batch_partitions_) {
    if (p.partition == partition && p.topic == topic) return last_partition_ = &p;
  }
  BatchPartition& p = batch_partitions_.emplace_back();
  p.topic = topic;
  p.partition = partition;
  p.name = position_name(topic, partition);
  p.assigned = assigned_.contains(p.name);
  last_partition_ = nullptr;  // the vector may have moved
  return last_partition_ = &batch_partitions_.back();
}

Status RunLoop::process(ingest::KafkaMessages& messages) {
  // Keep the records of partitions still ours; errors are logged, end-of-partition ignored.
  buffer_.clear();
  records_.clear();
  positions_.clear();
  keep_.clear();
  batch_partitions_.clear();
  batch_partitions_.reserve(64);  // pointers into it stay valid for the batch
  last_partition_ = nullptr;
  size_t total = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto* m = messages[i];
    if (ingest::message_error_code(m) != 0) {
      if (!ingest::message_is_partition_eof(m)) {
        log("consuming %s: %s",
            position_name(ingest::message_topic(m), ingest::message_partition(m)).c_str(),
            ingest::message_error(m).c_str());
      }
      continue;
    }
    BatchPartition* p = batch_partition(m);
    if (!p->assigned) continue;  // revoked while in hand: the next owner reads it
    p->next_offset = std::max(p->next_offset, ingest::message_offset(m) + 1);
    keep_.push_back(i);
    total += ingest::message_payload(m).size() + ingest::kRecordPadding;
  }
  if (keep_.empty()) return Status::ok_status();
  // One padded copy of the payloads: the decoder reads a little past each record's end.
  if (buffer_.size() < total) buffer_.resize(total);
  // Records of one topic decode together (a topic has one format); dead letters name it.
  batch_.clear();
  size_t at = 0;
  size_t k = 0;
  while (k < keep_.size()) {
    std::string_view topic = ingest::message_topic(messages[keep_[k]]);
    records_.clear();
    default_times_.clear();
    size_t end = k;
    for (; end < keep_.size() && ingest::message_topic(messages[keep_[end]]) == topic; ++end) {
      const auto* m = messages[keep_[end]];
      std::string_view payload = ingest::message_payload(m);
      std::memcpy(buffer_.data() + at, payload.data(), payload.size());
      std::memset(buffer_.data() + at + payload.size(), 0, ingest::kRecordPadding);
      ingest::RecordRef ref;
      ref.bytes = std::string_view(buffer_.data() + at, payload.size());
      ref.record_bytes = payload.size();
      ref.position.offset = static_cast<uint64_t>(ingest::message_offset(m));
      ref.position.partition = ingest::message_partition(m);
      records_.push_back(ref);
      // Records without a time of their own take their Kafka timestamp.
      int64_t kafka_time = ingest::message_timestamp_us(m);
      default_times_.push_back(kafka_time >= 0 ? kafka_time : ingest::kNoDefaultTime);
      at += payload.size() + ingest::kRecordPadding;
    }
    size_t dead_before = batch_.dead_letters.size();
    auto decoder = decoder_for(topic);
    if (!decoder.ok()) return decoder.status();
    (*decoder)->decode(records_, default_times_, batch_);
    // Dead letters of this topic go out now, named by it.
    if (producer_ && !config_.dead_letter_topic.empty()) {
      for (size_t d = dead_before; d < batch_.dead_letters.size(); ++d) {
        line_.clear();
        ingest::DeadLetterWriter::format(line_, topic, batch_.dead_letters[d]);
        AW_RETURN_IF_ERROR(producer_->produce(config_.dead_letter_topic, topic, line_, 0));
      }
    }
    k = end;
  }
  classifier_->classify(batch_);
  for (const BatchPartition& p : batch_partitions_) {
    if (!p.assigned || p.next_offset < 0) continue;
    assigned_[p.name].next_offset = p.next_offset;
    positions_.push_back(store::PositionRecord{p.name, static_cast<uint64_t>(p.next_offset)});
  }
  size_t dead_before = batch_.dead_letters.size();
  if (metrics_) metrics_->batch_started();
  AW_RETURN_IF_ERROR(pipeline_->process(batch_, keep_.size(), "kafka", positions_));
  if (metrics_) metrics_->after_batch();
  // Registry updates interleaved in an audit topic that the engine refused.
  if (producer_ && !config_.dead_letter_topic.empty()) {
    for (size_t d = dead_before; d < batch_.dead_letters.size(); ++d) {
      line_.clear();
      ingest::DeadLetterWriter::format(line_, "audit", batch_.dead_letters[d]);
      AW_RETURN_IF_ERROR(producer_->produce(config_.dead_letter_topic, "", line_, 0));
    }
  }
  progress_.records += keep_.size();
  progress_.events += batch_.events.size();
  progress_.dead_letters += batch_.dead_letters.size();
  progress_.alerts += pipeline_->alerts().alerts.size();
  report_retro_alerts();
  if (hooks_.on_alert && !pipeline_->alerts().alerts.empty()) {
    for (const detect::Alert& alert : pipeline_->alerts().alerts) {
      line_.clear();
      detect::render_alert(detect::AlertFormat::kNative, alert,
                           pipeline_->rules()->rules()[alert.rule_index],
                           batch_.events[alert.event_index], &line_);
      hooks_.on_alert(line_);
    }
  }
  return Status::ok_status();
}

void RunLoop::report_retro_alerts() {
  const std::vector<std::string>& retro = pipeline_->retro_alerts();
  if (retro.empty()) return;
  progress_.alerts += retro.size();
  log("%zu retro alerts: stored events re-judged after a late registry update", retro.size());
  if (hooks_.on_alert) {
    for (const std::string& json : retro) hooks_.on_alert(json);
  }
}

Status RunLoop::publish_outbox() {
  if (!producer_ || config_.alert_topic.empty()) return Status::ok_status();
  if (resend_from_start_ && in_flight_.empty()) {
    outbox_cursor_.clear();  // a failed delivery: go over what is left again
    resend_from_start_ = false;
  }
  store::EvidenceStore& store = *pipeline_->store();
  while (true) {
    auto entries = store.outbox(outbox_cursor_, 1000);
    if (!entries.ok()) return entries.status();
    for (const store::OutboxEntry& entry : *entries) {
      uint64_t token = next_token_++;
      in_flight_.emplace(token, entry.key);
      AW_RETURN_IF_ERROR(
          producer_->produce(config_.alert_topic, entry.agent, entry.payload, token));
      outbox_cursor_ = entry.key;
    }
    if (entries->size() < 1000) break;
  }
  producer_->poll(0);
  if (!delivered_.empty()) {
    progress_.published_alerts += delivered_.size();
    AW_RETURN_IF_ERROR(store.remove_from_outbox(delivered_));
    delivered_.clear();
  }
  return Status::ok_status();
}

Status RunLoop::tick(bool commit_to_kafka) {
  AW_RETURN_IF_ERROR(pipeline_->flush());
  AW_RETURN_IF_ERROR(publish_outbox());
  if (commit_to_kafka) {
    std::vector<ingest::PartitionOffset> commits;
    for (const auto& [name, offset] : assigned_) {
      if (offset.next_offset < 0) continue;
      auto it = committed_.find(name);
      if (it != committed_.end() && it->second == offset.next_offset) continue;
      commits.push_back(offset);
      committed_[name] = offset.next_offset;
    }
    if (!commits.empty()) {
      Status committed = consumer_->commit(commits, true);
      if (!committed.ok()) log("%s", committed.message().c_str());
    }
  }
  last_tick_ = Clock::now();
  return Status::ok_status();
}

void RunLoop::log_lag() {
  std::string line;
  int64_t total = 0;
  for (const auto& [name, offset] : assigned_) {
    int64_t high = consumer_->high_watermark(offset.tp);
    if (high < 0 || offset.next_offset < 0) continue;
    int64_t lag = std::max<int64_t>(0, high - offset.next_offset);
    total += lag;
    line += " " + name + "=" + std::to_string(lag);
  }
  log("lag %lld records (%s ); %llu records, %llu events, %llu alerts, %llu dead-lettered so far",
      static_cast<long long>(total), line.c_str(),
      static_cast<unsigned long long>(progress_.records),
      static_cast<unsigned long long>(progress_.events),
      static_cast<unsigned long long>(progress_.alerts),
      static_cast<unsigned long long>(progress_.dead_letters));
}

Status RunLoop::loop() {
  ingest::KafkaMessages messages;
  ingest::KafkaMessages registry_messages;
  while (!stop_requested() && !(hooks_.should_stop && hooks_.should_stop(progress_))) {
    if (registry_reader_) {
      registry_reader_->poll(registry_messages, 10000);
      Status applied = apply_registry_messages(registry_messages);
      registry_messages.clear();
      AW_RETURN_IF_ERROR(handle_store_failure(std::move(applied)));
      if (store_paused_) continue;
    }
    messages.clear();
    consumer_->poll(messages, config_.batch_max_records, config_.batch_max_wait_ms);
    AW_RETURN_IF_ERROR(callback_error_);
    uint64_t alerts_before = progress_.alerts;
    Status processed = process(messages);
    messages.clear();
    AW_RETURN_IF_ERROR(handle_store_failure(std::move(processed)));
    if (store_paused_) continue;
    if (producer_) producer_->poll(0);
    auto now = Clock::now();
    auto since_tick = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_tick_);
    // New alerts go out soon (the p99 alert delay target); otherwise once per interval.
    if (since_tick.count() >= config_.commit_interval_ms ||
        (progress_.alerts != alerts_before && since_tick.count() >= 10)) {
      AW_RETURN_IF_ERROR(
          handle_store_failure(tick(since_tick.count() >= config_.commit_interval_ms)));
      if (store_paused_) continue;
    }
    // The lag gauge follows every second; the log line every lag_log_interval.
    if (metrics_ && now - last_lag_metric_ >= std::chrono::seconds(1)) {
      for (const auto& [name, offset] : assigned_) {
        int64_t high = consumer_->high_watermark(offset.tp);
        if (high < 0 || offset.next_offset < 0) continue;
        metrics_->metrics()
            .consumer_lag(offset.tp.partition)
            .set(static_cast<double>(std::max<int64_t>(0, high - offset.next_offset)));
      }
      last_lag_metric_ = now;
    }
    if (config_.lag_log_interval_ms > 0 &&
        now - last_lag_ >= std::chrono::milliseconds(config_.lag_log_interval_ms)) {
      log_lag();
      last_lag_ = now;
    }
    if (hooks_.on_progress && now - last_progress_ >= std::chrono::seconds(1)) {
      hooks_.on_progress(progress_);
      last_progress_ = now;
    }
  }
  return Status::ok_status();
}

Status RunLoop::stop() {
  // Finish: store what was read, publish the outbox, commit, leave the group. Stopped while
  // paused, there is no store open and nothing to commit.
  Status status = store_paused_ ? Status::ok_status() : tick(true);
  if (producer_) {
    for (int i = 0; i < 100 && (!in_flight_.empty() || producer_->in_flight() > 0); ++i) {
      producer_->poll(50);
    }
    if (!delivered_.empty() && pipeline_) {
      progress_.published_alerts += delivered_.size();
      Status removed = pipeline_->store()->remove_from_outbox(delivered_);
      if (status.ok()) status = removed;
      delivered_.clear();
    }
    Status flushed = producer_->flush(5000);
    if (status.ok()) status = flushed;
  }
  if (consumer_) {
    Status closed = consumer_->close();
    if (!closed.ok()) log("%s", closed.message().c_str());
  }
  Status finished = pipeline_ ? pipeline_->finish() : Status::ok_status();
  if (status.ok()) status = finished;
  log("stopped: %llu records, %llu events, %llu alerts (%llu published), %llu dead-lettered",
      static_cast<unsigned long long>(progress_.records),
      static_cast<unsigned long long>(progress_.events),
      static_cast<unsigned long long>(progress_.alerts),
      static_cast<unsigned long long>(progress_.published_alerts),
      static_cast<unsigned long long>(progress_.dead_letters));
  return status;
}

Status RunLoop::handle_store_failure(Status failure) {
  if (failure.ok() || failure.code() != StatusCode::kNoSpace) return failure;
  return pause_for_space(failure);
}

// The store's disk is full. What the failed write held is not stored, and no offset past what
// the store holds was committed (commits follow a successful flush), so nothing is lost if the
// records are read again: leave the partitions, close the store, wait for space, then open
// everything anew as a restart would (the engine too: it had judged the lost batch) and join
// the group again, which resumes each partition at the store's position.
Status RunLoop::pause_for_space(const Status& failure) {
  store_paused_ = true;
  log("store: the disk is full (%s); ingestion paused: partitions left, no offset past what the "
      "store holds is committed; resuming once %s has %llu MiB free",
      failure.message().c_str(), config_.store.c_str(),
      static_cast<unsigned long long>(config_.store_resume_free_mb));
  if (metrics_) metrics_->metrics().ingestion_paused.set(1);
  AW_RETURN_IF_ERROR(consumer_->unsubscribe());
  ingest::KafkaMessages dropped;  // serves the revocation; records read again later
  consumer_->poll(dropped, 1000, 100);
  dropped.clear();
  registry_reader_.reset();
  pipeline_.reset();        // closes the store; what it could not write is lost to it, not to Kafka
  topic_decoders_.clear();  // their held entries came from records that will be read again
  auto last_report = Clock::now();
  while (!stop_requested() && !(hooks_.should_stop && hooks_.should_stop(progress_))) {
    consumer_->poll(dropped, 1000, 1000);  // also the wait between checks
    dropped.clear();
    if (producer_) producer_->poll(0);  // delivery reports of alerts sent before the pause
    const int64_t free = free_mib(config_.store);
    const bool enough = free >= 0 && static_cast<uint64_t>(free) >= config_.store_resume_free_mb;
    if (enough) {
      Status resumed = resume_after_space();
      if (resumed.ok()) return resumed;
      if (resumed.code() != StatusCode::kNoSpace) return resumed;
      registry_reader_.reset();
      pipeline_.reset();
      log("store: still no space after reopening (%s); paused", resumed.message().c_str());
    } else if (Clock::now() - last_report >= std::chrono::seconds(30)) {
      log("store: still paused: %lld MiB free of the %llu needed", static_cast<long long>(free),
          static_cast<unsigned long long>(config_.store_resume_free_mb));
      last_report = Clock::now();
    }
  }
  return Status::ok_status();  // stopped while paused
}

Status RunLoop::resume_after_space() {
  AW_RETURN_IF_ERROR(open_pipeline());
  if (metrics_) metrics_->rebind(*pipeline_);
  AW_RETURN_IF_ERROR(read_registry_topic());
  // Alerts acknowledged while the store was closed leave the outbox; the rest go out again from
  // the start (the feed is at-least-once with stable alert ids).
  if (!delivered_.empty()) {
    progress_.published_alerts += delivered_.size();
    AW_RETURN_IF_ERROR(pipeline_->store()->remove_from_outbox(delivered_));
    delivered_.clear();
  }
  outbox_cursor_.clear();
  AW_RETURN_IF_ERROR(publish_outbox());
  store_paused_ = false;
  AW_RETURN_IF_ERROR(consumer_->subscribe(topics_));
  if (metrics_) metrics_->metrics().ingestion_paused.set(0);
  log("store: %lld MiB free again; ingestion resumed from the store's positions",
      static_cast<long long>(free_mib(config_.store)));
  return Status::ok_status();
}

}  // namespace

Status run_pipeline(const RunConfig& config, const RunHooks& hooks) {
  RunLoop loop(config, hooks);
  AW_RETURN_IF_ERROR(loop.start());
  Status looped = loop.loop();
  Status stopped = loop.stop();
  return looped.ok() ? stopped : looped;
}

}  // namespace aw::tools
