#include "ingest/json_writer.h"

#include <charconv>

#include "ingest/timestamp.h"

namespace aw::ingest {

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int length;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (end - p < length) return false;
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      code = (code << 6) | (p[i] & 0x3F);
    }
    if ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    p += length;
  }
  return true;
}

void JsonWriter::append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Copy a valid UTF-8 sequence as is, replace an invalid byte with U+FFFD.
      size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (length != 0 && i + length <= text.size() && is_valid_utf8(text.substr(i, length))) {
        out.append(text.data() + i, length);
        i += length;
      } else {
        out.append("\xEF\xBF\xBD");
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void JsonWriter::append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

void JsonWriter::separator() {
  if (!first_) out_.push_back(',');
  first_ = false;
}

JsonWriter& JsonWriter::begin_object() {
  out_.push_back('{');
  first_ = true;
  return *this;
}
JsonWriter& JsonWriter::begin_object_element() {
  separator();
  return begin_object();
}
JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_ = false;
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view name) {
  separator();
  append_escaped(out_, name);
  out_.push_back(':');
  return *this;
}
JsonWriter& JsonWriter::begin_array(std::string_view name) {
  key(name);
  out_.push_back('[');
  first_ = true;
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_ = false;
  return *this;
}
JsonWriter& JsonWriter::element(std::string_view value) {
  separator();
  append_escaped(out_, value);
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view name, std::string_view value) {
  key(name);
  append_escaped(out_, value);
  return *this;
}
JsonWriter& JsonWriter::number(std::string_view name, int64_t value) {
  key(name);
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_.append(buffer, result.ptr);
  return *this;
}
JsonWriter& JsonWriter::unsigned_number(std::string_view name, uint64_t value) {
  key(name);
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_.append(buffer, result.ptr);
  return *this;
}
JsonWriter& JsonWriter::boolean(std::string_view name, bool value) {
  key(name);
  out_.append(value ? "true" : "false");
  return *this;
}
JsonWriter& JsonWriter::time(std::string_view name, int64_t us) {
  key(name);
  char buffer[kRfc3339Length];
  out_.push_back('"');
  out_.append(buffer, format_rfc3339(us, buffer));
  out_.push_back('"');
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view name, std::string_view json) {
  key(name);
  out_.append(json);
  return *this;
}
JsonWriter& JsonWriter::base64(std::string_view name, std::string_view bytes) {
  key(name);
  append_base64(out_, bytes);
  return *this;
}

}  // namespace aw::ingest
