// A problem found in the text of a condition or an output template, at a byte offset, so the
// rule loader can report it at its file, line and column (rules/rule_loader.h).
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace aw::rules::detail {

struct TextProblem {
  size_t offset = 0;  // byte offset into the text
  std::string message;
  std::string hint;  // "did you mean `credential.revoked`?"; empty when none
};

// "column N: message; hint" lines, for APIs that compile a bare text.
std::string format_text_problems(std::span<const TextProblem> problems);

}  // namespace aw::rules::detail
