// pgaudit (FORMATS.md section 7): `<log_line_prefix><LEVEL>:  AUDIT: <CSV>` where the CSV is
// AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,OBJECT_TYPE,OBJECT_NAME,STATEMENT,
// PARAMETER[,ROWS]. A quoted STATEMENT may span lines: a line that leaves a quote open is held
// and the following lines are appended until it closes (across batches; an entry longer than
// max_record_bytes is dead-lettered as too_large). Lines that are not AUDIT entries (the
// server's other log lines) are skipped.
//
// The prefix is parsed by the mapping's `log_line_prefix` (%m %t %u %d %p %r %h %a %c %l %e %%);
// without one, lines carry no user, database or time (the regression-suite form), and take the
// record's default time.
#include <emmintrin.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/line_reader.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

constexpr std::string_view kMarker = "AUDIT: ";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Prefix {
  std::string_view time, user, database, pid, host, app, session;
};

struct Entry {
  std::string_view fields[10];
  size_t count = 0;
};

int two_digits(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
bool are_digits(const char* p, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    if (!is_digit(p[k])) return false;
  }
  return true;
}

// "2021-10-30 07:23:56[.123] UTC" (or a numeric zone) -> µs, with the same checks as RFC 3339
// (parse_rfc3339). The date part is resolved once per day: every entry of a server log carries
// its time, and the full RFC 3339 path (a copy, then a generic parse) cost a tenth of the decoder.
class LogTimeParser {
 public:
  bool parse(std::string_view text, int64_t* us) {
    if (text.size() < 19) return false;
    const char* p = text.data();
    if (std::memcmp(p, date_, sizeof(date_)) != 0 && !resolve_date(p)) return false;
    if (p[10] != ' ' && p[10] != 'T' && p[10] != 't') return false;
    if (!are_digits(p + 11, 2) || p[13] != ':' || !are_digits(p + 14, 2) || p[16] != ':' ||
        !are_digits(p + 17, 2)) {
      return false;
    }
    int hour = two_digits(p + 11), minute = two_digits(p + 14), second = two_digits(p + 17);
    if (hour > 23 || minute > 59 || second > 60) return false;
    size_t pos = 19;
    int64_t fraction_us = 0;
    if (pos < text.size() && p[pos] == '.') {
      size_t start = ++pos;
      int64_t scale = 100000;
      for (; pos < text.size() && is_digit(p[pos]); ++pos) {
        fraction_us += (p[pos] - '0') * scale;
        scale /= 10;
      }
      if (pos == start) return false;
    }
    int64_t offset_seconds = 0;
    if (pos < text.size()) {
      if (p[pos] != ' ') return false;
      std::string_view name = text.substr(pos + 1);
      if (name.empty() || name == "UTC" || name == "GMT" || name == "Z") {
        offset_seconds = 0;
      } else if ((name[0] == '+' || name[0] == '-') && name.size() >= 3 &&
                 are_digits(&name[1], 2)) {
        // +HH, +HHMM or +HH:MM
        std::string_view minutes = name.size() >= 5 ? name.substr(name.size() - 2) : "00";
        if (!are_digits(minutes.data(), 2)) return false;
        int offset_hour = two_digits(&name[1]), offset_minute = two_digits(minutes.data());
        if (offset_hour > 23 || offset_minute > 59) return false;
        offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (name[0] == '+' ? 1 : -1);
      } else {
        return false;  // a named zone other than UTC needs a zone database
      }
    }
    int64_t result =
        (day_start_s_ + hour * 3600 + minute * 60 + second - offset_seconds) * 1000000 +
        fraction_us;
    if (result < kMinTimeUs || result > kMaxTimeUs) return false;
    *us = result;
    return true;
  }

 private:
  // Checks "YYYY-MM-DD" (digits, month, day of that month) and remembers the day's start.
  bool resolve_date(const char* p) {
    if (!are_digits(p, 4) || p[4] != '-' || !are_digits(p + 5, 2) || p[7] != '-' ||
        !are_digits(p + 8, 2)) {
      return false;
    }
    int year = two_digits(p) * 100 + two_digits(p + 2);
    int month = two_digits(p + 5), day = two_digits(p + 8);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1 || month < 1 || month > 12 || day < 1 ||
        day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) {
      return false;
    }
    day_start_s_ =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
    std::memcpy(date_, p, sizeof(date_));
    return true;
  }

  char date_[10] = {};  // the last date resolved; never matches before the first
  int64_t day_start_s_ = 0;
};

