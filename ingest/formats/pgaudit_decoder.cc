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
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
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

// "2021-10-30 07:23:56[.123] UTC" (or a numeric zone) -> µs.
bool parse_log_time(std::string_view text, int64_t* us) {
  if (text.size() < 19) return false;
  char buffer[64];
  size_t zone = text.find(' ', 11);
  std::string_view clock = text.substr(0, zone);
  std::string_view name = zone == std::string_view::npos ? "" : text.substr(zone + 1);
  if (clock.size() + 8 > sizeof(buffer)) return false;
  std::memcpy(buffer, clock.data(), clock.size());
  size_t n = clock.size();
  if (name.empty() || name == "UTC" || name == "GMT" || name == "Z") {
    buffer[n++] = 'Z';
  } else if ((name[0] == '+' || name[0] == '-') && name.size() >= 3 && is_digit(name[1]) &&
             is_digit(name[2])) {
    buffer[n++] = name[0];
    buffer[n++] = name[1];
    buffer[n++] = name[2];
    buffer[n++] = ':';
    std::string_view minutes = name.size() >= 5 ? name.substr(name.size() - 2) : "00";
    buffer[n++] = minutes[0];
    buffer[n++] = minutes[1];
  } else {
    return false;  // a named zone other than UTC needs a zone database
  }
  return parse_rfc3339(std::string_view(buffer, n), us);
}

// Matches `text` against a log_line_prefix pattern; false when it does not fit.
bool match_prefix(std::string_view pattern, std::string_view text, Prefix* out) {
  size_t t = 0;
  for (size_t p = 0; p < pattern.size(); ++p) {
    if (pattern[p] != '%' || p + 1 >= pattern.size()) {
      if (t >= text.size() || text[t] != pattern[p]) return false;
      ++t;
      continue;
    }
    char directive = pattern[++p];
    if (directive == '%') {
      if (t >= text.size() || text[t] != '%') return false;
      ++t;
      continue;
    }
    size_t start = t;
    if (directive == 'm' || directive == 't') {
      // YYYY-MM-DD HH:MM:SS[.fff] ZONE
      t += 19;
      if (t > text.size()) return false;
      while (t < text.size() && (text[t] == '.' || is_digit(text[t]))) ++t;
      if (t < text.size() && text[t] == ' ') {
        ++t;
        while (t < text.size() && text[t] != ' ' && text[t] != ':' && text[t] != '[' &&
               (p + 1 >= pattern.size() || text[t] != pattern[p + 1])) {
          ++t;
        }
      }
    } else {
      // Up to the pattern's next literal character (or the rest when none follows).
      char stop = p + 1 < pattern.size() && pattern[p + 1] != '%' ? pattern[p + 1] : '\0';
      if (directive == 'r' && stop == ':') {
        // host(port) or [local]: stop at the ')' or ']' that ends it, not at an IPv6 ':'.
        while (t < text.size() && text[t] != ')' && text[t] != ']') ++t;
        if (t == text.size()) return false;
        ++t;
      } else {
        while (t < text.size() && (stop == '\0' ? text[t] != ' ' : text[t] != stop)) ++t;
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
        out->host = value.substr(0, value.find('('));
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
  return true;
}

// The first ',' at or after `i` (or text.size()), eight bytes at a time within the text.
// Performance note: fields are mostly a few bytes; a memchr call per field cost more than this
// scan, and a byte loop a quarter of the decoder. (A 64-byte comma mask per window measured
// no faster.)
size_t find_comma(std::string_view text, size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof(word));
    uint64_t commas = word ^ (kOnes * ',');
    // The lowest flagged byte is exact (a borrow only flags bytes above a real match).
    uint64_t found = (commas - kOnes) & ~commas & kHighs;
    if (found != 0) return i + static_cast<size_t>(__builtin_ctzll(found) >> 3);
  }
  while (i < text.size() && text[i] != ',') ++i;
  return i;
}

enum class Csv { kOk, kMalformed, kOpenQuote };

// Splits the CSV payload; quoted fields are unquoted (doubled quotes into the arena).
// kOpenQuote: a quoted field runs past the end (its statement continues on the next line).
Csv split_csv(std::string_view text, StringArena& arena, Entry* entry) {
  size_t i = 0;
  entry->count = 0;
  while (true) {
    if (entry->count == 10) return Csv::kMalformed;
    std::string_view& field = entry->fields[entry->count++];
    if (i < text.size() && text[i] == '"') {
      size_t start = ++i;
      bool doubled = false;
      while (true) {
        const void* quote =
            i < text.size() ? std::memchr(text.data() + i, '"', text.size() - i) : nullptr;
        if (quote == nullptr) return Csv::kOpenQuote;
        i = static_cast<size_t>(static_cast<const char*>(quote) - text.data());
        if (i + 1 < text.size() && text[i + 1] == '"') {
          doubled = true;
          i += 2;
          continue;
        }
        break;
      }
      field = text.substr(start, i - start);
      ++i;  // the closing quote
      if (doubled) {
        char* out = arena.allocate(field.size());
        size_t n = 0;
        for (size_t k = 0; k < field.size(); ++k) {
          out[n++] = field[k];
          if (field[k] == '"') ++k;
        }
        field = std::string_view(out, n);
      }
    } else {
      size_t start = i;
      i = find_comma(text, i);
      field = text.substr(start, i - start);
    }
    if (i >= text.size()) return Csv::kOk;
    if (text[i] != ',') return Csv::kMalformed;  // text after a closing quote
    ++i;
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

  Status init() { return ctx_.init(); }
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
  // True when `text` leaves a CSV quote open (an odd number of quote characters).
  static bool quote_open(std::string_view text, bool open) {
    const char* p = text.data();
    const char* end = p + text.size();
    while ((p = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p))))) {
      open = !open;
      ++p;
    }
    return open;
  }
  // Decodes one whole entry whose "AUDIT: " starts at `marker`; false (and nothing emitted)
  // when its statement is still open at the end, so more lines belong to it.
  bool decode_entry(const Payload& payload, size_t marker, EventBatch& batch);

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
    size_t marker = record.bytes.find(kMarker);
    if (marker == std::string_view::npos) continue;  // another kind of log line
    if (!decode_entry(payload, marker, batch)) {
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
  held_open_ = quote_open(record.bytes, held_open_);
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
  if (held_view_.empty()) entry = batch.arena.copy(held_);
  drop_held();
  Payload whole{entry, entry.size(), held_position_, held_default_ts_};
  if (!decode_entry(whole, entry.find(kMarker), batch)) {
    // Quotes balanced but the CSV says open: malformed; never hold an entry twice.
    ctx_.dead_letter(batch, whole, {DecodeError::kInvalidValue, "AUDIT"});
  }
}

