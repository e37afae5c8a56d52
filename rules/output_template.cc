#include "rules/output_template.h"

#include <charconv>

#include "ingest/timestamp.h"
#include "rules/duration.h"
#include "rules/suggest.h"

namespace aw::rules {

void append_field_value(FieldType type, const FieldValue& value, std::string* out) {
  switch (value.kind) {
    case FieldValue::Kind::kAbsent:
      out->push_back('-');
      return;
    case FieldValue::Kind::kString:
      out->append(value.string);
      return;
    case FieldValue::Kind::kBool:
      out->append(value.boolean ? "true" : "false");
      return;
    case FieldValue::Kind::kInt:
      break;
  }
  char buffer[64];
  size_t length = 0;
  if (type == FieldType::kTime) {
    length = ingest::format_rfc3339(value.integer, buffer);
  } else if (type == FieldType::kDuration) {
    length = format_duration(value.integer, buffer);
  } else {
    length = static_cast<size_t>(std::to_chars(buffer, buffer + sizeof(buffer), value.integer).ptr -
                                 buffer);
  }
  out->append(buffer, length);
}

// Longer templates are refused: an alert summary is one line.
inline constexpr size_t kMaxTemplateBytes = 4096;

struct TemplateCompiler {
  static std::optional<OutputTemplate> compile(std::string_view text,
                                               std::vector<detail::TextProblem>* problems) {
    const size_t problems_before = problems->size();
    if (text.size() > kMaxTemplateBytes) {
      problems->push_back(
          {0, "the output is longer than " + std::to_string(kMaxTemplateBytes) + " bytes", {}});
      return std::nullopt;
    }
    OutputTemplate result;
    result.text_ = std::string(text);
    auto flush_literal = [&](std::string& literal) {
      if (literal.empty()) return;
      OutputTemplate::Segment segment;
      segment.offset = static_cast<uint32_t>(result.literals_.size());
      segment.length = static_cast<uint32_t>(literal.size());
      result.literals_ += literal;
      result.segments_.push_back(segment);
      literal.clear();
    };
    std::string literal;
    size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '}') {
        if (i + 1 < text.size() && text[i + 1] == '}') {
          literal += '}';
          i += 2;
          continue;
        }
        problems->push_back({i, "unmatched `}`", "write `}}` for a literal brace"});
        ++i;
        continue;
      }
      if (c != '{') {
        literal += c;
        ++i;
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '{') {
        literal += '{';
        i += 2;
        continue;
      }
      const size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        problems->push_back({i, "unclosed `{`", "write `{{` for a literal brace"});
        break;
      }
      std::string_view name = text.substr(i + 1, close - i - 1);
      size_t name_offset = i + 1;
      while (!name.empty() && name.front() == ' ') {
        name.remove_prefix(1);
        ++name_offset;
      }
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      std::optional<FieldId> field = find_field(name);
      if (!field) {
        problems->push_back({name_offset, "unknown field `" + std::string(name) + "`",
                             detail::did_you_mean(detail::nearest_field(name))});
      } else {
        flush_literal(literal);
        OutputTemplate::Segment segment;
        segment.field = *field;
        segment.type = field_info(*field).type;
        result.segments_.push_back(segment);
      }
      i = close + 1;
    }
    flush_literal(literal);
    if (problems->size() > problems_before) return std::nullopt;
    return result;
  }
};

namespace detail {

std::optional<OutputTemplate> compile_template(std::string_view text,
                                               std::vector<TextProblem>* problems) {
  return TemplateCompiler::compile(text, problems);
}

}  // namespace detail

Result<OutputTemplate> OutputTemplate::compile(std::string_view text) {
  std::vector<detail::TextProblem> problems;
  std::optional<OutputTemplate> compiled = TemplateCompiler::compile(text, &problems);
  if (compiled) return std::move(*compiled);
  return Status::invalid_argument(detail::format_text_problems(problems));
}

OutputTemplate OutputTemplate::literal(std::string_view text) {
  OutputTemplate result;
  result.text_ = std::string(text);
  result.literals_ = std::string(text);
  if (!text.empty()) {
    result.segments_.push_back(
        Segment{0, static_cast<uint32_t>(text.size()), FieldId::kCount, FieldType::kString});
  }
  return result;
}

std::vector<FieldId> OutputTemplate::fields() const {
  std::vector<FieldId> fields;
  for (const Segment& segment : segments_) {
    if (segment.field != FieldId::kCount) fields.push_back(segment.field);
  }
  return fields;
}

}  // namespace aw::rules