// The first byte at or after `t` equal to one of `a`, `b`, `c`, `d` (or text.size()), 16 bytes
// at a time. `text` must have 16 readable bytes past its end, as records and padded copies do.
// Performance note: the prefix's fields are scanned for their stop characters on every line;
// a byte loop per field cost a quarter of the decoder on server logs.
inline size_t find_any(std::string_view text, size_t t, char a, char b, char c, char d) {
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c),
                vd = _mm_set1_epi8(d);
  for (; t < text.size(); t += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + t));
    __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, va), _mm_cmpeq_epi8(bytes, vb)),
                                _mm_or_si128(_mm_cmpeq_epi8(bytes, vc), _mm_cmpeq_epi8(bytes, vd)));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    if (mask != 0) return std::min(text.size(), t + static_cast<size_t>(__builtin_ctz(mask)));
  }
  return text.size();
}

// find_any for one character.
inline size_t find_char(std::string_view text, size_t t, char c) {
  const __m128i wanted = _mm_set1_epi8(c);
  for (; t < text.size(); t += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + t));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, wanted)));
    if (mask != 0) return std::min(text.size(), t + static_cast<size_t>(__builtin_ctz(mask)));
  }
  return text.size();
}

// Matches the start of `text` against a log_line_prefix pattern: the offset just past the
// matched prefix, or npos when it does not fit.
size_t match_prefix(std::string_view pattern, std::string_view text, Prefix* out) {
  constexpr size_t kNoMatch = std::string_view::npos;
  size_t t = 0;
  for (size_t p = 0; p < pattern.size(); ++p) {
    if (pattern[p] != '%' || p + 1 >= pattern.size()) {
      if (t >= text.size() || text[t] != pattern[p]) return kNoMatch;
      ++t;
      continue;
    }
    char directive = pattern[++p];
    if (directive == '%') {
      if (t >= text.size() || text[t] != '%') return kNoMatch;
      ++t;
      continue;
    }
    size_t start = t;
    if (directive == 'm' || directive == 't') {
      // YYYY-MM-DD HH:MM:SS[.fff] ZONE
      t += 19;
      if (t > text.size()) return kNoMatch;
      while (t < text.size() && (text[t] == '.' || is_digit(text[t]))) ++t;
      if (t < text.size() && text[t] == ' ') {
        char next = p + 1 < pattern.size() ? pattern[p + 1] : ' ';
        t = find_any(text, t + 1, ' ', ':', '[', next);
      }
    } else {
      // Up to the pattern's next literal character (or the rest when none follows).
      char stop = p + 1 < pattern.size() && pattern[p + 1] != '%' ? pattern[p + 1] : '\0';
      if (directive == 'r' && stop == ':') {
        // host(port) or [local]: stop at the ')' or ']' that ends it, not at an IPv6 ':'.
        t = find_any(text, t, ')', ']', ')', ']');
        if (t == text.size()) return kNoMatch;
        ++t;
      } else {
        char until = stop == '\0' ? ' ' : stop;
        t = find_char(text, t, until);
      }
    }
    std::string_view value = text.substr(start, t - start);
    switch (directive) {
      case 'm':
      case 't':
        out->time = value;
        break;
      case 'u':
        out->user = value;
        break;
      case 'd':
        out->database = value;
        break;
      case 'p':
        out->pid = value;
        break;
      case 'r':
      case 'h':
        out->host = value.substr(0, find_char(value, 0, '('));
        break;
      case 'a':
        out->app = value;
        break;
      case 'c':
        out->session = value;
        break;
      default:
        break;
    }
  }
  return t;
}

// The offset of "AUDIT: " when `text` goes on at `at` with "<LEVEL>:<spaces>AUDIT: ", else npos.
size_t marker_after_level(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && text[i] >= 'A' && text[i] <= 'Z') ++i;
  if (i == at || i >= text.size() || text[i] != ':') return std::string_view::npos;
  ++i;
  size_t spaces = i;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i == spaces || text.substr(i, kMarker.size()) != kMarker) return std::string_view::npos;
  return i;
}

