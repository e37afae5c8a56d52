// The RE2 behind `matches "regex"` (see rules/program.h). Internal to aw_rules: only its .cc files
// include this header, so RE2 stays out of every public header.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

namespace aw::rules::detail {

struct Regex {
  explicit Regex(std::string_view pattern, const RE2::Options& options)
      : re2(re2::StringPiece(pattern.data(), pattern.size()), options) {}
  RE2 re2;
};

// Compiles `pattern` for unanchored search. RE2 never logs (libraries do not print); a bad
// pattern yields nullptr and RE2's reason in *error.
std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string* error);

}  // namespace aw::rules::detail