bool PgauditDecoder::decode_entry(const Payload& payload, size_t marker, EventBatch& batch) {
  std::string_view line = payload.bytes;
  Entry entry;
  Csv csv = split_csv(line.substr(marker + kMarker.size()), batch.arena, &entry);
  if (csv == Csv::kOpenQuote) return false;
  // Text lines are not validated by a JSON parser: events carry only UTF-8 onwards.
  if (!simdjson::validate_utf8(line.data(), line.size())) {
    ctx_.dead_letter(batch, payload, {DecodeError::kInvalidUtf8, ""});
    return true;
  }
  // "<prefix><LEVEL>:  AUDIT: ": the level is the word before the last ':' ahead of the marker.
  size_t level_end = line.rfind(':', marker);
  size_t level_start = level_end == std::string_view::npos ? 0 : level_end;
  while (level_start > 0 && line[level_start - 1] >= 'A' && line[level_start - 1] <= 'Z') {
    --level_start;
  }
  std::string_view prefix_text = line.substr(0, level_start);
  Prefix prefix;
  std::string_view pattern = ctx_.mapping() != nullptr ? ctx_.mapping()->log_line_prefix() : "";
  if (!pattern.empty() && !match_prefix(pattern, prefix_text, &prefix)) {
    ctx_.dead_letter(batch, payload, {DecodeError::kInvalidValue, "log_line_prefix"});
    return true;
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
    if (!parse_log_time(prefix.time, &event.ts_us)) {
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
