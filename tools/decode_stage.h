// DecodeStage: reads the inputs and decodes them on a thread of its own, handing decoded batches
// to the caller in input order, so decoding one chunk overlaps judging the previous one (two
// cores: one decodes, one detects).
//
// Batches circulate through a fixed pool: each holds the chunk buffer its events' views point
// into (LineReader::swap_buffer), so nothing is copied and, once warm, nothing is allocated.
// The caller returns every batch it took with release().
//
// Thread-safety: next() and release() from one consumer thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/event.h"
#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "ingest/result.h"
#include "rules/action_class_table.h"

namespace aw::tools {

struct DecodedBatch {
  ingest::EventBatch batch;
  std::unique_ptr<char[]> buffer;  // the chunk the batch's views point into
  size_t buffer_bytes = 0;
  ingest::LineReader* reader = nullptr;  // where it came from (name())
  uint64_t consumed = 0;                 // the reader's offset after this batch
  size_t records = 0;
};

class DecodeStage {
 public:
  // Performance note: three batches in flight keep both threads busy (one being decoded, one
  // being judged, one spare) with 3 chunk buffers of memory.
  static constexpr size_t kDepth = 3;

  // Starts the decoding thread. `readers`, `decoder` and `table` must outlive the stage.
  DecodeStage(std::vector<ingest::LineReader>& readers, ingest::NativeDecoder& decoder,
              const rules::ActionClassTable& table);
  ~DecodeStage();
  DecodeStage(const DecodeStage&) = delete;
  DecodeStage& operator=(const DecodeStage&) = delete;

  // The next batch in input order, or null at the end of the inputs (or after a read error:
  // see error()).
  DecodedBatch* next();
  void release(DecodedBatch* batch);
  // Stops the decoding thread early (the caller gives up); next() then returns null.
  void stop();
  Status error() const;

 private:
  void run();

  std::vector<ingest::LineReader>& readers_;
  ingest::NativeDecoder& decoder_;
  rules::ActionClassifier classifier_;
  std::vector<std::unique_ptr<DecodedBatch>> pool_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<DecodedBatch*> free_;
  std::deque<DecodedBatch*> ready_;
  bool finished_ = false;
  bool stopping_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace aw::tools
