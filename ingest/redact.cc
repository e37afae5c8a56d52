#include "ingest/redact.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "ingest/json_writer.h"

namespace aw::ingest {
namespace {

// Which detectors may start at a byte. Every other byte costs one table load: that is the cheap
// pre-check, so text without secrets is never looked at twice.
enum Trigger : uint8_t {
  kNoTrigger = 0,
  kUpperA,   // AWS access key id, Google API key
  kLowerG,   // GitHub token
  kLowerX,   // Slack token
  kLowerS,   // sk-... keys
  kLowerE,   // JWT
  kDash,     // PEM block, --flag value
  kLetterB,  // Bearer / Basic
  kColon,    // scheme://user:pass@, key: value
  kEquals,   // key=value
  kQuote,    // KEY 'value'
};

constexpr std::array<uint8_t, 256> make_triggers() {
  std::array<uint8_t, 256> t{};
  t['A'] = kUpperA;
  t['g'] = kLowerG;
  t['x'] = kLowerX;
  t['s'] = kLowerS;
  t['e'] = kLowerE;
  t['-'] = kDash;
  t['B'] = kLetterB;
  t['b'] = kLetterB;
  t[':'] = kColon;
  t['='] = kEquals;
  t['\''] = kQuote;
  t['"'] = kQuote;
  return t;
}
constexpr std::array<uint8_t, 256> kTriggers = make_triggers();

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || is_lower(c); }
bool is_upper_alnum(char c) { return is_digit(c) || is_upper(c); }
bool is_b64url(char c) { return is_alnum(c) || c == '-' || c == '_'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return is_blank(c) || c == '\n' || c == '\r'; }
bool is_key_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 7235 token68, the alphabet of Bearer and Basic credentials (its trailing '=' too).
bool is_token68(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
         c == '=';
}

// A word starts here: the previous byte is not a letter or digit.
bool starts_word(std::string_view t, size_t i) { return i == 0 || !is_alnum(t[i - 1]); }

bool has_at(std::string_view t, size_t i, std::string_view literal) {
  return i <= t.size() && t.substr(i).starts_with(literal);
}

bool has_at_ci(std::string_view t, size_t i, std::string_view lower_literal) {
  if (i + lower_literal.size() > t.size()) return false;
  for (size_t k = 0; k < lower_literal.size(); ++k) {
    if (to_lower(t[i + k]) != lower_literal[k]) return false;
  }
  return true;
}

template <typename Pred>
size_t run_end(std::string_view t, size_t i, Pred pred) {
  while (i < t.size() && pred(t[i])) ++i;
  return i;
}

bool found(SecretMatch* m, size_t begin, size_t end, std::string_view kind) {
  m->begin = begin;
  m->end = end;
  m->kind = kind;
  return true;
}

// ---- the kind of a key that names a secret ----

struct SecretName {
  std::string_view word;  // lowercase, words joined by '_'
  std::string_view kind;
  bool needs_boundary;  // must start the key or follow '_' ("token", not "nexttoken")
};

// Longer names first: "secret_access_key" must win over "access_key".
constexpr SecretName kSecretNames[] = {
    {"secret_access_key", "aws-secret-access-key", true},
    {"client_secret", "secret", true},
    {"secret_key", "secret", true},
    {"private_key", "private-key", true},
    {"access_key", "access-key", true},
    {"passphrase", "password", false},
    {"accesstoken", "token", false},
    {"authtoken", "token", false},
    {"password", "password", false},
    {"api_key", "api-key", true},
    {"passwd", "password", false},
    {"secret", "secret", false},
    {"apikey", "api-key", false},
    {"token", "token", true},
    {"pwd", "password", true},
};

// Lowercases `key` into words joined by '_' ("X-Api-Key" and "apiKey" both become "..api_key")
// in a stack buffer, then matches its last word(s). Keys longer than the buffer are judged by
// their end, which is where the name sits.
std::string_view secret_kind(std::string_view key) {
  constexpr size_t kMax = 96;
  if (key.size() > kMax / 2) key = key.substr(key.size() - kMax / 2);
  char buffer[kMax];
  size_t n = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c == '-' || c == '.' || c == ' ') c = '_';
    if (is_upper(c) && i > 0) {
      char prev = key[i - 1];
      bool next_lower = i + 1 < key.size() && is_lower(key[i + 1]);
      // camelCase and the end of an acronym (APIKey) start a new word.
      if (is_lower(prev) || is_digit(prev) || (is_upper(prev) && next_lower)) buffer[n++] = '_';
    }
    buffer[n++] = to_lower(c);
  }
  std::string_view normalized(buffer, n);
  for (const SecretName& name : kSecretNames) {
    if (!normalized.ends_with(name.word)) continue;
    size_t at = n - name.word.size();
    if (name.needs_boundary && at != 0 && normalized[at - 1] != '_') continue;
    return name.kind;
  }
  return {};
}

