#include "ingest/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstring>

namespace aw::ingest {

struct KafkaCallbacks {
  static void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
};

namespace {

// Applies `user` then `ours` (ours last, so they win) to a new configuration.
Result<rd_kafka_conf_t*> make_conf(const KafkaProperties& user, const KafkaProperties& ours,
                                   std::string_view what) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const KafkaProperties* list : {&user, &ours}) {
    for (const auto& [name, value] : *list) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        // librdkafka's message may quote the value; name the property only.
        return Status::invalid_argument(std::string(what) + ": Kafka property '" + name +
                                        "' is unknown or has an invalid value");
      }
    }
  }
  return conf;
}

std::string property(const KafkaProperties& properties, std::string_view name) {
  std::string value;
  for (const auto& [n, v] : properties) {
    if (n == name) value = v;
  }
  return value;
}

Result<rd_kafka_t*> make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf,
                                std::string_view what) {
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof(error));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new takes it only on success
    return Status::invalid_argument(std::string(what) + ": " + error);
  }
  return rk;
}

rd_kafka_topic_partition_list_t* to_list(std::span<const PartitionOffset> offsets) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const PartitionOffset& o : offsets) {
    rd_kafka_topic_partition_list_add(list, o.tp.topic.c_str(), o.tp.partition)->offset =
        o.next_offset;
  }
  return list;
}

}  // namespace

// ---- messages ----

void KafkaMessages::clear() {
  for (rd_kafka_message_t* m : messages_) rd_kafka_message_destroy(m);
  messages_.clear();
}

std::string_view message_payload(const rd_kafka_message_t* m) {
  return m->payload == nullptr ? std::string_view()
                               : std::string_view(static_cast<const char*>(m->payload), m->len);
}
std::string_view message_key(const rd_kafka_message_t* m) {
  return m->key == nullptr ? std::string_view()
                           : std::string_view(static_cast<const char*>(m->key), m->key_len);
}
std::string_view message_topic(const rd_kafka_message_t* m) {
  return m->rkt == nullptr ? std::string_view() : std::string_view(rd_kafka_topic_name(m->rkt));
}
int32_t message_partition(const rd_kafka_message_t* m) { return m->partition; }
int64_t message_offset(const rd_kafka_message_t* m) { return m->offset; }
int64_t message_timestamp_us(const rd_kafka_message_t* m) {
  rd_kafka_timestamp_type_t type;
  int64_t ms = rd_kafka_message_timestamp(m, &type);
  return ms < 0 ? -1 : ms * 1000;
}
int message_error_code(const rd_kafka_message_t* m) { return m->err; }
std::string message_error(const rd_kafka_message_t* m) {
  return m->err == RD_KAFKA_RESP_ERR_NO_ERROR ? std::string() : rd_kafka_message_errstr(m);
}
bool message_is_partition_eof(const rd_kafka_message_t* m) {
  return m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
}

// ---- callbacks ----

void KafkaCallbacks::rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaGroupConsumer*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::vector<PartitionStart> starts;
    for (int i = 0; i < partitions->cnt; ++i) {
      starts.push_back(
          PartitionStart{TopicPartition{partitions->elems[i].topic, partitions->elems[i].partition},
                         PartitionStart::kUseCommitted});
    }
    if (self->callbacks_.on_assign) self->callbacks_.on_assign(starts);
    for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = starts[i].offset;
    rd_kafka_error_t* failed = nullptr;
    if (cooperative) {
      failed = rd_kafka_incremental_assign(rk, partitions);
    } else {
      rd_kafka_assign(rk, partitions);
    }
    if (failed != nullptr) {
      if (self->callbacks_.on_error) {
        self->callbacks_.on_error(
            rd_kafka_error_code(failed),
            std::string("assigning partitions: ") + rd_kafka_error_string(failed), false);
      }
      rd_kafka_error_destroy(failed);
    }
    return;
  }
  // Revoked (or any error): finish the partitions' work first, then give them up.
  std::vector<TopicPartition> revoked;
  for (int i = 0; i < partitions->cnt; ++i) {
    revoked.push_back(TopicPartition{partitions->elems[i].topic, partitions->elems[i].partition});
  }
  if (self->callbacks_.on_revoke) {
    self->callbacks_.on_revoke(
        revoked, err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk) != 0);
  }
  if (cooperative) {
    rd_kafka_error_t* failed = rd_kafka_incremental_unassign(rk, partitions);
    if (failed != nullptr) rd_kafka_error_destroy(failed);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void KafkaCallbacks::error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaGroupConsumer*>(opaque);
  bool fatal = false;
  std::string text = reason == nullptr ? "" : reason;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    err = rd_kafka_fatal_error(rk, detail, sizeof(detail));
    text = detail;
    fatal = true;
  }
  if (self != nullptr && self->callbacks_.on_error) self->callbacks_.on_error(err, text, fatal);
}

