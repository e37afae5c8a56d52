#include "tools/decode_stage.h"

namespace aw::tools {

DecodeStage::DecodeStage(std::vector<ingest::LineReader>& readers, ingest::NativeDecoder& decoder,
                         const rules::ActionClassTable& table)
    : readers_(readers), decoder_(decoder), classifier_(table) {
  for (size_t i = 0; i < kDepth; ++i) {
    pool_.push_back(std::make_unique<DecodedBatch>());
    free_.push_back(pool_.back().get());
  }
  thread_ = std::thread([this] { run(); });
}

DecodeStage::~DecodeStage() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void DecodeStage::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

Status DecodeStage::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

DecodedBatch* DecodeStage::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || finished_ || stopping_; });
  if (ready_.empty() || stopping_) return nullptr;
  DecodedBatch* batch = ready_.front();
  ready_.pop_front();
  return batch;
}

void DecodeStage::release(DecodedBatch* batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(batch);
  changed_.notify_all();
}

void DecodeStage::run() {
  std::vector<ingest::RecordRef> records;
  for (ingest::LineReader& reader : readers_) {
    while (true) {
      DecodedBatch* slot = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return !free_.empty() || stopping_; });
        if (stopping_) return;
        slot = free_.back();
        free_.pop_back();
      }
      auto more = reader.next(records);
      if (!more.ok() || !*more) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(slot);
        if (!more.ok()) {
          error_ = more.status();
          finished_ = true;
          changed_.notify_all();
          return;
        }
        break;  // this input is done
      }
      slot->batch.clear();
      decoder_.decode(records, slot->batch);
      classifier_.classify(slot->batch);
      if (slot->buffer_bytes != reader.buffer_bytes()) {
        slot->buffer = std::make_unique<char[]>(reader.buffer_bytes());
        slot->buffer_bytes = reader.buffer_bytes();
      }
      reader.swap_buffer(slot->buffer);  // the slot now owns the chunk its views point into
      slot->reader = &reader;
      slot->consumed = reader.consumed();
      slot->records = records.size();
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(slot);
      changed_.notify_all();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

}  // namespace aw::tools
