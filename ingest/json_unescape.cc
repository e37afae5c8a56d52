#include "ingest/json_unescape.h"

#include "ingest/string_arena.h"

namespace aw::ingest {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(const char* p, uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = hex_value(p[i]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(h);
  }
  *out = v;
  return true;
}

char* put_utf8(char* o, uint32_t code) {
  if (code < 0x80) {
    *o++ = static_cast<char>(code);
  } else if (code < 0x800) {
    *o++ = static_cast<char>(0xC0 | (code >> 6));
    *o++ = static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *o++ = static_cast<char>(0xE0 | (code >> 12));
    *o++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *o++ = static_cast<char>(0xF0 | (code >> 18));
    *o++ = static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *o++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (code & 0x3F));
  }
  return o;
}

}  // namespace

DecodeError unescape_json_string(const char* body, StringArena& arena, std::string_view* out) {
  // Raw length first: the decoded text is never longer than its escaped form.
  size_t raw_length = 0;
  while (body[raw_length] != '"') raw_length += body[raw_length] == '\\' ? 2 : 1;
  char* start = arena.allocate(raw_length == 0 ? 1 : raw_length);
  char* o = start;
  const char* p = body;
  const char* end = body + raw_length;
  while (p < end) {
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    char c = p[1];
    p += 2;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        *o++ = c;
        break;
      case 'b':
        *o++ = '\b';
        break;
      case 'f':
        *o++ = '\f';
        break;
      case 'n':
        *o++ = '\n';
        break;
      case 'r':
        *o++ = '\r';
        break;
      case 't':
        *o++ = '\t';
        break;
      case 'u': {
        uint32_t code;
        if (p + 4 > end || !read_hex4(p, &code)) return DecodeError::kNotJson;
        p += 4;
        if (code >= 0xD800 && code <= 0xDBFF) {
          uint32_t low;
          if (p + 6 > end || p[0] != '\\' || p[1] != 'u' || !read_hex4(p + 2, &low) ||
              low < 0xDC00 || low > 0xDFFF) {
            return DecodeError::kInvalidUtf8;  // a high surrogate without its low half
          }
          p += 6;
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          return DecodeError::kInvalidUtf8;  // a lone low surrogate
        }
        o = put_utf8(o, code);
        break;
      }
      default:
        return DecodeError::kNotJson;
    }
  }
  *out = std::string_view(start, static_cast<size_t>(o - start));
  return DecodeError::kNone;
}

}  // namespace aw::ingest
