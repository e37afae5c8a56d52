// Program: a rule condition compiled to a flat list of instructions over one boolean
// accumulator. Tests (a field against constants) set the accumulator; `and`/`or` become forward
// jumps taken on false/true, so evaluation short-circuits and never fetches a field it does not
// need; `not` negates. The condition language itself is described in rules/README.md.
//
// Evaluation allocates nothing, throws nothing and makes no virtual calls: the resolver is a
// template parameter, and regular expressions are matched by RE2 behind a plain function.
//
// Thread-safety: a compiled Program is immutable; share it between threads freely (RE2 objects
// are safe for concurrent matching).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "rules/field.h"
#include "rules/glob.h"

namespace aw::rules {

namespace detail {
// Equality of short texts without a libc call for the common mismatches (length, first byte).
inline bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}
// Opaque so RE2's headers stay out of ours.
struct Regex;
bool regex_matches(const Regex& regex, std::string_view text);
class ConditionCompiler;
}  // namespace detail

// Every action class set: a rule whose condition does not constrain `action.class`.
inline constexpr uint16_t kAllClasses = (1u << ingest::kActionClassCount) - 1;
inline constexpr uint16_t class_bit(ingest::ActionClass action_class) {
  return static_cast<uint16_t>(1u << static_cast<unsigned>(action_class));
}

class Program {
 public:
  enum class Op : uint8_t {
    kBool,         // acc = field is true
    kExists,       // acc = field is present
    kBoolEq,       // acc = field is a bool equal to a (0 or 1)
    kBoolNe,       //
    kStrEq,        // acc = field == strings_[a]
    kStrNe,        //
    kStrIn,        // acc = field in sorted strings_[a, a + b)
    kIntEq,        // acc = field <cmp> ints_[a]; times and durations are ints in µs
    kIntNe,        //
    kIntLt,        //
    kIntLe,        //
    kIntGt,        //
    kIntGe,        //
    kIntIn,        // acc = field in sorted ints_[a, a + b)
    kGlob,         // acc = globs_[a] matches field
    kMatches,      // acc = regexes_[a] finds a match in field
    kNot,          // acc = !acc
    kJumpIfFalse,  // if !acc: pc = a
    kJumpIfTrue,   // if acc: pc = a
  };
  struct Instruction {
    Op op;
    FieldId field;  // tests only
    uint16_t a;     // constant index, or jump target
    uint16_t b;     // list length of kStrIn / kIntIn
  };

  // Compiles a condition; on failure the message lists every problem as
  // "column N: reason" lines. Rule files go through the rule loader instead, which reports the
  // same problems at their file, line and column.
  [[nodiscard]] static Result<Program> compile(std::string_view condition);

  // An empty program never matches; compile() never returns one.
  Program() = default;

  // Evaluates the condition for one event. `resolver.get(FieldId)` returns the field's
  // FieldValue; it is called only for fields the short-circuit evaluation reaches, and may be
  // called more than once for the same field (a resolver that computes facts lazily caches them).
  template <typename Resolver>
  bool matches(Resolver& resolver) const;

  // The action classes an event may have for this condition to be true: bit
  // class_bit(ActionClass) is clear only when the condition is false for every event of that
  // class. Derived from `action.class` tests joined by and/or (see rules/README.md).
  uint16_t class_mask() const { return class_mask_; }
  // The condition's text as written.
  const std::string& text() const { return text_; }
  const std::vector<Instruction>& code() const { return code_; }
  // The fields the condition reads, each once, in first-use order.
  const std::vector<FieldId>& fields() const { return fields_; }
  // One instruction per line, for debugging and tests ("0 str_eq action.class \"delete\"").
  std::string disassemble() const;

 private:
  friend class detail::ConditionCompiler;

  bool test(const Instruction& instruction, const FieldValue& value) const;

