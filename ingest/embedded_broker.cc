#include "ingest/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace aw::ingest {

struct EmbeddedBroker::Impl {
  rd_kafka_t* rk = nullptr;  // the mock cluster needs a client handle for its bookkeeping
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(int brokers) {
  std::unique_ptr<EmbeddedBroker> self(new EmbeddedBroker());
  self->impl_ = std::make_unique<Impl>();
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The bookkeeping handle never connects anywhere.
  rd_kafka_conf_set(conf, "bootstrap.servers", "", error, sizeof(error));
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
  self->impl_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (self->impl_->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::unavailable(std::string("embedded broker: ") + error);
  }
  self->impl_->cluster = rd_kafka_mock_cluster_new(self->impl_->rk, brokers);
  if (self->impl_->cluster == nullptr) {
    return Status::unavailable("embedded broker: could not start the mock cluster");
  }
  self->bootstrap_ = rd_kafka_mock_cluster_bootstraps(self->impl_->cluster);
  self->brokers_ = brokers;
  return self;
}

EmbeddedBroker::~EmbeddedBroker() = default;

Status EmbeddedBroker::create_topic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(impl_->cluster, name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::invalid_argument("embedded broker: creating topic '" + name +
                                    "': " + rd_kafka_err2str(err));
  }
  return Status::ok_status();
}

Status EmbeddedBroker::set_brokers_up(bool up) {
  for (int32_t id = 1; id <= brokers_; ++id) {  // the mock numbers its brokers from 1
    rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(impl_->cluster, id)
                                 : rd_kafka_mock_broker_set_down(impl_->cluster, id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::unavailable("embedded broker: setting broker " + std::to_string(id) +
                                 (up ? " up: " : " down: ") + rd_kafka_err2str(err));
    }
  }
  return Status::ok_status();
}

}  // namespace aw::ingest
