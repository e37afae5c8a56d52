#include "rules/duration.h"

namespace aw::rules {
namespace {

struct Unit {
  std::string_view name;
  int64_t us;
};
// Largest first: format_duration walks them in this order.
constexpr Unit kUnits[] = {{"d", 86400LL * 1000000},
                           {"h", 3600LL * 1000000},
                           {"m", 60LL * 1000000},
                           {"s", 1000000},
                           {"ms", 1000},
                           {"us", 1}};

}  // namespace

bool parse_duration(std::string_view text, int64_t* us) {
  if (text.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return false;
    int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxDurationUs) return false;
      ++i;
    }
    size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    std::string_view unit_name = text.substr(unit_start, i - unit_start);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (candidate.name == unit_name) unit = &candidate;
    }
    if (unit == nullptr) return false;
    if (number > (kMaxDurationUs - total) / unit->us) return false;
    total += number * unit->us;
  }
  *us = total;
  return true;
}

size_t format_duration(int64_t us, char* out) {
  size_t length = 0;
  if (us == 0) {
    out[0] = '0';
    out[1] = 's';
    return 2;
  }
  // Work on the magnitude as unsigned so INT64_MIN has one too.
  uint64_t rest = us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
  if (us < 0) out[length++] = '-';
  for (const Unit& unit : kUnits) {
    uint64_t count = rest / static_cast<uint64_t>(unit.us);
    if (count == 0) continue;
    rest -= count * static_cast<uint64_t>(unit.us);
    char digits[20];
    size_t n = 0;
    while (count > 0) {
      digits[n++] = static_cast<char>('0' + count % 10);
      count /= 10;
    }
    while (n > 0) out[length++] = digits[--n];
    for (char c : unit.name) out[length++] = c;
  }
  return length;
}

std::string format_duration(int64_t us) {
  char buffer[kMaxDurationLength];
  return std::string(buffer, format_duration(us, buffer));
}

}  // namespace aw::rules
