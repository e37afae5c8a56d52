// DecodeStage: reads the inputs and decodes them on a thread of its own, handing decoded batches
// to the caller in input order, so decoding one chunk overlaps judging the previous one (two
// cores: one decodes, one detects).
//
// Inputs are JSON Lines (or text lines, pgaudit), decoded chunk by chunk, or whole documents: an
// input whose first line opens a JSON array, a CloudTrail `{"Records":...}` file, or a
// pretty-printed object (a first line that does not close its object) is read whole and decoded
// as one record, since it may span many lines. A whole document longer than
// `max_document_bytes` is handed to the decoder as an oversized record (too_large). The native
// format is always read as lines. After the last input the decoder's joins are flushed into one
// last batch (records held across inputs, such as a request in one file and its response in the
// next, still pair).
//
// Batches circulate through a fixed pool: each holds the chunk buffer its events' views point into
// (LineReader::swap_buffer), or the document, so nothing is copied per line and, once warm,
// nothing is allocated. The caller returns every batch it took with release().
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
#include "ingest/format.h"
#include "ingest/line_reader.h"
#include "ingest/result.h"
#include "rules/action_class_table.h"

namespace aw::tools {

struct DecodedBatch {
  ingest::EventBatch batch;
  std::unique_ptr<char[]> buffer;  // the chunk the batch's views point into
  size_t buffer_bytes = 0;
  std::string document;                  // or the whole document they point into
  ingest::LineReader* reader = nullptr;  // where it came from (name())
  uint64_t consumed = 0;                 // the reader's offset after this batch
  size_t records = 0;                    // lines read, or 1 for a whole document
};

class DecodeStage {
 public:
  // Performance note: three batches in flight keep both threads busy (one being decoded, one
  // being judged, one spare) with 3 chunk buffers of memory.
  static constexpr size_t kDepth = 3;

  // Starts the decoding thread. `readers`, `decoder` and `table` must outlive the stage;
  // `max_document_bytes` bounds a whole-document input (replay passes --max-record-bytes).
  DecodeStage(std::vector<ingest::LineReader>& readers, ingest::RecordDecoder& decoder,
              const rules::ActionClassTable& table, size_t max_document_bytes = 1 << 20);
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

  // True when an input starting with `first_line` is one document, not JSON Lines.
  static bool starts_document(std::string_view first_line);

 private:
  void start();
  void run();
  // A free slot, or null when stopping.
  DecodedBatch* acquire();
  void give_back(DecodedBatch* slot);
  void publish(DecodedBatch* slot);
  void fail(DecodedBatch* slot, Status status);
  // Reads the rest of `reader` into `slot->document` and decodes it as one record.
  bool decode_document(ingest::LineReader& reader, std::vector<ingest::RecordRef>& records,
                       DecodedBatch* slot);

  std::vector<ingest::LineReader>& readers_;
  ingest::RecordDecoder* decoder_;
  size_t max_document_bytes_;
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
