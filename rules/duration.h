// Durations as rules and policies write them: one or more <integer><unit> parts, largest first
// or not, with units us, ms, s, m, h, d ("250ms", "60s", "15m", "1h30m", "7d"). Values are
// microseconds, matching kDuration fields. Allocation-free except the std::string overload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aw::rules {

// Largest accepted duration: 100 years, far beyond any window or lifetime a rule compares, and
// far from int64 overflow when added to a time.
inline constexpr int64_t kMaxDurationUs = 100LL * 365 * 86400 * 1000000;

// Parses a non-negative duration; false for anything else (no unit, unknown unit, a sign,
// spaces, more than kMaxDurationUs).
bool parse_duration(std::string_view text, int64_t* us);

// "1h30m", "250ms", "0s"; negative durations get a leading '-'. `out` must hold
// kMaxDurationLength bytes; returns the length.
inline constexpr size_t kMaxDurationLength = 48;
size_t format_duration(int64_t us, char* out);
std::string format_duration(int64_t us);

}  // namespace aw::rules
