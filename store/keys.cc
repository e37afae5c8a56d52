#include "store/keys.h"

#include <cstdio>
#include <cstring>

#include "ingest/timestamp.h"

namespace aw::store::keys {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void append_hex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 0xF]);
  }
}

void append_printable(std::string_view text, std::string* out) {
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out->push_back(static_cast<char>(c));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out->append(escaped);
    }
  }
}

void append_bucket(int64_t bucket, int64_t bucket_us, std::string* out) {
  out->append(ingest::format_rfc3339(bucket * bucket_us));
}

}  // namespace

std::string_view index_kind_name(IndexKind kind) {
  switch (kind) {
    case IndexKind::kCredential:
      return "credential";
    case IndexKind::kResource:
      return "resource";
    case IndexKind::kSession:
      return "session";
    case IndexKind::kTask:
      return "task";
  }
  return "unknown";
}

void put_u8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void put_u16(std::string* out, uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 2);
}

void put_u32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 3; i >= 0; --i) {
    b[i] = static_cast<char>(v);
    v >>= 8;
  }
  out->append(b, 4);
}

void put_u64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v);
    v >>= 8;
  }
  out->append(b, 8);
}

void put_i64(std::string* out, int64_t v) { put_u64(out, static_cast<uint64_t>(v) ^ kSignBit); }

void put_string(std::string* out, std::string_view s) {
  // Fast path: most strings hold no NUL byte.
  const char* nul = static_cast<const char*>(std::memchr(s.data(), 0, s.size()));
  if (nul == nullptr) {
    out->append(s);
  } else {
    for (char c : s) {
      out->push_back(c);
      if (c == '\0') out->push_back('\xFF');
    }
  }
  out->push_back('\0');
  out->push_back('\x01');
}

bool get_u8(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

bool get_u16(std::string_view* in, uint16_t* v) {
  if (in->size() < 2) return false;
  *v =
      static_cast<uint16_t>((static_cast<uint8_t>((*in)[0]) << 8) | static_cast<uint8_t>((*in)[1]));
  in->remove_prefix(2);
  return true;
}

bool get_u32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r = (r << 8) | static_cast<uint8_t>((*in)[i]);
  *v = r;
  in->remove_prefix(4);
  return true;
}

bool get_u64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>((*in)[i]);
  *v = r;
  in->remove_prefix(8);
  return true;
}

bool get_i64(std::string_view* in, int64_t* v) {
  uint64_t u = 0;
  if (!get_u64(in, &u)) return false;
  *v = static_cast<int64_t>(u ^ kSignBit);
  return true;
}

