// OutputTemplate: a rule's `output`, such as
//   "{actor.id} used {credential.id} after its revocation at {credential.revoked_at}",
// compiled once into literal and field segments and rendered per alert into a caller-owned
// string. `{{` and `}}` stand for literal braces. Times render as RFC 3339, durations as
// "1h30m", bools as true/false, absent fields as "-".
//
// Thread-safety: a compiled template is immutable; render() writes only to its `out`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/result.h"
#include "rules/field.h"
#include "rules/text_problem.h"

namespace aw::rules {

// Appends one field's value as a template renders it.
void append_field_value(FieldType type, const FieldValue& value, std::string* out);

class OutputTemplate {
 public:
  // Fails on unknown fields and unbalanced braces, every problem as "column N: reason".
  [[nodiscard]] static Result<OutputTemplate> compile(std::string_view text);
  // A template without fields that renders `text` as is.
  static OutputTemplate literal(std::string_view text);

  OutputTemplate() = default;

  // Appends the rendering to *out. `resolver.get(FieldId)` returns rules::FieldValue. Allocates
  // only when *out must grow: reuse one string across alerts.
  template <typename Resolver>
  void render(Resolver& resolver, std::string* out) const;

  const std::string& text() const { return text_; }
  // The fields the template names, in order of appearance (repeats included).
  std::vector<FieldId> fields() const;

 private:
  friend struct TemplateCompiler;
  struct Segment {
    uint32_t offset = 0;  // kLiteral: the text in literals_
    uint32_t length = 0;
    FieldId field = FieldId::kCount;  // kCount: a literal
    FieldType type = FieldType::kString;
  };

  std::string text_;
  std::string literals_;
  std::vector<Segment> segments_;
};

template <typename Resolver>
void OutputTemplate::render(Resolver& resolver, std::string* out) const {
  for (const Segment& segment : segments_) {
    if (segment.field == FieldId::kCount) {
      out->append(literals_, segment.offset, segment.length);
    } else {
      append_field_value(segment.type, resolver.get(segment.field), out);
    }
  }
}

namespace detail {
// compile() with its problems as offsets, for the rule loader.
std::optional<OutputTemplate> compile_template(std::string_view text,
                                               std::vector<TextProblem>* problems);
}  // namespace detail

}  // namespace aw::rules
