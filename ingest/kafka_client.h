// Kafka clients on librdkafka's C API: properties, a consumer-group consumer that reads in
// batches, a whole-topic reader (the registry topic, read from the beginning by every
// instance), and a producer with delivery reports. Thin on purpose: the pipeline decides what
// a batch means; these own the handles, the callbacks and the error messages.
//
// Properties are librdkafka's own (bootstrap.servers, security.protocol, sasl.*, ssl.*, ...),
// passed through from the config; ours are applied last. Error messages name a property but
// never print its value (it may be a secret).
//
// Thread-safety: each client is used from one thread, except that a producer's produce() and
// poll() may be called from different threads (librdkafka is thread-safe there).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/result.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace aw::ingest {

// Ordered name=value pairs; a later entry for the same name wins.
using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
};

// Where to start a newly assigned partition.
struct PartitionStart {
  TopicPartition tp;
  // The next offset to read; kUseCommitted: the group's committed offset (or
  // auto.offset.reset when there is none).
  int64_t offset = kUseCommitted;
  static constexpr int64_t kUseCommitted = -1001;  // RD_KAFKA_OFFSET_INVALID
};

struct PartitionOffset {
  TopicPartition tp;
  int64_t next_offset = 0;  // the offset of the next record to read
};

// A batch of consumed messages, destroyed with the batch.
class KafkaMessages {
 public:
  KafkaMessages() = default;
  KafkaMessages(const KafkaMessages&) = delete;
  KafkaMessages& operator=(const KafkaMessages&) = delete;
  ~KafkaMessages() { clear(); }
  void clear();
  size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }
  const rd_kafka_message_s* operator[](size_t i) const { return messages_[i]; }
  std::vector<rd_kafka_message_s*>& raw() { return messages_; }

 private:
  std::vector<rd_kafka_message_s*> messages_;
};

// Views of one message.
std::string_view message_payload(const rd_kafka_message_s* m);
std::string_view message_key(const rd_kafka_message_s* m);
std::string_view message_topic(const rd_kafka_message_s* m);
int32_t message_partition(const rd_kafka_message_s* m);
int64_t message_offset(const rd_kafka_message_s* m);
// The record's timestamp in µs since the epoch (CreateTime or LogAppendTime), or -1.
int64_t message_timestamp_us(const rd_kafka_message_s* m);
// 0 for a record; otherwise librdkafka's error code, and its text in `message_error`.
int message_error_code(const rd_kafka_message_s* m);
std::string message_error(const rd_kafka_message_s* m);
// True for an error that only says "you reached the end of a partition".
bool message_is_partition_eof(const rd_kafka_message_s* m);

// A consumer in a consumer group: subscribe to topics (names, or regexes starting with '^'),
// read batches bounded by count and time, commit offsets. Automatic offset commit and store are
// off; the partition assignment strategy is cooperative-sticky unless the properties say
// otherwise. The rebalance callbacks run inside poll() (and close()), on the caller's thread.
class KafkaGroupConsumer {
 public:
  struct Callbacks {
    // Partitions given to this instance; fill each one's start offset.
    std::function<void(std::vector<PartitionStart>& partitions)> on_assign;
    // Partitions about to be taken away: finish and store what was read from them.
    // `lost`: they were already given to another instance (a session timeout), so committing
    // offsets for them would fail.
    std::function<void(const std::vector<TopicPartition>& partitions, bool lost)> on_revoke;
    // Errors librdkafka reports outside any call (a broker down, authentication failed).
    std::function<void(int code, const std::string& reason, bool fatal)> on_error;
  };

  static Result<std::unique_ptr<KafkaGroupConsumer>> open(const KafkaProperties& properties,
                                                          Callbacks callbacks);
  ~KafkaGroupConsumer();

  Status subscribe(const std::vector<std::string>& topics);
  // Leaves the group's assignment (every partition revoked through the callback, served by the
  // next poll) while staying open; subscribe() joins again.
  Status unsubscribe();
  // Waits up to `timeout_ms` for `max` messages; returns with fewer when the time is up. Errors
  // of single partitions come back as messages with an error code.
  void poll(KafkaMessages& out, size_t max, int timeout_ms);
  Status commit(std::span<const PartitionOffset> offsets, bool async);
  // The high watermark last seen for a partition (from fetch responses; -1 when unknown).
  int64_t high_watermark(const TopicPartition& tp) const;
  // Leaves the group (revoking every partition through the callback) and closes the handle.
  Status close();
  const std::string& group_id() const { return group_id_; }

 private:
  KafkaGroupConsumer() = default;
  friend struct KafkaCallbacks;  // librdkafka's C callbacks

  rd_kafka_s* rk_ = nullptr;
  void* queue_ = nullptr;  // the consumer queue (rd_kafka_queue_t)
  Callbacks callbacks_;
  std::string group_id_;
  bool closed_ = false;
};

// Reads whole topics from their beginning without a group (every instance reads everything),
// like a global table. catch_up() reads until the high watermarks seen at the call.
class KafkaTopicReader {
 public:
  static Result<std::unique_ptr<KafkaTopicReader>> open(const KafkaProperties& properties,
                                                        const std::string& topic,
                                                        int metadata_timeout_ms);
  ~KafkaTopicReader();
  // Everything up to the current end of every partition, waiting at most `timeout_ms`.
  Status catch_up(KafkaMessages& out, int timeout_ms);
  // Whatever has arrived, without waiting.
  void poll(KafkaMessages& out, size_t max);

 private:
  KafkaTopicReader() = default;
  rd_kafka_s* rk_ = nullptr;
  void* queue_ = nullptr;
  std::string topic_;
  int32_t partitions_ = 0;
};

// A producer. Every produce() carries a token handed back with its delivery report, served by
// poll() and flush() on the calling thread.
class KafkaProducer {
 public:
  // `code` is 0 when the broker acknowledged the message.
  using DeliveryReport = std::function<void(uint64_t token, int code, const std::string& reason)>;

  static Result<std::unique_ptr<KafkaProducer>> open(const KafkaProperties& properties,
                                                     DeliveryReport on_delivery);
  ~KafkaProducer();
  // Copies key and payload. Waits (serving delivery reports) while the local queue is full.
  Status produce(const std::string& topic, std::string_view key, std::string_view payload,
                 uint64_t token, int32_t partition = -1);
  void poll(int timeout_ms);
  // Waits until every message is delivered or failed; unavailable when time ran out.
  Status flush(int timeout_ms);
  // Messages produced and not yet reported.
  int in_flight() const;
  // A fatal error of the idempotent producer (the only kind a retry cannot fix), if any.
  Status fatal_error() const;
  rd_kafka_s* handle() const { return rk_; }

 private:
  KafkaProducer() = default;
  friend struct KafkaCallbacks;
  rd_kafka_s* rk_ = nullptr;
  DeliveryReport on_delivery_;
};

// The partitions of `topic` as the cluster reports them (metadata request).
Result<int32_t> partition_count(rd_kafka_s* rk, const std::string& topic, int timeout_ms);

}  // namespace aw::ingest
