#include "tools/decode_stage.h"

#include <algorithm>

namespace aw::tools {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// How much of an oversized document is kept for its dead letter.
constexpr size_t kOversizedPrefixBytes = 4096;

}  // namespace

DecodeStage::DecodeStage(std::vector<ingest::LineReader>& readers, ingest::RecordDecoder& decoder,
                         const rules::ActionClassTable& table, size_t max_document_bytes)
    : readers_(readers),
      decoder_(&decoder),
      max_document_bytes_(max_document_bytes),
      classifier_(table) {
  start();
}

void DecodeStage::start() {
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

bool DecodeStage::starts_document(std::string_view first_line) {
  while (!first_line.empty() && is_space(first_line.front())) first_line.remove_prefix(1);
  while (!first_line.empty() && is_space(first_line.back())) first_line.remove_suffix(1);
  if (first_line.empty()) return false;
  if (first_line.front() == '[') return true;  // JSON Lines never open with an array
  if (first_line.front() != '{') return false;
  // A pretty-printed object opens alone on its first line.
  if (first_line == "{") return true;
  std::string_view rest = first_line.substr(1);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  return rest.substr(0, 9) == "\"Records\"";  // CloudTrail's S3 file, even on one line
}

DecodedBatch* DecodeStage::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !free_.empty() || stopping_; });
  if (stopping_) return nullptr;
  DecodedBatch* slot = free_.back();
  free_.pop_back();
  return slot;
}

void DecodeStage::give_back(DecodedBatch* slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(slot);
  changed_.notify_all();
}

void DecodeStage::publish(DecodedBatch* slot) {
  classifier_.classify(slot->batch);
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.push_back(slot);
  changed_.notify_all();
}

void DecodeStage::fail(DecodedBatch* slot, Status status) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(slot);
  error_ = std::move(status);
  finished_ = true;
  changed_.notify_all();
}

bool DecodeStage::decode_document(ingest::LineReader& reader,
                                  std::vector<ingest::RecordRef>& records, DecodedBatch* slot) {
  std::string& document = slot->document;
  document.clear();
  const ingest::SourcePosition start = records.front().position;
  bool cut = false;
  while (true) {
    // The lines of a chunk lie contiguous in the reader's buffer, newlines between them.
    const ingest::RecordRef& last = records.back();
    const char* begin = records.front().bytes.data();
    const char* end = last.bytes.data() + last.bytes.size();
    for (const ingest::RecordRef& record : records)
      cut |= record.record_bytes > record.bytes.size();
    size_t size = static_cast<size_t>(end - begin);
    if (!cut && document.size() + size + 1 <= max_document_bytes_) {
      if (!document.empty()) document.push_back('\n');
      document.append(begin, size);
    } else if (!cut) {
      cut = true;
      size_t room =
          kOversizedPrefixBytes > document.size() ? kOversizedPrefixBytes - document.size() : 0;
      if (!document.empty() && room > 0) document.push_back('\n');
      document.append(begin, std::min(size, room));
    }
    auto more = reader.next(records);
    if (!more.ok()) {
      fail(slot, more.status());
      return false;
    }
    if (!*more) break;
  }
  uint64_t total = reader.consumed() - start.offset;
  size_t kept = document.size();
  if (cut) kept = std::min(kept, kOversizedPrefixBytes);
  document.resize(kept);
  document.append(ingest::kRecordPadding, '\0');
  ingest::RecordRef record{
      {document.data(), kept}, cut ? std::max<uint64_t>(total, kept + 1) : kept, start};
  slot->batch.clear();
  decoder_->decode(std::span(&record, 1), slot->batch);
  slot->reader = &reader;
  slot->consumed = reader.consumed();
  slot->records = 1;
  publish(slot);
  return true;
}

void DecodeStage::run() {
  std::vector<ingest::RecordRef> records;
  ingest::LineReader* last_reader = nullptr;
  // The native format is JSON Lines by definition; the others may come as whole documents.
  const bool lines_only = decoder_->format() == ingest::Format::kNative;
  for (ingest::LineReader& reader : readers_) {
    last_reader = &reader;
    bool first_chunk = true;
    while (true) {
      DecodedBatch* slot = acquire();
      if (slot == nullptr) return;
      auto more = reader.next(records);
      if (!more.ok()) {
        fail(slot, more.status());
        return;
      }
      if (!*more) {
        give_back(slot);
        break;  // this input is done
      }
      if (first_chunk && !lines_only && starts_document(records.front().bytes)) {
        if (!decode_document(reader, records, slot)) return;
        break;
      }
      first_chunk = false;
      slot->batch.clear();
      decoder_->decode(records, slot->batch);
      if (slot->buffer_bytes != reader.buffer_bytes()) {
        slot->buffer = std::make_unique<char[]>(reader.buffer_bytes());
        slot->buffer_bytes = reader.buffer_bytes();
      }
      reader.swap_buffer(slot->buffer);  // the slot now owns the chunk its views point into
      slot->reader = &reader;
      slot->consumed = reader.consumed();
      slot->records = records.size();
      publish(slot);
    }
  }
  // Records still held for a join (a request whose response never came) go out unjoined.
  if (last_reader != nullptr) {
    DecodedBatch* slot = acquire();
    if (slot == nullptr) return;
    slot->batch.clear();
    decoder_->flush(slot->batch);
    if (slot->batch.events.empty() && slot->batch.dead_letters.empty() &&
        slot->batch.controls.empty()) {
      give_back(slot);
    } else {
      slot->reader = last_reader;
      slot->consumed = last_reader->consumed();
      slot->records = 0;
      publish(slot);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

}  // namespace aw::tools