// ---- detectors; each gets the trigger position and returns a match that starts at or after it

constexpr std::string_view kAwsPrefixes[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA",
                                             "ANPA", "ANVA", "ABIA", "ACCA", "APKA"};

bool aws_access_key(std::string_view t, size_t i, SecretMatch* m) {
  if (i + 20 > t.size()) return false;
  bool prefix = t[i + 1] == '3' && t[i + 2] == 'T' && is_upper_alnum(t[i + 3]);
  for (std::string_view p : kAwsPrefixes) prefix = prefix || t.substr(i, 4) == p;
  if (!prefix) return false;
  for (size_t k = i + 4; k < i + 20; ++k) {
    if (!is_upper_alnum(t[k])) return false;
  }
  if (i + 20 < t.size() && is_alnum(t[i + 20])) return false;
  return found(m, i, i + 20, "aws-access-key-id");
}

bool google_api_key(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "AIza")) return false;
  size_t end = run_end(t, i + 4, is_b64url);
  if (end - i != 39) return false;
  return found(m, i, end, "google-api-key");
}

bool github_token(std::string_view t, size_t i, SecretMatch* m) {
  if (has_at(t, i, "github_pat_")) {
    size_t end = run_end(t, i + 11, [](char c) { return is_alnum(c) || c == '_'; });
    return end - (i + 11) >= 22 && found(m, i, end, "github-token");
  }
  if (i + 4 > t.size() || t[i + 1] != 'h' || t[i + 3] != '_') return false;
  char kind = t[i + 2];
  if (kind != 'p' && kind != 'o' && kind != 'u' && kind != 's' && kind != 'r') return false;
  size_t end = run_end(t, i + 4, is_alnum);
  return end - (i + 4) >= 30 && found(m, i, end, "github-token");
}

bool slack_token(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "xox") || i + 5 > t.size() || t[i + 4] != '-') return false;
  char kind = t[i + 3];
  if (kind != 'a' && kind != 'b' && kind != 'p' && kind != 'r' && kind != 's') return false;
  size_t end = run_end(t, i + 5, [](char c) { return is_alnum(c) || c == '-'; });
  return end - (i + 5) >= 10 && found(m, i, end, "slack-token");
}

// sk-... (OpenAI, including sk-proj-), sk-ant-... (Anthropic). Real keys mix digits and both
// cases; requiring all three keeps names like "sk-learn-pipeline-config" readable.
bool sk_key(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "sk-")) return false;
  size_t end = run_end(t, i + 3, is_b64url);
  if (end - (i + 3) < 20) return false;
  bool digit = false, upper = false, lower = false;
  for (size_t k = i + 3; k < end; ++k) {
    digit = digit || is_digit(t[k]);
    upper = upper || is_upper(t[k]);
    lower = lower || is_lower(t[k]);
  }
  if (!(digit && upper && lower)) return false;
  return found(m, i, end, has_at(t, i, "sk-ant-") ? "anthropic-key" : "openai-key");
}

// header.payload.signature, both JSON objects in base64url ("eyJ" is '{"'); the signature may
// be empty (alg none).
bool jwt(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "eyJ")) return false;
  size_t dot = run_end(t, i + 3, is_b64url);
  if (dot - i < 10 || dot >= t.size() || t[dot] != '.' || !has_at(t, dot + 1, "eyJ")) {
    return false;
  }
  size_t dot2 = run_end(t, dot + 4, is_b64url);
  if (dot2 - (dot + 1) < 10 || dot2 >= t.size() || t[dot2] != '.') return false;
  return found(m, i, run_end(t, dot2 + 1, is_b64url), "jwt");
}