// The commas, quotes and non-ASCII bytes among the 64 bytes at `p`, one bit per byte (SSE2,
// the x86-64 baseline). `p` must have 64 readable bytes: records carry kRecordPadding after them,
// and entries copied out of a batch get the same (copy_padded).
struct Window {
  uint64_t commas = 0, quotes = 0, high = 0;
};

inline Window scan_window(const char* p) {
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  Window w;
  for (int k = 0; k < 4; ++k) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    auto bits = [](__m128i v) {
      return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(v)));
    };
    w.commas |= bits(_mm_cmpeq_epi8(bytes, comma)) << (16 * k);
    w.quotes |= bits(_mm_cmpeq_epi8(bytes, quote)) << (16 * k);
    w.high |= bits(bytes) << (16 * k);
  }
  return w;
}

// Walks `text` (64 readable bytes past any position) window by window. Unquoted fields pop
// their commas off the window's bit set one by one, so the next field's end does not wait for
// the previous one's (a shift and count per field did: it cost a tenth of the decoder).
// Performance note: pgaudit lines are short with short fields; a scan call per field (memchr,
// or an 8-byte word loop) cost most of the decoder.
class CsvScanner {
 public:
  explicit CsvScanner(std::string_view text) : text_(text) { load(0); }

  // The next comma at or after the last position handed out or loaded (or text.size()).
  size_t next_comma() {
    while (commas_ == 0) {
      if (start_ + 64 >= text_.size()) return text_.size();
      load(start_ + 64);
    }
    size_t at = start_ + static_cast<size_t>(__builtin_ctzll(commas_));
    commas_ &= commas_ - 1;
    return at;
  }
  // The next quote at or after `i` (or text.size()); the commas then continue from `i`.
  size_t next_quote(size_t i) {
    while (i < text_.size()) {
      load(i);
      if (quotes_ != 0) return i + static_cast<size_t>(__builtin_ctzll(quotes_));
      i += 64;
    }
    return text_.size();
  }
  // Continues the commas from `i` on (after a quoted field).
  void seek(size_t i) { load(i); }

 private:
  void load(size_t at) {
    start_ = at;
    if (at >= text_.size()) {
      commas_ = quotes_ = 0;
      return;
    }
    Window window = scan_window(text_.data() + at);
    size_t left = text_.size() - at;
    uint64_t keep = left >= 64 ? ~uint64_t{0} : (uint64_t{1} << left) - 1;
    commas_ = window.commas & keep;
    quotes_ = window.quotes & keep;
  }

  std::string_view text_;
  size_t start_ = 0;
  uint64_t commas_ = 0;
  uint64_t quotes_ = 0;
};

// True when `text` (64 readable bytes past its end) is ASCII, 64 bytes at a time; the rare line
// that is not goes to simdjson's UTF-8 validator.
bool valid_utf8(std::string_view text) {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 64 <= text.size(); i += 64) high |= scan_window(text.data() + i).high;
  if (i < text.size())
    high |= scan_window(text.data() + i).high & ((uint64_t{1} << (text.size() - i)) - 1);
  return high == 0 || simdjson::validate_utf8(text.data(), text.size());
}

// The parity of the quotes in `text` (64 readable bytes past its end), flipped into `open`.
bool quote_parity(std::string_view text, bool open) {
  size_t i = 0;
  for (; i + 64 <= text.size(); i += 64)
    open ^= __builtin_parityll(scan_window(text.data() + i).quotes);
  if (i < text.size()) {
    open ^= __builtin_parityll(scan_window(text.data() + i).quotes &
                               ((uint64_t{1} << (text.size() - i)) - 1));
  }
  return open;
}

// A copy of `text` in the arena followed by kRecordPadding zero bytes, so the scans above may
// read past it like past a record.
std::string_view copy_padded(StringArena& arena, std::string_view text) {
  char* out = arena.allocate(text.size() + kRecordPadding);
  std::memcpy(out, text.data(), text.size());
  std::memset(out + text.size(), 0, kRecordPadding);
  return std::string_view(out, text.size());
}

enum class Csv { kOk, kMalformed, kOpenQuote };

