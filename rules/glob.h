// Glob patterns over tool names and resource names, compiled once at load.
//
//   *   any run of characters except '/'
//   **  any run of characters, '/' included
//   ?   one character except '/'
//   \c  the character c itself
// Everything else matches itself. Matching is case-sensitive and anchored at both ends.
// Patterns without wildcards compare by equality; "prefix**", "prefix*" and "*suffix" get direct
// tests; the rest run a wildmatch-style matcher that gives up early instead of backtracking
// exponentially, so hostile event text cannot make matching slow.
//
// Thread-safety: a compiled Glob is immutable; share it freely.
#pragma once

#include <string>
#include <string_view>

#include "ingest/result.h"

namespace aw::rules {

class Glob {
 public:
  // Fails on an empty pattern or a dangling backslash.
  static Result<Glob> compile(std::string_view pattern);

  bool matches(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }
  // True when the pattern has no wildcard, so it only matches `literal()`.
  bool is_literal() const { return kind_ == Kind::kLiteral; }
  const std::string& literal() const { return literal_; }

 private:
  enum class Kind { kLiteral, kPrefix, kAnything, kPrefixStar, kStarSuffix, kGeneral };
  Glob() = default;

  std::string pattern_;
  std::string
      literal_;  // kLiteral: the text; kPrefix, kPrefixStar: the prefix; kStarSuffix: the suffix
  Kind kind_ = Kind::kGeneral;
};

}  // namespace aw::rules
