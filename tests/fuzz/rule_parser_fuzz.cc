// libFuzzer target for the rule condition compiler and the output-template compiler: any bytes
// must compile or fail with problems, never crash, hang or leak. A compiled program must be
// well formed (forward jumps within the code), and its action-class mask must be sound: for an
// event of a class outside the mask the condition is false, whatever the other fields hold.
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/event.h"
#include "rules/condition_compiler.h"
#include "rules/output_template.h"
#include "rules/program.h"

namespace {

using aw::rules::FieldId;
using aw::rules::FieldType;
using aw::rules::FieldValue;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// Answers every field with a value of its type picked by `seed`, and action.class with `klass`.
class SeededResolver {
 public:
  SeededResolver(uint64_t seed, aw::ingest::ActionClass klass) : seed_(seed), class_(klass) {}

  FieldValue get(FieldId id) {
    if (id == FieldId::kActionClass) {
      if (class_ == aw::ingest::ActionClass::kUnset && (seed_ & 1)) return FieldValue::absent();
      return FieldValue::of(aw::ingest::action_class_name(class_));
    }
    uint64_t x = seed_ ^ (static_cast<uint64_t>(id) * 0x9e3779b97f4a7c15ULL);
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    if (x % 5 == 0) return FieldValue::absent();
    static constexpr std::string_view kStrings[] = {
        "prod", "delete", "suspended", "denied", "agent", "db:prod/orders", "x", "unknown"};
    switch (aw::rules::field_info(id).type) {
      case FieldType::kBool:
        return FieldValue::of((x >> 8 & 1) != 0);
      case FieldType::kString:
        return FieldValue::of(kStrings[(x >> 8) % std::size(kStrings)]);
      case FieldType::kInt:
      case FieldType::kTime:
      case FieldType::kDuration:
        return FieldValue::of(static_cast<int64_t>(x >> 8) % 100000 - 50000);
    }
    return FieldValue::absent();
  }

 private:
  uint64_t seed_;
  aw::ingest::ActionClass class_;
};

void check_program(const aw::rules::Program& program, uint64_t seed) {
  using Op = aw::rules::Program::Op;
  const auto& code = program.code();
  check(!code.empty());
  for (size_t pc = 0; pc < code.size(); ++pc) {
    if (code[pc].op == Op::kJumpIfFalse || code[pc].op == Op::kJumpIfTrue) {
      check(code[pc].a > pc && code[pc].a <= code.size());
    } else if (code[pc].op != Op::kNot) {
      check(code[pc].field < FieldId::kCount);
    }
  }
  const uint16_t mask = program.class_mask();
  check(mask != 0 && (mask & ~aw::rules::kAllClasses) == 0);
  for (int c = 0; c < aw::ingest::kActionClassCount; ++c) {
    const auto klass = static_cast<aw::ingest::ActionClass>(c);
    for (uint64_t round = 0; round < 4; ++round) {
      SeededResolver resolver(seed + round, klass);
      const bool matched = program.matches(resolver);
      if (!(mask & aw::rules::class_bit(klass))) check(!matched);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint64_t seed = 1469598103934665603ULL;
  for (unsigned char c : text) seed = (seed ^ c) * 1099511628211ULL;

  std::vector<aw::rules::detail::TextProblem> problems;
  auto program = aw::rules::detail::compile_condition(text, &problems);
  check(program.has_value() == problems.empty());
  for (const auto& problem : problems) check(problem.offset <= text.size());
  if (program) check_program(*program, seed);

  auto output = aw::rules::OutputTemplate::compile(text);
  if (output.ok()) {
    SeededResolver resolver(seed, aw::ingest::ActionClass::kRead);
    std::string rendered;
    output->render(resolver, &rendered);
  }
  return 0;
}
