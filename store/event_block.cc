#include "store/event_block.h"

#include <lz4.h>
#include <zstd.h>

#include <cstring>

#include "store/keys.h"

namespace aw::store {
namespace {

using Field = std::string_view ingest::Event::*;
constexpr Field kFields[kStringFieldCount] = {
    &ingest::Event::id,
    &ingest::Event::source,
    &ingest::Event::actor_id,
    &ingest::Event::credential_id,
    &ingest::Event::session,
    &ingest::Event::task,
    &ingest::Event::tool,
    &ingest::Event::verb,
    &ingest::Event::resource_type,
    &ingest::Event::resource_name,
    &ingest::Event::env,
    &ingest::Event::approval,
    &ingest::Event::src_ip,
    &ingest::Event::attrs_json,
};

constexpr uint8_t kHasSeq = 1;
constexpr uint8_t kClassFromRecord = 2;

// Appends `s` and returns its ref; the group text is bounded by group_bytes (< 4 GiB).
TextRef append_text(std::string_view s, std::string* text) {
  TextRef ref{static_cast<uint32_t>(text->size()), static_cast<uint32_t>(s.size())};
  text->append(s);
  return ref;
}

}  // namespace

std::string_view string_field(const ingest::Event& event, int field) {
  return event.*kFields[field];
}

void set_string_field(ingest::Event& event, int field, std::string_view value) {
  event.*kFields[field] = value;
}

void copy_event(const ingest::Event& event, uint32_t origin, std::string* text, EventRecord* out) {
  out->ts_us = event.ts_us;
  out->seq = event.seq;
  out->has_seq = event.has_seq;
  out->class_from_record = event.class_from_record;
  out->actor_type = event.actor_type;
  out->action_class = event.action_class;
  out->outcome = event.outcome;
  out->unknown_field_count = event.unknown_field_count;
  out->origin = origin;
  out->position = event.position;
  out->raw = append_text(event.raw, text);
  const char* raw_begin = event.raw.data();
  const char* raw_end = raw_begin + event.raw.size();
  for (int f = 0; f < kStringFieldCount; ++f) {
    std::string_view value = event.*kFields[f];
    if (value.empty()) {
      out->fields[f] = TextRef{};
    } else if (raw_begin != nullptr && value.data() >= raw_begin &&
               value.data() + value.size() <= raw_end) {
      out->fields[f] = TextRef{out->raw.offset + static_cast<uint32_t>(value.data() - raw_begin),
                               static_cast<uint32_t>(value.size())};
    } else {
      out->fields[f] = append_text(value, text);
    }
  }
}

bool parse_block_header(std::string_view value, BlockHeader* out) {
  std::string_view in = value;
  uint8_t format = 0;
  uint64_t count = 0, payload = 0;
  if (!keys::get_u8(&in, &format) || format != kBlockFormat || !keys::get_u8(&in, &out->codec) ||
      !keys::get_varint(&in, &count) || !keys::get_varint(&in, &payload) ||
      !keys::get_i64(&in, &out->min_ts) || !keys::get_i64(&in, &out->max_ts)) {
    return false;
  }
  if (out->codec > static_cast<uint8_t>(BlockCodec::kZstd) || count > UINT32_MAX ||
      payload > UINT32_MAX) {
    return false;
  }
  out->count = static_cast<uint32_t>(count);
  out->payload_bytes = static_cast<uint32_t>(payload);
  out->header_bytes = value.size() - in.size();
  return true;
}

// ---- encoder ----

struct BlockEncoder::Compressor {
  ZSTD_CCtx* zstd = nullptr;
  int zstd_level = -1000;
  ~Compressor() { ZSTD_freeCCtx(zstd); }
};

BlockEncoder::BlockEncoder() : compressor_(std::make_unique<Compressor>()) {}
BlockEncoder::~BlockEncoder() = default;

void BlockEncoder::encode(std::string_view text, std::span<const EventRecord> records,
                          std::span<const uint32_t> order, std::span<const std::string> origins,
                          BlockCodec codec, int zstd_level, std::string* out) {
  payload_.clear();
  raws_.clear();
  extra_.clear();
  origin_map_.assign(origins.size(), UINT32_MAX);
  // Origins used by this block, in first-use order.
  uint32_t used = 0;
  for (uint32_t index : order) {
    uint32_t origin = records[index].origin;
    if (origin_map_[origin] == UINT32_MAX) origin_map_[origin] = used++;
  }
  keys::put_varint(&payload_, used);
  for (uint32_t next = 0; next < used; ++next) {
    for (size_t o = 0; o < origin_map_.size(); ++o) {
      if (origin_map_[o] == next) keys::put_bytes(&payload_, origins[o]);
    }
  }
  int64_t min_ts = order.empty() ? 0 : records[order.front()].ts_us;
  int64_t max_ts = order.empty() ? 0 : records[order.back()].ts_us;
  int64_t previous = min_ts;
  for (uint32_t index : order) {
    const EventRecord& r = records[index];
    keys::put_varint(&payload_, static_cast<uint64_t>(r.ts_us - previous));
    previous = r.ts_us;
    uint8_t flags = (r.has_seq ? kHasSeq : 0) | (r.class_from_record ? kClassFromRecord : 0);
    char fixed[4] = {static_cast<char>(flags), static_cast<char>(r.actor_type),
                     static_cast<char>(r.action_class), static_cast<char>(r.outcome)};
    payload_.append(fixed, 4);
    if (r.has_seq) keys::put_varint(&payload_, r.seq);
    keys::put_varint(&payload_, r.unknown_field_count);
    keys::put_varint(&payload_, origin_map_[r.origin]);
    keys::put_varint(&payload_, r.position.line);
    keys::put_varint(&payload_, r.position.offset);
    keys::put_varint(&payload_, keys::zigzag(r.position.partition));
    keys::put_varint(&payload_, r.raw.length);
    for (int f = 0; f < kStringFieldCount; ++f) {
      const TextRef& ref = r.fields[f];
      keys::put_varint(&payload_, ref.length);
      if (ref.length == 0) continue;
      if (ref.offset >= r.raw.offset && ref.offset + ref.length <= r.raw.offset + r.raw.length) {
        keys::put_varint(&payload_, static_cast<uint64_t>(ref.offset - r.raw.offset) << 1);
      } else {
        keys::put_varint(&payload_, (static_cast<uint64_t>(extra_.size()) << 1) | 1);
        extra_.append(text.substr(ref.offset, ref.length));
      }
    }
    raws_.append(text.substr(r.raw.offset, r.raw.length));
  }
  payload_.append(raws_);
  payload_.append(extra_);

  keys::put_u8(out, kBlockFormat);
  keys::put_u8(out, static_cast<uint8_t>(codec));
  keys::put_varint(out, order.size());
  keys::put_varint(out, payload_.size());
  keys::put_i64(out, min_ts);
  keys::put_i64(out, max_ts);
  size_t start = out->size();
  switch (codec) {
    case BlockCodec::kNone:
      out->append(payload_);
      break;
    case BlockCodec::kLz4: {
      int bound = LZ4_compressBound(static_cast<int>(payload_.size()));
      out->resize(start + static_cast<size_t>(bound));
      int n = LZ4_compress_default(payload_.data(), out->data() + start,
                                   static_cast<int>(payload_.size()), bound);
      out->resize(start + static_cast<size_t>(n > 0 ? n : 0));
      break;
    }
    case BlockCodec::kZstd: {
      if (compressor_->zstd == nullptr) compressor_->zstd = ZSTD_createCCtx();
      if (compressor_->zstd_level != zstd_level) {
        ZSTD_CCtx_setParameter(compressor_->zstd, ZSTD_c_compressionLevel, zstd_level);
        compressor_->zstd_level = zstd_level;
      }
      size_t bound = ZSTD_compressBound(payload_.size());
      out->resize(start + bound);
      size_t n = ZSTD_compress2(compressor_->zstd, out->data() + start, bound, payload_.data(),
                                payload_.size());
      out->resize(start + (ZSTD_isError(n) ? 0 : n));
      break;
    }
  }
}

// ---- decoder ----

struct BlockDecoder::Decompressor {
  ZSTD_DCtx* zstd = nullptr;
  ~Decompressor() { ZSTD_freeDCtx(zstd); }
};

BlockDecoder::BlockDecoder() : decompressor_(std::make_unique<Decompressor>()) {}
BlockDecoder::~BlockDecoder() = default;

Status BlockDecoder::decode(std::string_view value, DecodedBlock* out) {
  out->events.clear();
  out->origins.clear();
  out->event_origin.clear();
  if (!parse_block_header(value, &out->header)) {
    return Status::corruption("event block: bad header");
  }
  const BlockHeader& h = out->header;
  std::string_view body = value.substr(h.header_bytes);
  out->payload.resize(h.payload_bytes);
  switch (static_cast<BlockCodec>(h.codec)) {
    case BlockCodec::kNone:
      if (body.size() != h.payload_bytes) return Status::corruption("event block: bad size");
      std::memcpy(out->payload.data(), body.data(), body.size());
      break;
    case BlockCodec::kLz4: {
      int n = LZ4_decompress_safe(body.data(), out->payload.data(), static_cast<int>(body.size()),
                                  static_cast<int>(h.payload_bytes));
      if (n < 0 || static_cast<uint32_t>(n) != h.payload_bytes) {
        return Status::corruption("event block: LZ4 payload does not decompress");
      }
      break;
    }
    case BlockCodec::kZstd: {
      if (decompressor_->zstd == nullptr) decompressor_->zstd = ZSTD_createDCtx();
      size_t n = ZSTD_decompressDCtx(decompressor_->zstd, out->payload.data(), h.payload_bytes,
                                     body.data(), body.size());
      if (ZSTD_isError(n) || n != h.payload_bytes) {
        return Status::corruption("event block: zstd payload does not decompress");
      }
      break;
    }
  }
  std::string_view in(out->payload);
  const Status bad = Status::corruption("event block: malformed payload");
  uint64_t origin_count = 0;
  if (!keys::get_varint(&in, &origin_count) || origin_count > h.count + 1) return bad;
  for (uint64_t i = 0; i < origin_count; ++i) {
    std::string_view origin;
    if (!keys::get_bytes(&in, &origin)) return bad;
    out->origins.push_back(origin);
  }
  out->events.resize(h.count);
  out->event_origin.resize(h.count);
  // String fields are first collected as (offset, in_extra) and resolved once the raw and extra
  // areas' positions are known.
  struct PendingField {
    uint32_t length;
    uint64_t tagged;
  };
  std::vector<PendingField> fields(static_cast<size_t>(h.count) * kStringFieldCount);
  std::vector<uint64_t> raw_lengths(h.count);
  int64_t ts = h.min_ts;
  for (uint32_t i = 0; i < h.count; ++i) {
    ingest::Event& e = out->events[i];
    e = ingest::Event{};
    uint64_t delta = 0, v = 0;
    if (!keys::get_varint(&in, &delta) || in.size() < 4) return bad;
    ts += static_cast<int64_t>(delta);
    e.ts_us = ts;
    uint8_t flags = static_cast<uint8_t>(in[0]);
    uint8_t actor_type = static_cast<uint8_t>(in[1]);
    uint8_t action_class = static_cast<uint8_t>(in[2]);
    uint8_t outcome = static_cast<uint8_t>(in[3]);
    in.remove_prefix(4);
    if (actor_type > static_cast<uint8_t>(ingest::ActorType::kBot) ||
        action_class >= ingest::kActionClassCount ||
        outcome > static_cast<uint8_t>(ingest::Outcome::kDenied)) {
      return bad;
    }
    e.has_seq = (flags & kHasSeq) != 0;
    e.class_from_record = (flags & kClassFromRecord) != 0;
    e.actor_type = static_cast<ingest::ActorType>(actor_type);
    e.action_class = static_cast<ingest::ActionClass>(action_class);
    e.outcome = static_cast<ingest::Outcome>(outcome);
    if (e.has_seq && !keys::get_varint(&in, &e.seq)) return bad;
    if (!keys::get_varint(&in, &v)) return bad;
    e.unknown_field_count = static_cast<uint32_t>(v);
    if (!keys::get_varint(&in, &v) || v >= out->origins.size()) return bad;
    out->event_origin[i] = static_cast<uint32_t>(v);
    if (!keys::get_varint(&in, &e.position.line) || !keys::get_varint(&in, &e.position.offset) ||
        !keys::get_varint(&in, &v)) {
      return bad;
    }
    e.position.partition = static_cast<int32_t>(keys::unzigzag(v));
    if (!keys::get_varint(&in, &raw_lengths[i])) return bad;
    for (int f = 0; f < kStringFieldCount; ++f) {
      PendingField& pf = fields[static_cast<size_t>(i) * kStringFieldCount + f];
      uint64_t length = 0;
      if (!keys::get_varint(&in, &length) || length > h.payload_bytes) return bad;
      pf.length = static_cast<uint32_t>(length);
      pf.tagged = 0;
      if (length > 0 && !keys::get_varint(&in, &pf.tagged)) return bad;
    }
  }
  // Raw records, then the extra area.
  uint64_t raw_total = 0;
  for (uint64_t n : raw_lengths) raw_total += n;
  if (raw_total > in.size()) return bad;
  std::string_view raws = in.substr(0, raw_total);
  std::string_view extra = in.substr(raw_total);
  size_t raw_at = 0;
  for (uint32_t i = 0; i < h.count; ++i) {
    ingest::Event& e = out->events[i];
    e.raw = raws.substr(raw_at, raw_lengths[i]);
    raw_at += raw_lengths[i];
    for (int f = 0; f < kStringFieldCount; ++f) {
      const PendingField& pf = fields[static_cast<size_t>(i) * kStringFieldCount + f];
      if (pf.length == 0) continue;
      std::string_view area = (pf.tagged & 1) ? extra : e.raw;
      uint64_t offset = pf.tagged >> 1;
      if (offset > area.size() || pf.length > area.size() - offset) return bad;
      e.*kFields[f] = area.substr(offset, pf.length);
    }
  }
  return Status::ok_status();
}

}  // namespace aw::store
