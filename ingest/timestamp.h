// Event time: parsing RFC 3339 text and epoch milliseconds into microseconds since the Unix
// epoch (UTC), and formatting it back. Allocation-free; used on the hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aw::ingest {

// Accepted range: years 0001 to 9999, so every accepted time prints as RFC 3339.
inline constexpr int64_t kMinTimeUs = -62135596800LL * 1000000;      // 0001-01-01T00:00:00Z
inline constexpr int64_t kMaxTimeUs = 253402300800LL * 1000000 - 1;  // 9999-12-31T23:59:59.999999Z

// RFC 3339 date-time: "YYYY-MM-DD" then 'T', 't' or ' ', "HH:MM:SS", an optional fraction of any
// number of digits (truncated to microseconds), then 'Z', 'z' or "+HH:MM"/"-HH:MM". A leap second
// (":60") counts as the first instant of the next minute. Returns false for anything else.
bool parse_rfc3339(std::string_view text, int64_t* us);

// Integer epoch milliseconds to microseconds; false when outside the accepted range.
bool epoch_ms_to_us(int64_t ms, int64_t* us);

// "2026-11-20T10:15:30.123456Z". `out` must hold kRfc3339Length bytes; returns the length.
inline constexpr size_t kRfc3339Length = 27;
size_t format_rfc3339(int64_t us, char* out);
std::string format_rfc3339(int64_t us);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

}  // namespace aw::ingest