// -----BEGIN ... PRIVATE KEY----- through its END line; a block cut short runs to the end.
bool pem_private_key(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "-----BEGIN ")) return false;
  size_t label = i + 11;
  size_t close = t.find("-----", label);
  if (close == std::string_view::npos || close - label > 64) return false;
  std::string_view name = t.substr(label, close - label);
  if (!name.ends_with("PRIVATE KEY") || name.find('\n') != std::string_view::npos) return false;
  size_t end_line = t.find("-----END ", close + 5);
  if (end_line == std::string_view::npos) return found(m, i, t.size(), "private-key");
  size_t end_close = t.find("-----", end_line + 9);
  size_t end = end_close == std::string_view::npos ? t.size() : end_close + 5;
  return found(m, i, end, "private-key");
}

bool unquoted_value_char(char c) {
  return !is_space(c) && c != ',' && c != ';' && c != '&' && c != ')' && c != '}' && c != ']' &&
         c != '"' && c != '\'' && c != '<' && c != '>' && c != '|';
}

// The value after a separator: quoted (to the closing quote, or the end of the line when it is
// cut short) or one word. Empty values, literals and earlier redactions are not secrets.
bool read_value(std::string_view t, size_t v, size_t* begin, size_t* end) {
  if (v >= t.size()) return false;
  if (t[v] == '"' || t[v] == '\'') {
    size_t b = v + 1;
    size_t e = b;
    while (e < t.size() && t[e] != t[v] && t[e] != '\n') ++e;
    if (e == b) return false;
    *begin = b;
    *end = e;
    return true;
  }
  size_t e = run_end(t, v, unquoted_value_char);
  if (e == v || t[v] == '[' || t[v] == '{') return false;
  std::string_view value = t.substr(v, e - v);
  for (std::string_view literal : {"null", "true", "false", "none", "nil"}) {
    if (value.size() == literal.size() && has_at_ci(t, v, literal)) return false;
  }
  // "token: Bearer abc": the credential is the word after the scheme.
  if ((value.size() == 6 && has_at_ci(t, v, "bearer")) ||
      (value.size() == 5 && has_at_ci(t, v, "basic"))) {
    size_t next = run_end(t, e, is_blank);
    if (next > e) e = run_end(t, next, unquoted_value_char);
  }
  *begin = v;
  *end = e;
  return true;
}

// key=value, key => value, key: value (the key quoted, or a blank after the colon, so that
// "secret:prod/db" as a resource name stays readable), "key": "value".
bool key_value(std::string_view t, size_t i, SecretMatch* m) {
  size_t sep_end = i + 1;
  if (t[i] == '=') {
    if (i > 0 && (t[i - 1] == '=' || t[i - 1] == '!' || t[i - 1] == '<' || t[i - 1] == '>')) {
      return false;
    }
    if (sep_end < t.size() && t[sep_end] == '=') return false;  // a comparison, not a value
    if (sep_end < t.size() && t[sep_end] == '>') ++sep_end;
  } else if ((sep_end < t.size() && t[sep_end] == ':') || (i > 0 && t[i - 1] == ':')) {
    return false;  // C++ scope, IPv6
  }
  size_t j = i;
  while (j > 0 && is_blank(t[j - 1])) --j;
  bool quoted_key = j > 0 && (t[j - 1] == '"' || t[j - 1] == '\'');
  if (quoted_key) --j;
  size_t key_end = j;
  while (j > 0 && key_end - j < 64 && is_key_char(t[j - 1])) --j;
  if (j == key_end) return false;
  if (t[i] == ':' && !quoted_key && !(sep_end < t.size() && is_blank(t[sep_end]))) return false;
  std::string_view kind = secret_kind(t.substr(j, key_end - j));
  if (kind.empty()) return false;
  size_t begin = 0, end = 0;
  if (!read_value(t, run_end(t, sep_end, is_blank), &begin, &end)) return false;
  if (has_at(t, begin, "[REDACTED")) return false;
  return found(m, begin, end, kind);
}

// PASSWORD 'hunter2' (SQL), token "abc": a secret name, blanks, then a quoted value.
bool key_quoted_value(std::string_view t, size_t i, SecretMatch* m) {
  size_t j = i;
  while (j > 0 && is_blank(t[j - 1])) --j;
  if (j == i) return false;
  size_t key_end = j;
  while (j > 0 && key_end - j < 64 && is_key_char(t[j - 1])) --j;
  if (j == key_end) return false;
  std::string_view kind = secret_kind(t.substr(j, key_end - j));
  if (kind.empty()) return false;
  size_t begin = 0, end = 0;
  if (!read_value(t, i, &begin, &end) || has_at(t, begin, "[REDACTED")) return false;
  return found(m, begin, end, kind);
}

