#include "store/chain.h"

#include <openssl/evp.h>

#include <cstring>

#include "store/keys.h"

namespace aw::store {
namespace {

constexpr uint8_t kLinkFormat = 1;
constexpr uint8_t kManifestFormat = 1;
// Domain separation: a link hash is never the hash of anything else the store computes.
constexpr std::string_view kLinkDomain = "agentwatch evidence chain v1\n";

void put_hash(std::string* out, const Hash256& h) {
  out->append(reinterpret_cast<const char*>(h.data()), h.size());
}

bool get_hash(std::string_view* in, Hash256* h) {
  if (in->size() < h->size()) return false;
  std::memcpy(h->data(), in->data(), h->size());
  in->remove_prefix(h->size());
  return true;
}

void put_entry(std::string* out, std::string_view key, const Digest128& digest) {
  keys::put_bytes(out, key);
  out->append(reinterpret_cast<const char*>(digest.data()), digest.size());
}

bool get_entries(std::string_view* in, bool with_bucket, std::vector<ManifestEntry>* out) {
  uint64_t n = 0;
  if (!keys::get_varint(in, &n) || n > in->size()) return false;
  out->resize(n);
  for (ManifestEntry& e : *out) {
    std::string_view key;
    if (!keys::get_bytes(in, &key)) return false;
    e.key.assign(key);
    if (with_bucket) {
      uint64_t bucket = 0;
      if (!keys::get_varint(in, &bucket)) return false;
      e.bucket = keys::unzigzag(bucket);
    }
    if (in->size() < e.digest.size()) return false;
    std::memcpy(e.digest.data(), in->data(), e.digest.size());
    in->remove_prefix(e.digest.size());
  }
  return true;
}

}  // namespace

std::string to_hex(const uint8_t* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

struct Sha256::Impl {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  // Fetched once: the implicit fetch behind EVP_sha256() costs a lookup on every init.
  impl_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  impl_->ctx = EVP_MD_CTX_new();
}

Sha256::~Sha256() = default;

void Sha256::begin() { EVP_DigestInit_ex2(impl_->ctx, impl_->md, nullptr); }

void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

Hash256 Sha256::finish() {
  Hash256 out{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &n);
  return out;
}

Hash256 Sha256::hash(std::string_view bytes) {
  begin();
  update(bytes);
  return finish();
}

Digest128 Sha256::digest128(std::string_view bytes) {
  Hash256 full = hash(bytes);
  Digest128 out{};
  std::memcpy(out.data(), full.data(), out.size());
  return out;
}

// The link value: every field, then the link hash over the domain and those bytes.
void encode_link(ChainLink* link, Sha256& sha, std::string* out) {
  size_t start = out->size();
  keys::put_u8(out, kLinkFormat);
  keys::put_u8(out, static_cast<uint8_t>(link->kind));
  keys::put_u64(out, link->batch);
  keys::put_varint(out, link->events);
  keys::put_varint(out, link->alerts);
  keys::put_varint(out, link->registry_changes);
  keys::put_varint(out, keys::zigzag(link->min_ts));
  keys::put_varint(out, keys::zigzag(link->max_ts));
  keys::put_varint(out, keys::zigzag(link->committed_at_us));
  put_hash(out, link->prev);
  put_hash(out, link->manifest);
  sha.begin();
  sha.update(kLinkDomain);
  sha.update(std::string_view(*out).substr(start));
  link->link = sha.finish();
  put_hash(out, link->link);
}

bool parse_link(std::string_view value, ChainLink* out) {
  uint8_t format = 0, kind = 0;
  uint64_t v = 0;
  if (!keys::get_u8(&value, &format) || format != kLinkFormat || !keys::get_u8(&value, &kind) ||
      (kind != static_cast<uint8_t>(LinkKind::kData) &&
       kind != static_cast<uint8_t>(LinkKind::kRetention))) {
    return false;
  }
  out->kind = static_cast<LinkKind>(kind);
  if (!keys::get_u64(&value, &out->batch) || !keys::get_varint(&value, &out->events) ||
      !keys::get_varint(&value, &out->alerts) ||
      !keys::get_varint(&value, &out->registry_changes)) {
    return false;
  }
  if (!keys::get_varint(&value, &v)) return false;
  out->min_ts = keys::unzigzag(v);
  if (!keys::get_varint(&value, &v)) return false;
  out->max_ts = keys::unzigzag(v);
  if (!keys::get_varint(&value, &v)) return false;
  out->committed_at_us = keys::unzigzag(v);
  return get_hash(&value, &out->prev) && get_hash(&value, &out->manifest) &&
         get_hash(&value, &out->link) && value.empty();
}

Hash256 recompute_link(std::string_view value, Sha256& sha) {
  sha.begin();
  sha.update(kLinkDomain);
  sha.update(value.substr(0, value.size() >= 32 ? value.size() - 32 : 0));
  return sha.finish();
}

void encode_manifest(LinkKind kind, const Manifest& manifest, std::string* out) {
  if (kind == LinkKind::kRetention) {
    keys::put_u8(out, kManifestFormat);
    keys::put_varint(out, keys::zigzag(manifest.cutoff_bucket));
    return;
  }
  ManifestBuilder builder;
  for (const ManifestEntry& e : manifest.blocks) builder.add_block(e.key, e.digest);
  for (const ManifestEntry& e : manifest.alerts) builder.add_alert(e.key, e.bucket, e.digest);
  for (const ManifestEntry& e : manifest.registry) builder.add_registry(e.key, e.digest);
  for (const ManifestPosition& p : manifest.positions) builder.add_position(p.name, p.offset);
  builder.set_derived(manifest.id_keys, manifest.postings);
  builder.finish(out);
}

bool parse_manifest(LinkKind kind, std::string_view value, Manifest* out) {
  uint8_t format = 0;
  if (!keys::get_u8(&value, &format) || format != kManifestFormat) return false;
  if (kind == LinkKind::kRetention) {
    uint64_t v = 0;
    if (!keys::get_varint(&value, &v)) return false;
    out->cutoff_bucket = keys::unzigzag(v);
    return value.empty();
  }
  if (!get_entries(&value, false, &out->blocks) || !get_entries(&value, true, &out->alerts) ||
      !get_entries(&value, false, &out->registry)) {
    return false;
  }
  uint64_t n = 0;
  if (!keys::get_varint(&value, &n) || n > value.size()) return false;
  out->positions.resize(n);
  for (ManifestPosition& p : out->positions) {
    std::string_view name;
    if (!keys::get_bytes(&value, &name) || !keys::get_varint(&value, &p.offset)) return false;
    p.name.assign(name);
  }
  return keys::get_varint(&value, &out->id_keys) && keys::get_varint(&value, &out->postings) &&
         value.empty();
}

void ManifestBuilder::clear() {
  blocks_.clear();
  alerts_.clear();
  registry_.clear();
  positions_.clear();
  block_count_ = alert_count_ = registry_count_ = position_count_ = 0;
  id_keys_ = postings_ = 0;
}

void ManifestBuilder::add_block(std::string_view key, const Digest128& digest) {
  put_entry(&blocks_, key, digest);
  ++block_count_;
}

void ManifestBuilder::add_alert(std::string_view key, int64_t bucket, const Digest128& digest) {
  keys::put_bytes(&alerts_, key);
  keys::put_varint(&alerts_, keys::zigzag(bucket));
  alerts_.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  ++alert_count_;
}

void ManifestBuilder::add_registry(std::string_view key, const Digest128& digest) {
  put_entry(&registry_, key, digest);
  ++registry_count_;
}

void ManifestBuilder::add_position(std::string_view name, uint64_t offset) {
  keys::put_bytes(&positions_, name);
  keys::put_varint(&positions_, offset);
  ++position_count_;
}

void ManifestBuilder::set_derived(uint64_t id_keys, uint64_t postings) {
  id_keys_ = id_keys;
  postings_ = postings;
}

void ManifestBuilder::finish(std::string* out) const {
  keys::put_u8(out, kManifestFormat);
  keys::put_varint(out, block_count_);
  out->append(blocks_);
  keys::put_varint(out, alert_count_);
  out->append(alerts_);
  keys::put_varint(out, registry_count_);
  out->append(registry_);
  keys::put_varint(out, position_count_);
  out->append(positions_);
  keys::put_varint(out, id_keys_);
  keys::put_varint(out, postings_);
}

}  // namespace aw::store
