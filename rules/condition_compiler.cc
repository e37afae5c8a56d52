#include "rules/condition_compiler.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

#include "ingest/event.h"
#include "ingest/timestamp.h"
#include "rules/duration.h"
#include "rules/regex.h"
#include "rules/suggest.h"

namespace aw::rules {
namespace detail {
namespace {

enum class TokenKind : uint8_t {
  kEnd,
  kName,  // a field name or a keyword
  kString,
  kInt,
  kDuration,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kError,  // the lexer has reported the problem
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string_view text;  // as written
  std::string string;     // kString: the unescaped value
  int64_t integer = 0;    // kInt; kDuration in µs
};

bool is_comparison(TokenKind kind) { return kind >= TokenKind::kEq && kind <= TokenKind::kGe; }
bool is_ordering(TokenKind kind) { return kind >= TokenKind::kLt && kind <= TokenKind::kGe; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The values of enumerated string fields: a typo there would make a test silently never match.
// They follow ingest/event.h's spellings, with "unknown" for a value the record did not give.
constexpr std::array<std::string_view, 10> kActionClassValues = {
    "read",    "write", "delete",   "admin", "escalate",
    "publish", "sign",  "snapshot", "exec",  "unknown"};
constexpr std::array<std::string_view, 4> kOutcomeValues = {"success", "failure", "denied",
                                                            "unknown"};
constexpr std::array<std::string_view, 5> kActorTypeValues = {"agent", "service", "human", "bot",
                                                              "unknown"};

std::span<const std::string_view> enumeration_of(FieldId field) {
  switch (field) {
    case FieldId::kActionClass:
      return kActionClassValues;
    case FieldId::kOutcome:
      return kOutcomeValues;
    case FieldId::kActorType:
      return kActorTypeValues;
    default:
      return {};
  }
}

std::string join(std::span<const std::string_view> values) {
  std::string out;
  for (std::string_view value : values) out += (out.empty() ? "" : ", ") + std::string(value);
  return out;
}

std::string_view type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kBool:
      return "bool";
    case FieldType::kInt:
      return "int";
    case FieldType::kTime:
      return "time";
    case FieldType::kDuration:
      return "duration";
  }
  return "?";
}

uint16_t class_bit_of(std::string_view value) {
  if (value == "unknown") return class_bit(ingest::ActionClass::kUnset);
  ingest::ActionClass action_class;
  if (!ingest::parse_action_class(value, &action_class)) return 0;
  return class_bit(action_class);
}

}  // namespace

class ConditionCompiler {
 public:
  ConditionCompiler(std::string_view text, std::vector<TextProblem>* problems)
      : text_(text), problems_(problems) {}

  std::optional<Program> compile() {
    const size_t problems_before = problems_->size();
    if (text_.size() > kMaxConditionBytes) {
      problem(0, "the condition is longer than " + std::to_string(kMaxConditionBytes) + " bytes");
      return std::nullopt;
    }
    advance();
    if (current_.kind == TokenKind::kEnd) {
      problem(0, "the condition is empty");
      return std::nullopt;
    }
    Shape shape = parse_or();
    if (!stopped_ && current_.kind != TokenKind::kEnd) {
      syntax_error(current_.kind == TokenKind::kRParen
                       ? "unmatched `)`"
                       : "unexpected " + describe(current_) +
                             ": expected `and`, `or` or the end of the condition");
    }
    if (!stopped_ && program_.code_.size() >= UINT16_MAX) {
      problem(0, "the condition compiles to too many instructions");
    }
    if (problems_->size() > problems_before) return std::nullopt;
    if (shape.mask == 0) {
      problem(0, "the condition can never be true: its `action.class` tests exclude every class");
      return std::nullopt;
    }
    thread_jumps();
    program_.text_ = std::string(text_);
    program_.class_mask_ = shape.mask;
    return std::move(program_);
  }

 private:
  using Op = Program::Op;