// --password value (a blank, not '=': key_value handles that).
bool flag_value(std::string_view t, size_t i, SecretMatch* m) {
  if (i + 2 >= t.size() || t[i + 1] != '-' || (i > 0 && (is_alnum(t[i - 1]) || t[i - 1] == '-'))) {
    return false;
  }
  size_t key_end = run_end(t, i + 2, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
  if (key_end == i + 2 || key_end >= t.size() || !is_blank(t[key_end])) return false;
  std::string_view kind = secret_kind(t.substr(i + 2, key_end - (i + 2)));
  if (kind.empty()) return false;
  size_t v = run_end(t, key_end, is_blank);
  size_t begin = 0, end = 0;
  if (v >= t.size() || t[v] == '-' || !read_value(t, v, &begin, &end)) return false;
  if (has_at(t, begin, "[REDACTED")) return false;
  return found(m, begin, end, kind);
}

// Bearer <token> / Basic <base64>. After an Authorization label anything goes; elsewhere the
// credential must look random (a digit, a symbol, or a capital inside), so prose such as
// "Bearer authentication" stays.
bool http_credential(std::string_view t, size_t i, SecretMatch* m) {
  bool bearer = has_at_ci(t, i, "bearer");
  if (!bearer && !has_at_ci(t, i, "basic")) return false;
  size_t scheme_end = i + (bearer ? 6 : 5);
  size_t b = run_end(t, scheme_end, is_blank);
  if (b == scheme_end) return false;
  size_t e = run_end(t, b, is_token68);
  if (e - b < 8) return false;
  bool random = false;
  for (size_t k = b; k < e && !random; ++k) {
    char c = t[k];
    random = is_digit(c) || (!is_alnum(c)) || (k > b && is_upper(c));
  }
  if (!random) {
    size_t window = i < 40 ? 0 : i - 40;
    for (size_t k = window; k < i && !random; ++k) random = has_at_ci(t, k, "authorization");
  }
  if (!random) return false;
  return found(m, b, e, bearer ? "bearer-token" : "basic-auth");
}

// scheme://user:password@host: the password goes, the user (an id) stays.
bool url_password(std::string_view t, size_t i, SecretMatch* m) {
  if (!has_at(t, i, "://") || i == 0 || !is_alnum(t[i - 1])) return false;
  size_t start = i + 3;
  size_t end = start;
  size_t at = std::string_view::npos;
  while (end < t.size()) {
    char c = t[end];
    if (c == '/' || c == '?' || c == '#' || is_space(c) || c == '"' || c == '\'' || c == '<' ||
        c == '>' || c == '\\') {
      break;
    }
    if (c == '@') at = end;  // the last '@': an unencoded '@' in a password stays inside
    ++end;
  }
  if (at == std::string_view::npos) return false;
  size_t colon = t.find(':', start);
  if (colon == std::string_view::npos || colon + 1 >= at) return false;
  if (has_at(t, colon + 1, "[REDACTED")) return false;
  return found(m, colon + 1, at, "url-password");
}

bool detect(uint8_t trigger, std::string_view t, size_t i, SecretMatch* m) {
  switch (trigger) {
    case kUpperA:
      return starts_word(t, i) && (aws_access_key(t, i, m) || google_api_key(t, i, m));
    case kLowerG:
      return starts_word(t, i) && github_token(t, i, m);
    case kLowerX:
      return starts_word(t, i) && slack_token(t, i, m);
    case kLowerS:
      return starts_word(t, i) && sk_key(t, i, m);
    case kLowerE:
      return starts_word(t, i) && jwt(t, i, m);
    case kDash:
      return pem_private_key(t, i, m) || flag_value(t, i, m);
    case kLetterB:
      return starts_word(t, i) && http_credential(t, i, m);
    case kColon:
      return url_password(t, i, m) || key_value(t, i, m);
    case kEquals:
      return key_value(t, i, m);
    case kQuote:
      return key_quoted_value(t, i, m);
    default:
      return false;
  }
}

void append_replacement(std::string_view kind, std::string* out) {
  out->append("[REDACTED:");
  out->append(kind);
  out->push_back(']');
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool hex4(std::string_view s, size_t i, uint32_t* value) {
  if (i + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    uint32_t d = is_digit(c)              ? c - '0'
                 : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                 : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                          : 16;
    if (d == 16) return false;
    v = v * 16 + d;
  }
  *value = v;
  return true;
}

// The body of a JSON string (between its quotes) decoded; bad escapes become U+FFFD, since
// the text is only searched.
void unescape(std::string_view body, std::string* out) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out->push_back(body[i]);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(body, i + 1, &cp)) {
          append_utf8(0xFFFD, out);
          break;
        }
        i += 4;
        uint32_t low = 0;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < body.size() && body[i + 1] == '\\' &&
            body[i + 2] == 'u' && hex4(body, i + 3, &low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        append_utf8(cp, out);
        break;
      }
      default:  // '"', '\\', '/'
        out->push_back(e);
        break;
    }
  }
}

