// EmbeddedBroker: a Kafka-protocol broker inside this process, on librdkafka's mock cluster
// (rdkafka_mock.h). The dev and test broker of `agentwatch broker` and `agentwatch demo`;
// real deployments point bootstrap.servers at a real cluster.
//
// Limits of the mock (DESIGN.md): it listens on loopback ports of its own choosing, and keeps
// only about 5 MiB (or 100,000 message sets) per partition, dropping older records, so a
// consumer must not fall further behind than that. Consumer groups, offset commits and
// idempotent producers work.
//
// Thread-safety: create_topic() from one thread; the broker serves clients on its own threads.
#pragma once

#include <memory>
#include <string>

#include "ingest/result.h"

namespace aw::ingest {

class EmbeddedBroker {
 public:
  // `brokers`: how many mock brokers the cluster has (1 is enough for one machine).
  static Result<std::unique_ptr<EmbeddedBroker>> start(int brokers = 1);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port[,...]": what clients give as bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  Status create_topic(const std::string& name, int partitions);
  // Fault injection for tests and drills: every broker of the cluster stops answering (clients
  // see their connections fail) or answers again. Topics and committed offsets are kept.
  Status set_brokers_up(bool up);

 private:
  EmbeddedBroker() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
  int brokers_ = 1;
};

}  // namespace aw::ingest