  // What the compiler knows about an expression's action classes: it can only be true for an
  // event whose class is in `mask`; when `exact`, it is true exactly for those classes.
  struct Shape {
    uint16_t mask = kAllClasses;
    bool exact = false;
  };

  struct Constant {
    TokenKind kind = TokenKind::kEnd;  // kString, kInt, kDuration, or kName for true/false
    size_t offset = 0;
    std::string string;
    int64_t integer = 0;
    bool boolean = false;
  };

  // ---- lexer ----

  void advance() { current_ = lex(); }

  Token lex() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    Token token;
    token.offset = pos_;
    if (pos_ >= text_.size()) return token;
    const char c = text_[pos_];
    auto single = [&](TokenKind kind, size_t length) {
      token.kind = kind;
      token.text = text_.substr(pos_, length);
      pos_ += length;
      return token;
    };
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    if (is_alpha(c)) {
      size_t end = pos_;
      while (end < text_.size() &&
             (is_alpha(text_[end]) || is_digit(text_[end]) || text_[end] == '.')) {
        ++end;
      }
      return single(TokenKind::kName, end - pos_);
    }
    if (is_digit(c) || (c == '-' && is_digit(next))) return lex_number(token);
    if (c == '"' || c == '\'') return lex_string(token);
    switch (c) {
      case '(':
        return single(TokenKind::kLParen, 1);
      case ')':
        return single(TokenKind::kRParen, 1);
      case '[':
        return single(TokenKind::kLBracket, 1);
      case ']':
        return single(TokenKind::kRBracket, 1);
      case ',':
        return single(TokenKind::kComma, 1);
      case '=':
        if (next == '=') return single(TokenKind::kEq, 2);
        return lex_error(token, "`=` is not an operator", did_you_mean("=="));
      case '!':
        if (next == '=') return single(TokenKind::kNe, 2);
        return lex_error(token, "`!` is not an operator", did_you_mean("not"));
      case '<':
        return next == '=' ? single(TokenKind::kLe, 2) : single(TokenKind::kLt, 1);
      case '>':
        return next == '=' ? single(TokenKind::kGe, 2) : single(TokenKind::kGt, 1);
      case '&':
        return lex_error(token, "`&` is not an operator", did_you_mean("and"));
      case '|':
        return lex_error(token, "`|` is not an operator", did_you_mean("or"));
      default:
        break;
    }
    std::string shown;
    if (c >= 0x20 && c < 0x7f) {
      shown = std::string(1, c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(c);
      shown = std::string("\\x") + kHex[byte >> 4] + kHex[byte & 15];
    }
    return lex_error(token, "unexpected character `" + shown + "`");
  }