// Splits the CSV payload (64 readable bytes past its end); quoted fields are unquoted (doubled
// quotes into the arena). kOpenQuote: a quoted field runs past the end (its statement continues
// on the next line).
Csv split_csv(std::string_view text, StringArena& arena, Entry* entry) {
  CsvScanner scanner(text);
  size_t i = 0;
  entry->count = 0;
  while (true) {
    if (entry->count == 10) return Csv::kMalformed;
    std::string_view& field = entry->fields[entry->count++];
    if (i < text.size() && text[i] == '"') {
      size_t start = ++i;
      bool doubled = false;
      while (true) {
        i = scanner.next_quote(i);
        if (i >= text.size()) return Csv::kOpenQuote;
        if (i + 1 < text.size() && text[i + 1] == '"') {
          doubled = true;
          i += 2;
          continue;
        }
        break;
      }
      field = text.substr(start, i - start);
      ++i;  // the closing quote
      scanner.seek(i);
      if (doubled) {
        char* out = arena.allocate(field.size());
        size_t n = 0;
        for (size_t k = 0; k < field.size(); ++k) {
          out[n++] = field[k];
          if (field[k] == '"') ++k;
        }
        field = std::string_view(out, n);
      }
      if (i >= text.size()) return Csv::kOk;
      if (text[i] != ',') return Csv::kMalformed;  // text after a closing quote
      scanner.next_comma();                        // the comma at i
      ++i;
    } else {
      size_t end = scanner.next_comma();
      field = text.substr(i, end - i);
      if (end >= text.size()) return Csv::kOk;
      i = end + 1;
    }
  }
}

ActionClass classify(std::string_view audit_class, std::string_view command,
                     std::string_view statement) {
  auto starts = [](std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
  };
  if (audit_class == "READ") return ActionClass::kRead;
  if (audit_class == "WRITE") {
    return command == "DELETE" || command == "TRUNCATE TABLE" || command == "TRUNCATE"
               ? ActionClass::kDelete
               : ActionClass::kWrite;
  }
  if (audit_class == "ROLE") return ActionClass::kEscalate;
  if (audit_class == "DDL") {
    if (starts(command, "DROP")) return ActionClass::kDelete;
    if (starts(command, "ALTER") && (statement.find(" DROP ") != std::string_view::npos ||
                                     statement.find(" drop ") != std::string_view::npos)) {
      return ActionClass::kDelete;
    }
    return ActionClass::kWrite;
  }
  if (audit_class == "FUNCTION") return ActionClass::kExec;
  return ActionClass::kUnset;  // MISC, MISC_SET: the action-class table decides by verb
}

class PgauditDecoder final : public RecordDecoder {
 public:
  PgauditDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                 const FormatOptions& format_options)
      : ctx_(Format::kPgaudit, options, mapping, format_options) {}

  Status init() {
    if (ctx_.mapping() != nullptr) prefix_pattern_ = ctx_.mapping()->log_line_prefix();
    // The prefix can be matched on the whole line (before the marker is known) unless it ends
    // in a directive, which would then run on into the level.
    size_t n = prefix_pattern_.size();
    prefix_first_ =
        n > 0 && !(n >= 2 && prefix_pattern_[n - 2] == '%' && prefix_pattern_[n - 1] != '%');
    return ctx_.init();
  }
  Format format() const override { return Format::kPgaudit; }
  void flush(EventBatch& batch) override {
    // An entry still open at the end of input was cut short.
    if (holding_) {
      std::string_view copy = batch.arena.copy(held_);
      batch.dead_letters.push_back(
          DeadLetter{DecodeError::kTruncated, "STATEMENT", copy, copy.size(), held_position_, {}});
      drop_held();
    }
  }

 protected:
  void decode_batch(std::span<const RecordRef> records, std::span<const int64_t> default_ts_us,
                    EventBatch& batch) override;

 private:
  // Decodes one whole entry whose "AUDIT: " starts at `marker`; false (and nothing emitted)
  // when its statement is still open at the end, so more lines belong to it.
  // `parsed`: the line's prefix when decode_batch matched it already, else null.
  bool decode_entry(const Payload& payload, size_t marker, EventBatch& batch,
                    const Prefix* parsed = nullptr);

  DecoderContext ctx_;
  // Adds a line to the held entry; decodes the entry once its quote closes.
  void continue_entry(const RecordRef& record, size_t max_bytes, EventBatch& batch);
  void drop_held() {
    holding_ = false;
    held_view_ = {};
    held_.clear();
  }

  // An entry whose statement continues on the next line: a view of the batch's buffer while
  // its lines are contiguous there, else (and across batches) a copy.
  bool holding_ = false;
  std::string_view held_view_;
  std::string held_;
  SourcePosition held_position_;
  int64_t held_default_ts_ = kNoDefaultTime;
  bool held_open_ = false;
  LogTimeParser log_time_;
  std::string_view prefix_pattern_;  // the mapping's log_line_prefix, or empty
  bool prefix_first_ = false;        // match the prefix first, then expect the level and marker
};

