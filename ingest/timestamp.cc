#include "ingest/timestamp.h"

namespace aw::ingest {
namespace {

bool digits(std::string_view text, size_t pos, size_t count, int* value) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

void put2(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool parse_rfc3339(std::string_view text, int64_t* us) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20) return false;
  if (!digits(text, 0, 4, &year) || text[4] != '-' || !digits(text, 5, 2, &month) ||
      text[7] != '-' || !digits(text, 8, 2, &day)) {
    return false;
  }
  char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  if (!digits(text, 11, 2, &hour) || text[13] != ':' || !digits(text, 14, 2, &minute) ||
      text[16] != ':' || !digits(text, 17, 2, &second)) {
    return false;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  size_t pos = 19;
  int64_t fraction_us = 0;
  if (text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_us += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  if (pos >= text.size()) return false;
  int64_t offset_seconds = 0;
  char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    ++pos;
  } else if (zone == '+' || zone == '-') {
    int offset_hour, offset_minute;
    if (!digits(text, pos + 1, 2, &offset_hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, &offset_minute) || offset_hour > 23 || offset_minute > 59) {
      return false;
    }
    offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (zone == '+' ? 1 : -1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  int64_t seconds =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_seconds;
  int64_t result = seconds * 1000000 + fraction_us;
  if (result < kMinTimeUs || result > kMaxTimeUs) return false;
  *us = result;
  return true;
}

bool epoch_ms_to_us(int64_t ms, int64_t* us) {
  if (ms < kMinTimeUs / 1000 || ms > kMaxTimeUs / 1000) return false;
  *us = ms * 1000;
  return true;
}

size_t format_rfc3339(int64_t us, char* out) {
  if (us < kMinTimeUs) us = kMinTimeUs;
  if (us > kMaxTimeUs) us = kMaxTimeUs;
  int64_t seconds = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  int64_t micros = us - seconds * 1000000;
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t in_day = seconds - days * 86400;
  Civil c = civil_from_days(days);
  unsigned year = static_cast<unsigned>(c.year);
  out[0] = static_cast<char>('0' + year / 1000);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[4] = '-';
  put2(out + 5, c.month);
  out[7] = '-';
  put2(out + 8, c.day);
  out[10] = 'T';
  put2(out + 11, static_cast<unsigned>(in_day / 3600));
  out[13] = ':';
  put2(out + 14, static_cast<unsigned>(in_day / 60 % 60));
  out[16] = ':';
  put2(out + 17, static_cast<unsigned>(in_day % 60));
  out[19] = '.';
  unsigned frac = static_cast<unsigned>(micros);
  for (int i = 25; i >= 20; --i) {
    out[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out[26] = 'Z';
  return kRfc3339Length;
}

std::string format_rfc3339(int64_t us) {
  char buffer[kRfc3339Length];
  return std::string(buffer, format_rfc3339(us, buffer));
}

}  // namespace aw::ingest
