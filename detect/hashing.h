// 64-bit hashing of byte strings. hash_bytes is stable: the same input and seed give the same
// hash on every run and machine, so alert ids are built from it. Word-at-a-time: every step is
// a bijection of the state, so two inputs of the same length never collide; inputs of different
// lengths collide with probability about 2^-64. quick_hash (below) is faster and only for
// in-memory tables.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace aw::detect {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t hash_bytes(std::string_view bytes, uint64_t seed) {
  uint64_t h = mix64(seed ^ (bytes.size() * 0x9e3779b97f4a7c15ULL));
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = mix64(h ^ word) * 0x9e3779b97f4a7c15ULL;
  }
  if (i < bytes.size()) {
    // Assemble the last 1-7 bytes without a variable-length memcpy (a libc call per hash).
    uint64_t word = 0;
    for (size_t k = 0; i + k < bytes.size(); ++k) {
      word |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i + k])) << (8 * k);
    }
    h = mix64(h ^ word ^ 0xff51afd7ed558ccdULL);
  }
  return mix64(h);
}

// Combines the hashes of several fields; the field boundary is part of the key, so ("ab", "c")
// and ("a", "bc") differ.
inline uint64_t hash_fields(std::string_view a, std::string_view b, uint64_t seed) {
  return hash_bytes(b, hash_bytes(a, seed) + 0x632be59bd9b4e019ULL);
}

// A faster keyed hash for in-memory tables only (never for alert ids or anything kept across
// runs: hash_bytes above is the stable one). One 64x64->128-bit multiply per 16 bytes, in the
// manner of wyhash, where hash_bytes runs two dependent multiplies per 8 bytes; the fingerprint
// of every event and each table look-up pay for the hash, so it is on the hot path.
inline uint64_t fold_multiply(uint64_t a, uint64_t b) {
  __uint128_t product = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

inline uint64_t quick_hash(std::string_view bytes, uint64_t seed) {
  constexpr uint64_t kP0 = 0xa0761d6478bd642fULL;
  constexpr uint64_t kP1 = 0xe7037ed1a0b428dbULL;
  constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;
  auto load64 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load32 = [](const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return uint64_t{v};
  };
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = seed ^ kP0;
  while (n > 16) {
    h = fold_multiply(load64(p) ^ kP1, load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0;
  uint64_t b = 0;
  if (n >= 8) {  // overlapping loads cover 8-16 bytes
    a = load64(p);
    b = load64(p + n - 8);
  } else if (n >= 4) {
    a = load32(p);
    b = load32(p + n - 4);
  } else if (n > 0) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    a = (uint64_t{u[0]} << 16) | (uint64_t{u[n >> 1]} << 8) | u[n - 1];
  }
  return fold_multiply(kP2 ^ bytes.size(), fold_multiply(a ^ kP1, b ^ h));
}

// quick_hash of two fields; the boundary is part of the key.
inline uint64_t quick_hash_fields(std::string_view a, std::string_view b, uint64_t seed) {
  return quick_hash(b, quick_hash(a, seed) + 0x632be59bd9b4e019ULL);
}

}  // namespace aw::detect
