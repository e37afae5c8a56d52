// The integrity chain: one link per store batch (and per retention run), each holding the
// SHA-256 of its own contents and of the previous link, so changing, adding or removing any
// stored key breaks the chain at that batch (DESIGN.md, "Evidence is tamper-evident").
//
// What a link covers. Each data batch writes a manifest (chain family, 'm' | batch) listing the
// batch's primary keys with a 128-bit digest (truncated SHA-256) of each value: event blocks,
// alert records, registry changes, plus the source positions it committed and how many derived
// keys (ids, postings) it wrote. The link ('l' | batch) holds the batch's summary, the previous
// link and the SHA-256 of the manifest, and its own hash over all of that. Derived keys (the id
// index, the posting lists, the alert secondary keys) are not listed: `verify` recomputes them
// from the verified events and alerts and compares.
//
// Retention removes old events, their index entries and alerts, never links or manifests (a few
// bytes per event): a retention run appends a link of its own recording the cut, so the chain
// from the first batch stays checkable and data missing below the recorded cut is expected, not
// tampering. The chain is
// only as trustworthy as its head: `verify` prints the head link so it can be anchored outside
// the store (a ticket, a log, another system).
//
// Thread-safety: Sha256 per thread; the encoders are pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aw::store {

using Hash256 = std::array<uint8_t, 32>;
using Digest128 = std::array<uint8_t, 16>;

std::string to_hex(const uint8_t* bytes, size_t size);

// SHA-256 over OpenSSL's libcrypto, one reusable context.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void begin();
  void update(std::string_view bytes);
  Hash256 finish();
  Hash256 hash(std::string_view bytes);
  Digest128 digest128(std::string_view bytes);  // the first 16 bytes of SHA-256

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

enum class LinkKind : uint8_t { kData = 1, kRetention = 2 };

struct ChainLink {
  LinkKind kind = LinkKind::kData;
  uint64_t batch = 0;
  uint64_t events = 0;
  uint64_t alerts = 0;
  uint64_t registry_changes = 0;
  int64_t min_ts = 0;  // event times of the batch's events (0 when none)
  int64_t max_ts = 0;
  int64_t committed_at_us = 0;
  Hash256 prev{};
  Hash256 manifest{};
  Hash256 link{};  // SHA-256 of everything above, as encoded
};

// Encodes `link` (computing link.link) and appends the value to `out`.
void encode_link(ChainLink* link, Sha256& sha, std::string* out);
bool parse_link(std::string_view value, ChainLink* out);
// Recomputes the hash of a parsed link's encoded fields; equal to link.link when untouched.
Hash256 recompute_link(std::string_view value, Sha256& sha);

struct ManifestEntry {
  std::string key;
  Digest128 digest{};
  int64_t bucket = 0;  // alerts only: the time bucket of the alert's event (retention prunes by it)
};

struct ManifestPosition {
  std::string name;
  uint64_t offset = 0;
};

struct Manifest {
  // Data batches.
  std::vector<ManifestEntry> blocks;    // events family, in key order
  std::vector<ManifestEntry> alerts;    // alert records ('a' keys, with bucket), in key order
  std::vector<ManifestEntry> registry;  // registry family, in key order
  std::vector<ManifestPosition> positions;
  uint64_t id_keys = 0;   // ids entries written
  uint64_t postings = 0;  // index entries written
  // Retention links.
  int64_t cutoff_bucket = 0;
};

void encode_manifest(LinkKind kind, const Manifest& manifest, std::string* out);
bool parse_manifest(LinkKind kind, std::string_view value, Manifest* out);

// Builds a data manifest's value incrementally, without a Manifest's per-entry strings (the
// write path). Entries must be added in key order per section. finish() gives the same bytes as
// encode_manifest() of the equivalent Manifest.
class ManifestBuilder {
 public:
  void clear();
  void add_block(std::string_view key, const Digest128& digest);
  void add_alert(std::string_view key, int64_t bucket, const Digest128& digest);
  void add_registry(std::string_view key, const Digest128& digest);
  void add_position(std::string_view name, uint64_t offset);
  void set_derived(uint64_t id_keys, uint64_t postings);
  void finish(std::string* out) const;

 private:
  std::string blocks_, alerts_, registry_, positions_;
  uint64_t block_count_ = 0, alert_count_ = 0, registry_count_ = 0, position_count_ = 0;
  uint64_t id_keys_ = 0, postings_ = 0;
};

}  // namespace aw::store
