// Fast 64-bit hashing of byte strings for in-memory correlation keys (not for anything stored or
// compared across processes). Word-at-a-time: every step is a bijection of the state, so two
// inputs of the same length never collide; inputs of different lengths collide with
// probability about 2^-64. The same input and seed give the same hash on every run.
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

}  // namespace aw::detect
