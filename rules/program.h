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

#include <cstdint>
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
      default:
        acc = test(instruction, resolver.get(instruction.field));
        ++pc;
        break;
    }
  }
  return acc;
}

}  // namespace aw::rules
