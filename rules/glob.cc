#include "rules/glob.h"

#include <algorithm>

namespace aw::rules {
namespace {

enum MatchResult { kMatch, kNoMatch, kAbortAll, kAbortToDoubleStar };

// After git's wildmatch: a failed '*' (which cannot cross '/') tells the caller to stop trying
// longer spans unless an enclosing '**' can, which keeps matching polynomial.
MatchResult match_from(std::string_view pattern, size_t p, std::string_view text, size_t t) {
  for (; p < pattern.size(); ++p, ++t) {
    char c = pattern[p];
    if (c == '*') {
      bool double_star = p + 1 < pattern.size() && pattern[p + 1] == '*';
      while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
      if (p + 1 == pattern.size()) {
        // Trailing star: '**' takes the rest; '*' only when no '/' remains.
        if (double_star) return kMatch;
        return text.find('/', t) == std::string_view::npos ? kMatch : kAbortToDoubleStar;
      }
      for (;; ++t) {
        MatchResult r = match_from(pattern, p + 1, text, t);
        if (r == kMatch || r == kAbortAll) return r;
        if (!double_star && r == kAbortToDoubleStar) return r;
        if (t >= text.size()) return kAbortAll;
        if (!double_star && text[t] == '/') return kAbortToDoubleStar;
      }
    }
    if (t >= text.size()) return kAbortAll;
    if (c == '?') {
      if (text[t] == '/') return kNoMatch;
      continue;
    }
    if (c == '\\') ++p;  // compile() guarantees a character follows
    if (pattern[p] != text[t]) return kNoMatch;
  }
  return t == text.size() ? kMatch : kNoMatch;
}

}  // namespace

Result<Glob> Glob::compile(std::string_view pattern) {
  if (pattern.empty()) return Status::invalid_argument("empty glob pattern");
  Glob glob;
  glob.pattern_ = std::string(pattern);
  std::string literal;
  bool wildcard = false;
  size_t first_wildcard = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        return Status::invalid_argument("glob '" + std::string(pattern) +
                                        "' ends with a lone backslash");
      }
      if (!wildcard) literal.push_back(pattern[i + 1]);
      ++i;
      continue;
    }
    if (c == '*' || c == '?') {
      if (!wildcard) first_wildcard = i;
      wildcard = true;
      continue;
    }
    if (!wildcard) literal.push_back(c);
  }
  // Common shapes get a direct test: "sql.*" (prefix, one star), "*.delete" (star, suffix).
  const bool escapes = pattern.find('\\') != std::string_view::npos;
  const size_t stars = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '*'));
  const bool no_question = pattern.find('?') == std::string_view::npos;
  if (!wildcard) {
    glob.kind_ = Kind::kLiteral;
  } else if (pattern.substr(first_wildcard) == "**") {
    glob.kind_ = first_wildcard == 0 ? Kind::kAnything : Kind::kPrefix;
  } else if (!escapes && no_question && stars == 1 && pattern.back() == '*') {
    glob.kind_ = Kind::kPrefixStar;  // literal holds the prefix
  } else if (!escapes && no_question && stars == 1 && pattern.front() == '*') {
    glob.kind_ = Kind::kStarSuffix;
    literal = std::string(pattern.substr(1));
  } else {
    glob.kind_ = Kind::kGeneral;
  }
  glob.literal_ = std::move(literal);
  return glob;
}

bool Glob::matches(std::string_view text) const {
  switch (kind_) {
    case Kind::kLiteral:
      return text == literal_;
    case Kind::kPrefix:
      return text.size() >= literal_.size() && text.compare(0, literal_.size(), literal_) == 0;
    case Kind::kAnything:
      return true;
    case Kind::kPrefixStar:
      return text.size() >= literal_.size() && text.compare(0, literal_.size(), literal_) == 0 &&
             text.find('/', literal_.size()) == std::string_view::npos;
    case Kind::kStarSuffix:
      return text.size() >= literal_.size() &&
             text.compare(text.size() - literal_.size(), literal_.size(), literal_) == 0 &&
             text.substr(0, text.size() - literal_.size()).find('/') == std::string_view::npos;
    case Kind::kGeneral:
      return match_from(pattern_, 0, text, 0) == kMatch;
  }
  return false;
}

}  // namespace aw::rules
