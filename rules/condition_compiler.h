// The condition compiler behind Program::compile, with its problems as byte offsets into the
// condition so the rule loader can report them at file, line and column.
//
// One pass: a recursive-descent parser that type-checks each test against rules/field.h and
// emits instructions as it goes, back-patching the short-circuit jumps of `and`/`or`. Syntax
// errors stop the parse (what follows would only repeat them); type errors, unknown fields and
// bad constants are collected and parsing goes on, so one condition reports all of them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/program.h"
#include "rules/text_problem.h"

namespace aw::rules::detail {

// Longer conditions are refused: they would be unreadable, and the limit keeps every index of a
// program within 16 bits.
inline constexpr size_t kMaxConditionBytes = 16384;
// Deeper parentheses are refused, so hostile rule files cannot overflow the parser's stack.
inline constexpr int kMaxConditionNesting = 32;

// Returns the program, or nullopt with at least one problem appended to *problems.
std::optional<Program> compile_condition(std::string_view text, std::vector<TextProblem>* problems);

}  // namespace aw::rules::detail