  Token lex_number(Token& token) {
    size_t end = pos_;
    if (text_[end] == '-') ++end;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    size_t digits_end = end;
    // Letters glued to the digits make a duration: 60s, 1h30m, 250ms.
    while (end < text_.size() && (is_alpha(text_[end]) || is_digit(text_[end]))) ++end;
    token.text = text_.substr(pos_, end - pos_);
    pos_ = end;
    if (end > digits_end) {
      if (token.text[0] == '-') {
        return lex_error(token, "a duration cannot be negative");
      }
      if (!parse_duration(token.text, &token.integer)) {
        return lex_error(token, "`" + std::string(token.text) +
                                    "` is not a duration (an integer and a unit: us, ms, s, m, "
                                    "h, d; e.g. 60s, 1h30m)");
      }
      token.kind = TokenKind::kDuration;
      return token;
    }
    auto [ptr, error] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), token.integer);
    if (error != std::errc() || ptr != token.text.data() + token.text.size()) {
      return lex_error(token, "integer `" + std::string(token.text) + "` is out of range");
    }
    token.kind = TokenKind::kInt;
    return token;
  }

  Token lex_string(Token& token) {
    const char quote = text_[pos_];
    size_t i = pos_ + 1;
    std::string value;
    while (i < text_.size() && text_[i] != quote) {
      char c = text_[i];
      if (c == '\\' && i + 1 < text_.size()) {
        char escaped = text_[i + 1];
        if (escaped == quote || escaped == '\\') {
          value += escaped;
        } else if (escaped == 'n') {
          value += '\n';
        } else if (escaped == 't') {
          value += '\t';
        } else {
          // Other escapes keep their backslash, so regexes and globs read as written: "\.".
          value += c;
          value += escaped;
        }
        i += 2;
        continue;
      }
      value += c;
      ++i;
    }
    if (i >= text_.size()) {
      pos_ = text_.size();
      return lex_error(token, std::string("unterminated string: no closing ") + quote);
    }
    token.kind = TokenKind::kString;
    token.text = text_.substr(pos_, i + 1 - pos_);
    token.string = std::move(value);
    pos_ = i + 1;
    return token;
  }

  Token lex_error(Token& token, std::string message, std::string hint = {}) {
    if (token.text.empty()) token.text = text_.substr(pos_, 1);
    problem(token.offset, std::move(message), std::move(hint));
    stopped_ = true;
    token.kind = TokenKind::kError;
    return token;
  }

  // ---- parser ----

  bool at_keyword(std::string_view keyword) const {
    return current_.kind == TokenKind::kName && current_.text == keyword;
  }
  static bool is_keyword(std::string_view text) {
    return text == "and" || text == "or" || text == "not" || text == "in" || text == "glob" ||
           text == "matches" || text == "exists" || text == "true" || text == "false";
  }

  Shape parse_or() {
    Shape shape = parse_and();
    std::vector<size_t> jumps;
    while (!stopped_ && at_keyword("or")) {
      advance();
      jumps.push_back(emit({Op::kJumpIfTrue, FieldId::kCount, 0, 0}));
      Shape right = parse_and();
      shape.mask |= right.mask;
      shape.exact = false;
    }
    patch(jumps);
    return shape;
  }

  Shape parse_and() {
    Shape shape = parse_unary();
    std::vector<size_t> jumps;
    while (!stopped_ && at_keyword("and")) {
      advance();
      jumps.push_back(emit({Op::kJumpIfFalse, FieldId::kCount, 0, 0}));
      Shape right = parse_unary();
      shape.mask &= right.mask;
      shape.exact = false;
    }
    patch(jumps);
    return shape;
  }

  // `not` binds tighter than `and`; a run of them is counted rather than recursed into.
  Shape parse_unary() {
    size_t nots = 0;
    while (at_keyword("not")) {
      ++nots;
      advance();
    }
    Shape shape = parse_primary();
    if (nots % 2 == 1) {
      emit({Op::kNot, FieldId::kCount, 0, 0});
      // Only an exact class set can be complemented; an event without a class makes the operand
      // false and so its negation true, hence the unset class stays in.
      shape.mask = shape.exact ? static_cast<uint16_t>((~shape.mask & kAllClasses) |
                                                       class_bit(ingest::ActionClass::kUnset))
                               : kAllClasses;
      shape.exact = false;
    }
    return shape;
  }

  Shape parse_primary() {
    if (stopped_) return {};
    if (current_.kind == TokenKind::kLParen) {
      const size_t open = current_.offset;
      if (++depth_ > kMaxConditionNesting) {
        syntax_error("parentheses nested deeper than " + std::to_string(kMaxConditionNesting) +
                     " levels");
        return {};
      }
      advance();
      Shape shape = parse_or();
      if (stopped_) return shape;
      if (current_.kind != TokenKind::kRParen) {
        syntax_error("expected `)` to close the `(` at column " + std::to_string(open + 1) +
                     ", found " + describe(current_));
        return shape;
      }
      advance();
      --depth_;
      return shape;
    }
    if (at_keyword("exists")) return parse_exists();
    if (current_.kind == TokenKind::kName && !is_keyword(current_.text)) return parse_test();
    syntax_error("expected a field, `not`, `exists(...)` or `(`, found " + describe(current_));
    return {};
  }

  Shape parse_exists() {
    advance();
    if (!expect(TokenKind::kLParen, "`(` after `exists`")) return {};
    if (current_.kind != TokenKind::kName || is_keyword(current_.text)) {
      syntax_error("expected a field name in `exists(...)`, found " + describe(current_));
      return {};
    }
    std::optional<FieldId> field = lookup_field(current_);
    advance();
    if (!expect(TokenKind::kRParen, "`)` to close `exists(`")) return {};
    emit_test(Op::kExists, field, 0, 0);
    return {};
  }

  Shape parse_test() {
    const Token name = current_;
    advance();
    const std::optional<FieldId> field = lookup_field(name);
    if (stopped_) return {};
    const FieldType type = field ? field_info(*field).type : FieldType::kBool;
    if (is_comparison(current_.kind)) {
      const Token op = current_;
      advance();
      Constant constant;
      if (!parse_constant(op.text, &constant)) return {};
      if (!field) return {};
      return compare(*field, type, op, constant);
    }
    if (at_keyword("in")) {
      const Token in = current_;
      advance();
      std::vector<Constant> list;
      if (!parse_list(&list)) return {};
      if (!field) return {};
      return compare_in(*field, type, in, list);
    }
    if (at_keyword("glob") || at_keyword("matches")) {
      const Token op = current_;
      advance();
      if (current_.kind != TokenKind::kString) {
        syntax_error("expected a \"pattern\" after `" + std::string(op.text) + "`, found " +
                     describe(current_));
        return {};
      }
      const Token pattern = current_;
      advance();
      if (!field) return {};
      if (type != FieldType::kString) {
        problem(op.offset, "`" + std::string(op.text) + "` needs a string field; `" +
                               std::string(name.text) + "` is " + std::string(type_name(type)));
        return {};
      }
      if (op.text == "glob") {
        emit_glob(*field, pattern);
      } else {
        emit_regex(*field, pattern);
      }
      return {};
    }
    if (at_keyword("not")) {
      syntax_error("`not` goes before a test",
                   "write `not " + std::string(name.text) + " in [...]`");
      return {};
    }
    // A bare field: a bool, true when present and true.
    if (field && type != FieldType::kBool) {
      problem(name.offset,
              "`" + std::string(name.text) + "` is a " + std::string(type_name(type)) +
                  " field, not a condition",
              "compare it with a constant, or test `exists(" + std::string(name.text) + ")`");
      return {};
    }
    emit_test(Op::kBool, field, 0, 0);
    return {};
  }

  bool parse_constant(std::string_view after, Constant* out) {
    out->offset = current_.offset;
    switch (current_.kind) {
      case TokenKind::kString:
        out->kind = TokenKind::kString;
        out->string = current_.string;
        break;
      case TokenKind::kInt:
      case TokenKind::kDuration:
        out->kind = current_.kind;
        out->integer = current_.integer;
        break;
      case TokenKind::kName:
        if (current_.text == "true" || current_.text == "false") {
          out->kind = TokenKind::kName;
          out->boolean = current_.text == "true";
          break;
        }
        if (find_field(current_.text)) {
          syntax_error("a test compares a field with a constant, not with another field");
          return false;
        }
        [[fallthrough]];
      default:
        syntax_error("expected a constant after `" + std::string(after) +
                     "` (a \"string\", an integer, a duration such as 60s, true or false), "
                     "found " +
                     describe(current_));
        return false;
    }
    advance();
    return true;
  }

  bool parse_list(std::vector<Constant>* list) {
    if (!expect(TokenKind::kLBracket, "`[` after `in`")) return false;
    if (current_.kind == TokenKind::kRBracket) {
      syntax_error("an empty list never matches");
      return false;
    }
    while (true) {
      Constant constant;
      if (!parse_constant(list->empty() ? "[" : ",", &constant)) return false;
      list->push_back(std::move(constant));
      if (current_.kind == TokenKind::kComma) {
        advance();
        continue;
      }
      if (current_.kind == TokenKind::kRBracket) {
        advance();
        return true;
      }
      syntax_error("expected `,` or `]` in the list, found " + describe(current_));
      return false;
    }
  }

  bool expect(TokenKind kind, std::string_view what) {
    if (current_.kind != kind) {
      syntax_error("expected " + std::string(what) + ", found " + describe(current_));
      return false;
    }
    advance();
    return true;
  }

  std::optional<FieldId> lookup_field(const Token& name) {
    std::optional<FieldId> field = find_field(name.text);
    if (!field) {
      problem(name.offset, "unknown field `" + std::string(name.text) + "`",
              did_you_mean(nearest_field(name.text)));
    }
    return field;
  }

  // ---- type checks ----

  // Converts a constant to the field's type: a string, a bool, or µs / an integer in `integer`.
  bool convert(FieldId field, FieldType type, Constant& constant) {
    const std::string name(field_info(field).name);
    switch (type) {
      case FieldType::kString: {
        if (constant.kind != TokenKind::kString) {
          return type_error(constant,
                            "`" + name + "` is a string field; compare it with a \"string\"");
        }
        std::span<const std::string_view> values = enumeration_of(field);
        if (!values.empty() &&
            std::find(values.begin(), values.end(), constant.string) == values.end()) {
          problem(
              constant.offset,
              "\"" + constant.string + "\" is not a value of `" + name + "` (" + join(values) + ")",
              did_you_mean(nearest_name(constant.string, values)));
          return false;
        }
        return true;
      }
      case FieldType::kBool:
        if (constant.kind != TokenKind::kName) {
          return type_error(constant, "`" + name +
                                          "` is a bool field; compare it with true or "
                                          "false, or test it bare");
        }
        return true;
      case FieldType::kInt:
        if (constant.kind != TokenKind::kInt) {
          return type_error(constant, "`" + name + "` is an int field; compare it with an integer");
        }
        return true;
      case FieldType::kTime:
        if (constant.kind != TokenKind::kString) {
          return type_error(constant, "`" + name +
                                          "` is a time field; compare it with an RFC 3339 "
                                          "string such as \"2026-11-20T10:00:00Z\"");
        }
        if (!ingest::parse_rfc3339(constant.string, &constant.integer)) {
          problem(constant.offset, "\"" + constant.string +
                                       "\" is not an RFC 3339 time (such as "
                                       "\"2026-11-20T10:00:00Z\")");
          return false;
        }
        return true;
      case FieldType::kDuration:
        if (constant.kind == TokenKind::kString &&
            parse_duration(constant.string, &constant.integer)) {
          problem(constant.offset, "`" + name + "` is a duration field; a duration is not quoted",
                  "write " + constant.string);
          return false;
        }
        if (constant.kind != TokenKind::kDuration) {
          return type_error(constant, "`" + name +
                                          "` is a duration field; compare it with a duration "
                                          "such as 60s, 15m or 1h");
        }
        return true;
    }
    return false;
  }

  bool type_error(const Constant& constant, std::string message) {
    problem(constant.offset, std::move(message));
    return false;
  }

  Shape compare(FieldId field, FieldType type, const Token& op, Constant& constant) {
    if (is_ordering(op.kind) && (type == FieldType::kString || type == FieldType::kBool)) {
      problem(op.offset, "`" + std::string(op.text) + "` orders ints, times and durations; `" +
                             std::string(field_info(field).name) + "` is a " +
                             std::string(type_name(type)) + " field");
      return {};
    }
    if (!convert(field, type, constant)) return {};
    const bool equal = op.kind == TokenKind::kEq;
    switch (type) {
      case FieldType::kBool:
        emit_test(equal ? Op::kBoolEq : Op::kBoolNe, field, constant.boolean ? 1 : 0, 0);
        return {};
      case FieldType::kString: {
        emit_test(equal ? Op::kStrEq : Op::kStrNe, field, add_strings({&constant, 1}), 0);
        if (field != FieldId::kActionClass) return {};
        const uint16_t bit = class_bit_of(constant.string);
        if (equal) return {bit, true};
        return {
            static_cast<uint16_t>((kAllClasses & ~bit) | class_bit(ingest::ActionClass::kUnset)),
            false};
      }
      case FieldType::kInt:
      case FieldType::kTime:
      case FieldType::kDuration: {
        Op int_op = Op::kIntEq;
        switch (op.kind) {
          case TokenKind::kNe:
            int_op = Op::kIntNe;
            break;
          case TokenKind::kLt:
            int_op = Op::kIntLt;
            break;
          case TokenKind::kLe:
            int_op = Op::kIntLe;
            break;
          case TokenKind::kGt:
            int_op = Op::kIntGt;
            break;
          case TokenKind::kGe:
            int_op = Op::kIntGe;
            break;
          default:
            break;
        }
        emit_test(int_op, field, add_ints({&constant, 1}), 0);
        return {};
      }
    }
    return {};
  }

  Shape compare_in(FieldId field, FieldType type, const Token& in, std::vector<Constant>& list) {
    if (type == FieldType::kBool) {
      problem(in.offset, "`in` needs a string, int, time or duration field; `" +
                             std::string(field_info(field).name) + "` is a bool field");
      return {};
    }
    bool ok = true;
    for (Constant& constant : list) ok = convert(field, type, constant) && ok;
    if (!ok) return {};
    if (type == FieldType::kString) {
      uint16_t count = 0;
      uint16_t first = add_strings(list, &count);
      emit_test(count == 1 ? Op::kStrEq : Op::kStrIn, field, first, count);
      if (field != FieldId::kActionClass) return {};
      uint16_t mask = 0;
      for (const Constant& constant : list) mask |= class_bit_of(constant.string);
      return {mask, true};
    }
    uint16_t count = 0;
    uint16_t first = add_ints(list, &count);
    emit_test(count == 1 ? Op::kIntEq : Op::kIntIn, field, first, count);
    return {};
  }

  // ---- emission ----

  size_t emit(Program::Instruction instruction) {
    program_.code_.push_back(instruction);
    return program_.code_.size() - 1;
  }

  void emit_test(Op op, std::optional<FieldId> field, uint16_t a, uint16_t b) {
    // After an unknown field the program is discarded; keep emitting so jumps stay consistent.
    const FieldId id = field.value_or(FieldId::kEventId);
    emit({op, id, a, b});
    if (field &&
        std::find(program_.fields_.begin(), program_.fields_.end(), id) == program_.fields_.end()) {
      program_.fields_.push_back(id);
    }
  }

  void emit_glob(FieldId field, const Token& pattern) {
    auto glob = Glob::compile(pattern.string);
    if (!glob.ok()) {
      problem(pattern.offset, "bad glob: " + glob.status().message());
      return;
    }
    if (!fits(program_.globs_.size())) return;
    program_.globs_.push_back(std::move(glob.value()));
    emit_test(Op::kGlob, field, static_cast<uint16_t>(program_.globs_.size() - 1), 0);
  }

  void emit_regex(FieldId field, const Token& pattern) {
    std::string error;
    auto regex = compile_regex(pattern.string, &error);
    if (regex == nullptr) {
      problem(pattern.offset, "bad regular expression: " + error);
      return;
    }
    if (!fits(program_.regexes_.size())) return;
    program_.regexes_.push_back(std::move(regex));
    emit_test(Op::kMatches, field, static_cast<uint16_t>(program_.regexes_.size() - 1), 0);
  }

  // Appends the constants' strings, sorted and without duplicates for binary search.
  uint16_t add_strings(std::span<const Constant> constants, uint16_t* count = nullptr) {
    std::vector<std::string> values;
    for (const Constant& constant : constants) values.push_back(constant.string);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const size_t first = program_.strings_.size();
    if (!fits(first + values.size())) return 0;
    for (std::string& value : values) program_.strings_.push_back(std::move(value));
    if (count) *count = static_cast<uint16_t>(values.size());
    return static_cast<uint16_t>(first);
  }

  uint16_t add_ints(std::span<const Constant> constants, uint16_t* count = nullptr) {
    std::vector<int64_t> values;
    for (const Constant& constant : constants) values.push_back(constant.integer);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const size_t first = program_.ints_.size();
    if (!fits(first + values.size())) return 0;
    program_.ints_.insert(program_.ints_.end(), values.begin(), values.end());
    if (count) *count = static_cast<uint16_t>(values.size());
    return static_cast<uint16_t>(first);
  }

  // Indexes are 16 bits; kMaxConditionBytes keeps real conditions far below.
  bool fits(size_t size) {
    if (size < UINT16_MAX) return true;
    if (!too_large_) problem(0, "the condition has too many constants");
    too_large_ = true;
    return false;
  }

  void patch(const std::vector<size_t>& jumps) {
    const size_t end = program_.code_.size();
    for (size_t jump : jumps) program_.code_[jump].a = static_cast<uint16_t>(end);
  }

  // A jump that lands on a jump of the same kind goes on to its target; one that lands on the
  // opposite kind knows it will fall through. Targets only move forward, so this ends.
  void thread_jumps() {
    auto& code = program_.code_;
    for (Program::Instruction& instruction : code) {
      if (instruction.op != Op::kJumpIfFalse && instruction.op != Op::kJumpIfTrue) continue;
      size_t target = instruction.a;
      while (target < code.size() &&
             (code[target].op == Op::kJumpIfFalse || code[target].op == Op::kJumpIfTrue)) {
        target = code[target].op == instruction.op ? code[target].a : target + 1;
      }
      instruction.a = static_cast<uint16_t>(target);
    }
  }

  // ---- problems ----

  std::string describe(const Token& token) const {
    if (token.kind == TokenKind::kEnd) return "the end of the condition";
    constexpr size_t kShown = 32;
    std::string_view text = token.text.substr(0, kShown);
    return "`" + std::string(text) + (token.text.size() > kShown ? "...`" : "`");
  }

  void problem(size_t offset, std::string message, std::string hint = {}) {
    problems_->push_back(TextProblem{offset, std::move(message), std::move(hint)});
  }

  // A syntax error stops the parse: what follows cannot be read reliably.
  void syntax_error(std::string message, std::string hint = {}) {
    if (current_.kind != TokenKind::kError) {
      problem(current_.offset, std::move(message), std::move(hint));
    }
    stopped_ = true;
  }

  std::string_view text_;
  std::vector<TextProblem>* problems_;
  Token current_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool stopped_ = false;
  bool too_large_ = false;
  Program program_;
};

std::optional<Program> compile_condition(std::string_view text,
                                         std::vector<TextProblem>* problems) {
  return ConditionCompiler(text, problems).compile();
}

std::string format_text_problems(std::span<const TextProblem> problems) {
  std::string message;
  for (const TextProblem& problem : problems) {
    if (!message.empty()) message += '\n';
    message += "column " + std::to_string(problem.offset + 1) + ": " + problem.message;
    if (!problem.hint.empty()) message += "; " + problem.hint;
  }
  return message;
}

}  // namespace detail

Result<Program> Program::compile(std::string_view condition) {
  std::vector<detail::TextProblem> problems;
  std::optional<Program> program = detail::compile_condition(condition, &problems);
  if (program) return std::move(*program);
  return Status::invalid_argument(detail::format_text_problems(problems));
}

}  // namespace aw::rules