  std::string text_;
  std::vector<Instruction> code_;
  std::vector<std::string> strings_;
  std::vector<int64_t> ints_;
  std::vector<Glob> globs_;
  // shared_ptr keeps Program copyable; the compiled regexes are immutable.
  std::vector<std::shared_ptr<const detail::Regex>> regexes_;
  std::vector<FieldId> fields_;
  uint16_t class_mask_ = kAllClasses;
};

template <typename Resolver>
bool Program::matches(Resolver& resolver) const {
  bool acc = false;
  const Instruction* code = code_.data();
  const size_t size = code_.size();
  size_t pc = 0;
  while (pc < size) {
    const Instruction& instruction = code[pc];
    switch (instruction.op) {
      case Op::kNot:
        acc = !acc;
        ++pc;
        break;
      case Op::kJumpIfFalse:
        pc = acc ? pc + 1 : instruction.a;
        break;
      case Op::kJumpIfTrue:
        pc = acc ? instruction.a : pc + 1;
        break;
      case Op::kBool: {  // the most common test: a fact such as credential.revoked
        const FieldValue value = resolver.get(instruction.field);
        acc = value.kind == FieldValue::Kind::kBool && value.boolean;
        ++pc;
        break;
      }
      default:
        acc = test(instruction, resolver.get(instruction.field));
        ++pc;
        break;
    }
  }
  return acc;
}

inline bool Program::test(const Instruction& instruction, const FieldValue& value) const {
  using Kind = FieldValue::Kind;
  // A field whose value has the wrong kind (a resolver bug) tests false like an absent one: the
  // data path never asserts.
  switch (instruction.op) {
    case Op::kBool:
      return value.kind == Kind::kBool && value.boolean;
    case Op::kExists:
      return value.kind != Kind::kAbsent;
    case Op::kBoolEq:
      return value.kind == Kind::kBool && value.boolean == (instruction.a != 0);
    case Op::kBoolNe:
      return value.kind == Kind::kBool && value.boolean != (instruction.a != 0);
    case Op::kStrEq:
      return value.kind == Kind::kString &&
             detail::same_text(value.string, strings_[instruction.a]);
    case Op::kStrNe:
      return value.kind == Kind::kString &&
             !detail::same_text(value.string, strings_[instruction.a]);
    case Op::kStrIn: {
      if (value.kind != Kind::kString) return false;
      auto first = strings_.begin() + instruction.a;
      auto last = first + instruction.b;
      // Performance note: the lists of rule conditions are short (enumerations); a scan that
      // rejects on length and first byte beats a binary search of full compares.
      if (instruction.b <= 8) {
        for (auto it = first; it != last; ++it) {
          if (detail::same_text(value.string, *it)) return true;
        }
        return false;
      }
      auto it = std::lower_bound(first, last, value.string,
                                 [](const std::string& a, std::string_view b) { return a < b; });
      return it != last && *it == value.string;
    }
    case Op::kIntEq:
      return value.kind == Kind::kInt && value.integer == ints_[instruction.a];
    case Op::kIntNe:
      return value.kind == Kind::kInt && value.integer != ints_[instruction.a];
    case Op::kIntLt:
      return value.kind == Kind::kInt && value.integer < ints_[instruction.a];
    case Op::kIntLe:
      return value.kind == Kind::kInt && value.integer <= ints_[instruction.a];
    case Op::kIntGt:
      return value.kind == Kind::kInt && value.integer > ints_[instruction.a];
    case Op::kIntGe:
      return value.kind == Kind::kInt && value.integer >= ints_[instruction.a];
    case Op::kIntIn: {
      if (value.kind != Kind::kInt) return false;
      auto first = ints_.begin() + instruction.a;
      auto last = first + instruction.b;
      return std::binary_search(first, last, value.integer);
    }
    case Op::kGlob:
      return value.kind == Kind::kString && globs_[instruction.a].matches(value.string);
    case Op::kMatches:
      return value.kind == Kind::kString &&
             detail::regex_matches(*regexes_[instruction.a], value.string);
    case Op::kNot:
    case Op::kJumpIfFalse:
    case Op::kJumpIfTrue:
      break;
  }
  return false;
}

}  // namespace aw::rules