void KafkaCallbacks::delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  if (!self->on_delivery_) return;
  self->on_delivery_(
      reinterpret_cast<uintptr_t>(message->_private), message->err,
      message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? std::string() : rd_kafka_err2str(message->err));
}

// ---- group consumer ----

Result<std::unique_ptr<KafkaGroupConsumer>> KafkaGroupConsumer::open(
    const KafkaProperties& properties, Callbacks callbacks) {
  std::unique_ptr<KafkaGroupConsumer> self(new KafkaGroupConsumer());
  self->callbacks_ = std::move(callbacks);
  self->group_id_ = property(properties, "group.id");
  if (self->group_id_.empty()) {
    return Status::invalid_argument("Kafka consumer: group.id is required");
  }
  // A fetch waits at most 20 ms for data (librdkafka's default is 500 ms): alerts are due within
  // a fraction of a second of their record.
  KafkaProperties defaults = {{"partition.assignment.strategy", "cooperative-sticky"},
                              {"auto.offset.reset", "earliest"},
                              {"fetch.wait.max.ms", "20"}};
  // Offsets live in the evidence store; Kafka commits are made after the store write only.
  KafkaProperties ours = {{"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}};
  KafkaProperties user = defaults;
  user.insert(user.end(), properties.begin(), properties.end());
  auto conf = make_conf(user, ours, "Kafka consumer");
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(*conf, self.get());
  rd_kafka_conf_set_rebalance_cb(*conf, &KafkaCallbacks::rebalance);
  rd_kafka_conf_set_error_cb(*conf, &KafkaCallbacks::error);
  auto rk = make_handle(RD_KAFKA_CONSUMER, *conf, "Kafka consumer");
  if (!rk.ok()) return rk.status();
  self->rk_ = *rk;
  rd_kafka_poll_set_consumer(self->rk_);
  self->queue_ = rd_kafka_queue_get_consumer(self->rk_);
  return self;
}

KafkaGroupConsumer::~KafkaGroupConsumer() {
  if (!closed_) (void)close();
  if (queue_ != nullptr) rd_kafka_queue_destroy(static_cast<rd_kafka_queue_t*>(queue_));
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

Status KafkaGroupConsumer::subscribe(const std::vector<std::string>& topics) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::invalid_argument(std::string("Kafka consumer: subscribing: ") +
                                    rd_kafka_err2str(err));
  }
  return Status::ok_status();
}

Status KafkaGroupConsumer::unsubscribe() {
  rd_kafka_resp_err_t err = rd_kafka_unsubscribe(rk_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable(std::string("Kafka consumer: unsubscribing: ") +
                               rd_kafka_err2str(err));
  }
  return Status::ok_status();
}

void KafkaGroupConsumer::poll(KafkaMessages& out, size_t max, int timeout_ms) {
  std::vector<rd_kafka_message_t*>& raw = out.raw();
  size_t before = raw.size();
  raw.resize(before + max);
  ssize_t got = rd_kafka_consume_batch_queue(static_cast<rd_kafka_queue_t*>(queue_), timeout_ms,
                                             raw.data() + before, max);
  raw.resize(before + (got > 0 ? static_cast<size_t>(got) : 0));
}

Status KafkaGroupConsumer::commit(std::span<const PartitionOffset> offsets, bool async) {
  if (offsets.empty()) return Status::ok_status();
  rd_kafka_topic_partition_list_t* list = to_list(offsets);
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, async ? 1 : 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable(std::string("Kafka consumer: committing offsets: ") +
                               rd_kafka_err2str(err));
  }
  return Status::ok_status();
}