void PgauditDecoder::decode_batch(std::span<const RecordRef> records,
                                  std::span<const int64_t> default_ts_us, EventBatch& batch) {
  const size_t max_bytes = ctx_.options().max_record_bytes;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordRef& record = records[i];
    int64_t default_ts = i < default_ts_us.size() ? default_ts_us[i] : kNoDefaultTime;
    if (holding_) {
      continue_entry(record, max_bytes, batch);
      continue;
    }
    Payload payload{record.bytes, record.record_bytes, record.position, default_ts};
    if (record.record_bytes > max_bytes || record.bytes.size() > max_bytes) {
      ctx_.dead_letter(batch, payload, {DecodeError::kTooLarge, ""});
      continue;
    }
    // Performance note: with a prefix, matching it first finds the marker right after the
    // level, without searching the line for it; lines that do not fit take the search.
    Prefix prefix;
    size_t marker = std::string_view::npos;
    bool matched = false;
    if (prefix_first_) {
      size_t end = match_prefix(prefix_pattern_, record.bytes, &prefix);
      if (end != std::string_view::npos) {
        marker = marker_after_level(record.bytes, end);
        matched = marker != std::string_view::npos;
      }
    }
    if (!matched) marker = record.bytes.find(kMarker);
    if (marker == std::string_view::npos) continue;  // another kind of log line
    if (!decode_entry(payload, marker, batch, matched ? &prefix : nullptr)) {
      // The statement goes on: hold the entry, its quote open, for the next lines. It stays a
      // view while its lines follow one another in the same buffer.
      holding_ = true;
      held_open_ = true;
      held_view_ = record.bytes;
      held_.clear();
      held_position_ = record.position;
      held_default_ts_ = default_ts;
    }
  }
  // The batch's buffer goes away with it: keep what is still held.
  if (holding_ && !held_view_.empty()) {
    held_.assign(held_view_.data(), held_view_.size());
    held_view_ = {};
  }
}

void PgauditDecoder::continue_entry(const RecordRef& record, size_t max_bytes, EventBatch& batch) {
  held_open_ = quote_parity(record.bytes, held_open_);
  const char* view_end = held_view_.data() + held_view_.size();
  if (!held_view_.empty() && record.bytes.data() == view_end + 1 && *view_end == '\n') {
    held_view_ = std::string_view(held_view_.data(), held_view_.size() + 1 + record.bytes.size());
  } else {
    if (!held_view_.empty()) held_.assign(held_view_.data(), held_view_.size());
    held_view_ = {};
    held_.push_back('\n');
    held_.append(record.bytes.data(), record.bytes.size());
  }
  std::string_view entry = held_view_.empty() ? std::string_view(held_) : held_view_;
  if (entry.size() > max_bytes || record.record_bytes > record.bytes.size()) {
    std::string_view copy = batch.arena.copy(entry.substr(0, 4096));
    batch.dead_letters.push_back(
        DeadLetter{DecodeError::kTooLarge, "STATEMENT", copy, entry.size(), held_position_, {}});
    drop_held();
    return;
  }
  if (held_open_) return;
  if (held_view_.empty()) entry = copy_padded(batch.arena, held_);
  drop_held();
  Payload whole{entry, entry.size(), held_position_, held_default_ts_};
  if (!decode_entry(whole, entry.find(kMarker), batch)) {
    // Quotes balanced but the CSV says open: malformed; never hold an entry twice.
    ctx_.dead_letter(batch, whole, {DecodeError::kInvalidValue, "AUDIT"});
  }
}