// The index of the quote closing the string whose body starts at `b` (or the end).
size_t string_end(std::string_view json, size_t b) {
  size_t i = b;
  while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
  return i < json.size() ? i : json.size();
}

}  // namespace

bool find_secret(std::string_view text, size_t from, SecretMatch* match) {
  const size_t n = text.size();
  for (size_t i = from; i < n; ++i) {
    uint8_t trigger = kTriggers[static_cast<unsigned char>(text[i])];
    if (trigger != kNoTrigger && detect(trigger, text, i, match)) return true;
  }
  return false;
}

namespace {

// The next match that is not `keep`.
bool find_redactable(std::string_view text, size_t from, std::string_view keep, SecretMatch* m) {
  while (find_secret(text, from, m)) {
    if (keep.empty() || text.substr(m->begin, m->end - m->begin) != keep) return true;
    from = m->end;
  }
  return false;
}

}  // namespace

bool contains_secret(std::string_view text, std::string_view keep) {
  SecretMatch m;
  return find_redactable(text, 0, keep, &m);
}

size_t append_redacted(std::string_view text, std::string* out, std::string_view keep) {
  size_t count = 0;
  size_t last = 0;
  SecretMatch m;
  while (last < text.size() && find_redactable(text, last, keep, &m)) {
    out->append(text.substr(last, m.begin - last));
    append_replacement(m.kind, out);
    last = m.end;
    ++count;
  }
  if (last < text.size()) out->append(text.substr(last));
  return count;
}

size_t redact_in_place(std::string* text, std::string_view keep) {
  if (!contains_secret(*text, keep)) return 0;
  std::string redacted;
  redacted.reserve(text->size() + 32);
  size_t count = append_redacted(*text, &redacted, keep);
  text->swap(redacted);
  return count;
}

size_t append_redacted_json(std::string_view json, std::string* out, std::string_view keep) {
  size_t count = 0;
  size_t i = 0;
  std::string_view value_kind;  // the kind named by the key whose string value comes next
  std::string decoded;
  std::string redacted;
  while (i < json.size()) {
    size_t quote = json.find('"', i);
    if (quote == std::string_view::npos) {
      out->append(json.substr(i));
      break;
    }
    out->append(json.substr(i, quote - i));
    size_t b = quote + 1;
    size_t e = string_end(json, b);
    std::string_view body = json.substr(b, e - b);
    i = e < json.size() ? e + 1 : e;
    size_t after = run_end(json, i, is_space);
    bool is_key = after < json.size() && json[after] == ':';

    std::string_view text = body;
    bool escaped = body.find('\\') != std::string_view::npos;
    if (escaped) {
      decoded.clear();
      unescape(body, &decoded);
      text = decoded;
    }
    if (!is_key && !value_kind.empty() && !text.empty() && !text.starts_with("[REDACTED") &&
        text != keep) {
      // The whole value of a secret-named key, however it looks.
      out->push_back('"');
      append_replacement(value_kind, out);
      out->push_back('"');
      ++count;
    } else if (!contains_secret(text, keep)) {
      out->push_back('"');
      out->append(body);
      if (e < json.size()) out->push_back('"');
    } else if (!escaped) {
      // Neither the body nor a replacement holds a quote or a backslash: still valid JSON.
      out->push_back('"');
      count += append_redacted(body, out, keep);
      out->push_back('"');
    } else {
      redacted.clear();
      count += append_redacted(text, &redacted, keep);
      JsonWriter::append_escaped(*out, redacted);
    }
    value_kind = {};
    if (is_key) {
      size_t value_at = run_end(json, after + 1, is_space);
      if (value_at < json.size() && json[value_at] == '"') value_kind = secret_kind(text);
    }
  }
  return count;
}

}  // namespace aw::ingest