int64_t KafkaGroupConsumer::high_watermark(const TopicPartition& tp) const {
  int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &low, &high) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return high;
}

Status KafkaGroupConsumer::close() {
  if (closed_) return Status::ok_status();
  closed_ = true;
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable(std::string("Kafka consumer: leaving the group: ") +
                               rd_kafka_err2str(err));
  }
  return Status::ok_status();
}

// ---- topic reader ----

Result<int32_t> partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle, &metadata, timeout_ms);
  rd_kafka_topic_destroy(handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable("Kafka: metadata of topic '" + topic +
                               "': " + rd_kafka_err2str(err));
  }
  int32_t count = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic) {
      count = metadata->topics[i].partition_cnt;
      topic_err = metadata->topics[i].err;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR || count == 0) {
    return Status::not_found("Kafka: topic '" + topic + "' does not exist" +
                             (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR
                                  ? std::string(" (") + rd_kafka_err2str(topic_err) + ")"
                                  : std::string()));
  }
  return count;
}

Result<std::unique_ptr<KafkaTopicReader>> KafkaTopicReader::open(const KafkaProperties& properties,
                                                                 const std::string& topic,
                                                                 int metadata_timeout_ms) {
  std::unique_ptr<KafkaTopicReader> self(new KafkaTopicReader());
  self->topic_ = topic;
  // No group: nothing is committed, every instance reads the whole topic.
  KafkaProperties user;
  for (const auto& [name, value] : properties) {
    if (name != "group.id" && name != "group.instance.id" &&
        name != "partition.assignment.strategy") {
      user.emplace_back(name, value);
    }
  }
  // librdkafka's assign() needs a group id, but a reader that never subscribes never joins the
  // group and never commits: the name is only a label.
  KafkaProperties ours = {{"group.id", "agentwatch-topic-reader"},
                          {"enable.auto.commit", "false"},
                          {"enable.partition.eof", "true"},
                          {"auto.offset.reset", "earliest"}};
  auto conf = make_conf(user, ours, "Kafka registry reader");
  if (!conf.ok()) return conf.status();
  auto rk = make_handle(RD_KAFKA_CONSUMER, *conf, "Kafka registry reader");
  if (!rk.ok()) return rk.status();
  self->rk_ = *rk;
  auto count = partition_count(self->rk_, topic, metadata_timeout_ms);
  if (!count.ok()) return count.status();
  self->partitions_ = *count;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(*count);
  for (int32_t p = 0; p < *count; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(self->rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable("Kafka registry reader: assigning '" + topic +
                               "': " + rd_kafka_err2str(err));
  }
  rd_kafka_poll_set_consumer(self->rk_);
  self->queue_ = rd_kafka_queue_get_consumer(self->rk_);
  return self;
}

KafkaTopicReader::~KafkaTopicReader() {
  if (queue_ != nullptr) rd_kafka_queue_destroy(static_cast<rd_kafka_queue_t*>(queue_));
  if (rk_ != nullptr) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

Status KafkaTopicReader::catch_up(KafkaMessages& out, int timeout_ms) {
  // The end of each partition now; read until every partition reached it.
  std::vector<int64_t> end(static_cast<size_t>(partitions_), 0);
  for (int32_t p = 0; p < partitions_; ++p) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk_, topic_.c_str(), p, &low, &high, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::unavailable("Kafka registry reader: end of '" + topic_ + "' partition " +
                                 std::to_string(p) + ": " + rd_kafka_err2str(err));
    }
    end[static_cast<size_t>(p)] = high;
  }
  std::vector<int64_t> next(static_cast<size_t>(partitions_), 0);
  auto caught_up = [&] {
    for (size_t p = 0; p < end.size(); ++p) {
      if (next[p] < end[p]) return false;
    }
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!caught_up()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      return Status::unavailable("Kafka registry reader: '" + topic_ +
                                 "' not read to its end in time");
    }
    rd_kafka_message_t* m =
        rd_kafka_consume_queue(static_cast<rd_kafka_queue_t*>(queue_), static_cast<int>(left));
    if (m == nullptr) continue;
    size_t p = static_cast<size_t>(m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (p < next.size()) next[p] = std::max(next[p], m->offset);
      rd_kafka_message_destroy(m);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string reason = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      return Status::unavailable("Kafka registry reader: reading '" + topic_ + "': " + reason);
    }
    if (p < next.size()) next[p] = m->offset + 1;
    out.raw().push_back(m);
  }
  return Status::ok_status();
}