bool PgauditDecoder::decode_entry(const Payload& payload, size_t marker, EventBatch& batch,
                                  const Prefix* parsed) {
  std::string_view line = payload.bytes;
  Entry entry;
  Csv csv = split_csv(line.substr(marker + kMarker.size()), batch.arena, &entry);
  if (csv == Csv::kOpenQuote) return false;
  // Text lines are not validated by a JSON parser: events carry only UTF-8 onwards.
  if (!valid_utf8(line)) {
    ctx_.dead_letter(batch, payload, {DecodeError::kInvalidUtf8, ""});
    return true;
  }
  Prefix own;
  const Prefix& prefix = parsed != nullptr ? *parsed : own;
  if (parsed == nullptr && !prefix_pattern_.empty()) {
    // "<prefix><LEVEL>:  AUDIT: ": the level is the word before the last ':' ahead of the marker.
    size_t level_end = line.rfind(':', marker);
    size_t level_start = level_end == std::string_view::npos ? 0 : level_end;
    while (level_start > 0 && line[level_start - 1] >= 'A' && line[level_start - 1] <= 'Z') {
      --level_start;
    }
    if (match_prefix(prefix_pattern_, line.substr(0, level_start), &own) ==
        std::string_view::npos) {
      ctx_.dead_letter(batch, payload, {DecodeError::kInvalidValue, "log_line_prefix"});
      return true;
    }
  }
  if (csv != Csv::kOk || (entry.count != 9 && entry.count != 10)) {
    ctx_.dead_letter(batch, payload, {DecodeError::kInvalidValue, "AUDIT"});
    return true;
  }
  std::string_view audit_type = entry.fields[0], statement_id = entry.fields[1],
                   substatement_id = entry.fields[2], audit_class = entry.fields[3],
                   command = entry.fields[4], object_type = entry.fields[5],
                   object_name = entry.fields[6], statement = entry.fields[7],
                   parameter = entry.fields[8];
  if (audit_type != "SESSION" && audit_type != "OBJECT") {
    ctx_.dead_letter(batch, payload, {DecodeError::kInvalidValue, "AUDIT_TYPE"});
    return true;
  }
  Event& event = batch.events.emplace_back();
  StringArena& arena = batch.arena;
  bool has_ts = false;
  if (!prefix.time.empty()) {
    if (!log_time_.parse(prefix.time, &event.ts_us)) {
      batch.events.pop_back();
      ctx_.dead_letter(batch, payload, {DecodeError::kBadTimestamp, "log_line_prefix"});
      return true;
    }
    has_ts = true;
  }
  std::string_view session = !prefix.session.empty() ? prefix.session : prefix.pid;
  if (!session.empty()) {
    event.id = DecoderContext::concat(arena, {session, "/", statement_id, "/", substatement_id});
  }
  event.actor_id = prefix.user;
  event.session = session;
  event.tool = "sql.execute";
  event.verb = command;
  event.action_class = classify(audit_class, command, statement);
  if (!object_type.empty()) {
    char* type = arena.allocate(3 + object_type.size());
    std::memcpy(type, "db.", 3);
    for (size_t k = 0; k < object_type.size(); ++k) {
      char c = object_type[k];
      type[3 + k] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c == ' ' ? '_' : c;
    }
    event.resource_type = std::string_view(type, 3 + object_type.size());
  }
  if (!object_name.empty()) {
    event.resource_name =
        prefix.database.empty()
            ? DecoderContext::concat(arena, {"db:", object_name})
            : DecoderContext::concat(arena, {"db:", prefix.database, "/", object_name});
  }
  event.src_ip = prefix.host;
  // attrs hold only what the event has no field for; the line itself (raw) keeps the rest.
  event.attrs_json = DecoderContext::attrs(
      arena, {{"parameter", parameter == "<not logged>" || parameter == "<none>" ? "" : parameter},
              {"rows", entry.count == 10 ? entry.fields[9] : ""},
              {"application", prefix.app}});
  FieldError error =
      ctx_.finish(event, payload, has_ts, prefix.user, EnvKey::kDatabase, prefix.database);
  if (!error.ok()) {
    batch.events.pop_back();
    ctx_.dead_letter(batch, payload, error);
  }
  return true;
}

}  // namespace

DecoderResult make_pgaudit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                   const FormatOptions& format_options) {
  auto decoder = std::make_unique<PgauditDecoder>(options, mapping, format_options);
  Status status = decoder->init();
  if (!status.ok()) return status;
  return std::unique_ptr<RecordDecoder>(std::move(decoder));
}

}  // namespace aw::ingest::formats