bool get_string(std::string_view* in, std::string* s) {
  s->clear();
  size_t i = 0;
  while (i < in->size()) {
    char c = (*in)[i];
    if (c != '\0') {
      s->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[i + 1];
    if (next == '\x01') {
      in->remove_prefix(i + 2);
      return true;
    }
    if (next != '\xFF') return false;
    s->push_back('\0');
    i += 2;
  }
  return false;
}

std::string prefix_successor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    unsigned char last = static_cast<unsigned char>(out.back());
    if (last != 0xFF) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

int64_t time_bucket(int64_t ts_us, int64_t bucket_us) {
  int64_t q = ts_us / bucket_us;
  if (ts_us % bucket_us != 0 && ts_us < 0) --q;
  return q;
}

void append_block_key(int64_t bucket, std::string_view agent, uint64_t batch, uint32_t part,
                      std::string* out) {
  put_i64(out, bucket);
  put_string(out, agent);
  put_u64(out, batch);
  put_u32(out, part);
}

void append_block_prefix(int64_t bucket, std::string_view agent, std::string* out) {
  put_i64(out, bucket);
  put_string(out, agent);
}

bool parse_block_key(std::string_view key, BlockKey* out) {
  return get_i64(&key, &out->bucket) && get_string(&key, &out->agent) &&
         get_u64(&key, &out->batch) && get_u32(&key, &out->part) && key.empty();
}

void append_posting_key(int64_t bucket, IndexKind kind, std::string_view value, uint64_t batch,
                        std::string* out) {
  put_i64(out, bucket);
  put_u8(out, static_cast<uint8_t>(kind));
  put_u64(out, batch);
  put_string(out, value);
}

bool parse_posting_key(std::string_view key, PostingKey* out) {
  uint8_t kind = 0;
  if (!get_i64(&key, &out->bucket) || !get_u8(&key, &kind)) return false;
  switch (static_cast<IndexKind>(kind)) {
    case IndexKind::kCredential:
    case IndexKind::kResource:
    case IndexKind::kSession:
    case IndexKind::kTask:
      break;
    default:
      return false;
  }
  out->kind = static_cast<IndexKind>(kind);
  return get_u64(&key, &out->batch) && get_string(&key, &out->value) && key.empty();
}

void append_id_key(std::string_view id, std::string_view source, uint64_t raw_hash,
                   std::string* out) {
  out->push_back(kIdTag);
  put_string(out, id);
  put_string(out, source);
  if (id.empty()) put_u64(out, raw_hash);
}

void append_id_prefix(std::string_view id, std::string* out) {
  out->push_back(kIdTag);
  put_string(out, id);
}

bool parse_id_key(std::string_view key, IdKey* out) {
  if (key.empty() || key[0] != kIdTag) return false;
  key.remove_prefix(1);
  if (!get_string(&key, &out->id) || !get_string(&key, &out->source)) return false;
  out->raw_hash = 0;
  if (out->id.empty() && !get_u64(&key, &out->raw_hash)) return false;
  return key.empty();
}

bool alert_id_to_bytes(std::string_view hex, char out[kAlertIdBytes]) {
  if (hex.size() != 2 * kAlertIdBytes) return false;
  for (size_t i = 0; i < kAlertIdBytes; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return true;
}

std::string alert_id_to_hex(std::string_view bytes) {
  std::string out;
  append_hex(bytes, &out);
  return out;
}

void append_alert_record_key(std::string_view id_bytes, std::string* out) {
  out->push_back(kAlertRecord);
  out->append(id_bytes);
}

void append_alert_time_key(int64_t event_time_us, std::string_view id_bytes, std::string* out) {
  out->push_back(kAlertByTime);
  put_i64(out, event_time_us);
  out->append(id_bytes);
}

void append_alert_agent_key(std::string_view agent, int64_t event_time_us,
                            std::string_view id_bytes, std::string* out) {
  out->push_back(kAlertByAgent);
  put_string(out, agent);
  put_i64(out, event_time_us);
  out->append(id_bytes);
}

void append_alert_rule_key(std::string_view rule, int64_t event_time_us, std::string_view id_bytes,
                           std::string* out) {
  out->push_back(kAlertByRule);
  put_string(out, rule);
  put_i64(out, event_time_us);
  out->append(id_bytes);
}

void append_alert_event_key(std::string_view event_key, std::string_view id_bytes,
                            std::string* out) {
  out->push_back(kAlertByEvent);
  put_string(out, event_key);
  out->append(id_bytes);
}

void append_registry_key(uint64_t batch, uint32_t ordinal, std::string* out) {
  put_u64(out, batch);
  put_u32(out, ordinal);
}

bool parse_registry_key(std::string_view key, uint64_t* batch, uint32_t* ordinal) {
  return get_u64(&key, batch) && get_u32(&key, ordinal) && key.empty();
}

void append_chain_key(char kind, uint64_t batch, std::string* out) {
  out->push_back(kind);
  put_u64(out, batch);
}

void append_outbox_key(uint64_t batch, std::string_view id_bytes, std::string* out) {
  put_u64(out, batch);
  out->append(id_bytes);
}

bool parse_chain_key(std::string_view key, char* kind, uint64_t* batch) {
  if (key.empty()) return false;
  *kind = key[0];
  key.remove_prefix(1);
  return get_u64(&key, batch) && key.empty();
}

bool get_varint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    uint8_t byte = static_cast<uint8_t>((*in)[i]);
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

void put_bytes(std::string* out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out->append(bytes);
}

bool get_bytes(std::string_view* in, std::string_view* bytes) {
  uint64_t n = 0;
  if (!get_varint(in, &n) || n > in->size()) return false;
  *bytes = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

std::string describe_key(std::string_view cf, std::string_view key, int64_t bucket_us) {
  std::string out(cf);
  out.push_back(' ');
  if (cf == kEventsCf) {
    BlockKey k;
    if (parse_block_key(key, &k)) {
      out += "bucket ";
      append_bucket(k.bucket, bucket_us, &out);
      out += " agent ";
      append_printable(k.agent, &out);
      out += " batch " + std::to_string(k.batch) + " part " + std::to_string(k.part);
      return out;
    }
  } else if (cf == kIndexCf) {
    PostingKey k;
    if (parse_posting_key(key, &k)) {
      out += "bucket ";
      append_bucket(k.bucket, bucket_us, &out);
      out += " ";
      out += index_kind_name(k.kind);
      out += " ";
      append_printable(k.value, &out);
      out += " batch " + std::to_string(k.batch);
      return out;
    }
  } else if (cf == kIdsCf) {
    IdKey k;
    if (parse_id_key(key, &k)) {
      append_printable(k.source, &out);
      if (k.id.empty()) {
        char hex[24];
        std::snprintf(hex, sizeof(hex), "#%016llx", static_cast<unsigned long long>(k.raw_hash));
        out += hex;
      } else {
        out.push_back('/');
        append_printable(k.id, &out);
      }
      return out;
    }
  } else if (cf == kAlertsCf) {
    if (key.size() == 1 + kAlertIdBytes && key[0] == kAlertRecord) {
      out += "alert ";
      append_hex(key.substr(1), &out);
      return out;
    }
  } else if (cf == kChainCf) {
    char kind = 0;
    uint64_t batch = 0;
    if (parse_chain_key(key, &kind, &batch)) {
      out += kind == kChainLink ? "link of batch " : "manifest of batch ";
      out += std::to_string(batch);
      return out;
    }
  } else if (cf == kRegistryCf) {
    uint64_t batch = 0;
    uint32_t ordinal = 0;
    if (parse_registry_key(key, &batch, &ordinal)) {
      out += "batch " + std::to_string(batch) + " change " + std::to_string(ordinal);
      return out;
    }
  } else if (cf == kPositionsCf || cf == "default") {
    append_printable(key, &out);
    return out;
  }
  out += "0x";
  append_hex(key, &out);
  return out;
}

}  // namespace aw::store::keys