void KafkaTopicReader::poll(KafkaMessages& out, size_t max) {
  for (size_t i = 0; i < max; ++i) {
    rd_kafka_message_t* m = rd_kafka_consume_queue(static_cast<rd_kafka_queue_t*>(queue_), 0);
    if (m == nullptr) return;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_message_destroy(m);  // end of partition, or a transient error it retries
      continue;
    }
    out.raw().push_back(m);
  }
}

// ---- producer ----

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::open(const KafkaProperties& properties,
                                                           DeliveryReport on_delivery) {
  std::unique_ptr<KafkaProducer> self(new KafkaProducer());
  self->on_delivery_ = std::move(on_delivery);
  KafkaProperties user;
  for (const auto& [name, value] : properties) {
    // Consumer-only settings from a shared config would make the producer refuse to start.
    if (name.rfind("group.", 0) == 0 || name == "partition.assignment.strategy" ||
        name == "auto.offset.reset" || name.rfind("enable.auto.", 0) == 0 ||
        name == "session.timeout.ms" || name == "max.poll.interval.ms" ||
        name == "heartbeat.interval.ms" || name == "enable.partition.eof" ||
        name.rfind("fetch.", 0) == 0 || name == "max.partition.fetch.bytes" ||
        name == "isolation.level" || name.rfind("queued.", 0) == 0) {
      continue;
    }
    user.emplace_back(name, value);
  }
  KafkaProperties defaults = {{"linger.ms", "5"}, {"compression.codec", "lz4"}};
  defaults.insert(defaults.end(), user.begin(), user.end());
  // Idempotence: retries never duplicate or reorder a message within a partition.
  KafkaProperties ours = {{"enable.idempotence", "true"}};
  auto conf = make_conf(defaults, ours, "Kafka producer");
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(*conf, self.get());
  rd_kafka_conf_set_dr_msg_cb(*conf, &KafkaCallbacks::delivery);
  auto rk = make_handle(RD_KAFKA_PRODUCER, *conf, "Kafka producer");
  if (!rk.ok()) return rk.status();
  self->rk_ = *rk;
  return self;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ != nullptr) {
    rd_kafka_flush(rk_, 5000);
    rd_kafka_destroy(rk_);
  }
}

Status KafkaProducer::produce(const std::string& topic, std::string_view key,
                              std::string_view payload, uint64_t token, int32_t partition) {
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(token))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok_status();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 10);  // make room: serve delivery reports
      continue;
    }
    return Status::unavailable("Kafka producer: producing to '" + topic +
                               "': " + rd_kafka_err2str(err));
  }
}

void KafkaProducer::poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }

Status KafkaProducer::flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable("Kafka producer: " + std::to_string(rd_kafka_outq_len(rk_)) +
                               " messages not delivered in time");
  }
  return Status::ok_status();
}

int KafkaProducer::in_flight() const { return rd_kafka_outq_len(rk_); }

Status KafkaProducer::fatal_error() const {
  char detail[512];
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, detail, sizeof(detail));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok_status();
  return Status::unavailable(std::string("Kafka producer: fatal: ") + detail);
}

}  // namespace aw::ingest
