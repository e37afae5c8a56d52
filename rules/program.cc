#include "rules/program.h"

#include <algorithm>

#include "rules/regex.h"

namespace aw::rules {
namespace detail {

std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  // Performance note: bounds the memory of one compiled pattern and its DFA cache, so a hostile
  // rule cannot make each match costly. RE2 falls back to a slower NFA past it. Default: 1 MiB.
  options.set_max_mem(1 << 20);
  auto regex = std::make_shared<const Regex>(pattern, options);
  if (!regex->re2.ok()) {
    *error = regex->re2.error();
    return nullptr;
  }
  return regex;
}

bool regex_matches(const Regex& regex, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), regex.re2);
}

}  // namespace detail

namespace {

std::string_view op_name(Program::Op op) {
  using Op = Program::Op;
  switch (op) {
    case Op::kBool:
      return "bool";
    case Op::kExists:
      return "exists";
    case Op::kBoolEq:
      return "bool_eq";
    case Op::kBoolNe:
      return "bool_ne";
    case Op::kStrEq:
      return "str_eq";
    case Op::kStrNe:
      return "str_ne";
    case Op::kStrIn:
      return "str_in";
    case Op::kIntEq:
      return "int_eq";
    case Op::kIntNe:
      return "int_ne";
    case Op::kIntLt:
      return "int_lt";
    case Op::kIntLe:
      return "int_le";
    case Op::kIntGt:
      return "int_gt";
    case Op::kIntGe:
      return "int_ge";
    case Op::kIntIn:
      return "int_in";
    case Op::kGlob:
      return "glob";
    case Op::kMatches:
      return "matches";
    case Op::kNot:
      return "not";
    case Op::kJumpIfFalse:
      return "jump_if_false";
    case Op::kJumpIfTrue:
      return "jump_if_true";
  }
  return "?";
}

}  // namespace

std::string Program::disassemble() const {
  std::string out;
  for (size_t pc = 0; pc < code_.size(); ++pc) {
    const Instruction& in = code_[pc];
    out += std::to_string(pc) + " " + std::string(op_name(in.op));
    switch (in.op) {
      case Op::kNot:
        break;
      case Op::kJumpIfFalse:
      case Op::kJumpIfTrue:
        out += " " + std::to_string(in.a);
        break;
      case Op::kBool:
      case Op::kExists:
        out += " " + std::string(field_info(in.field).name);
        break;
      case Op::kBoolEq:
      case Op::kBoolNe:
        out += " " + std::string(field_info(in.field).name) + (in.a ? " true" : " false");
        break;
      case Op::kStrEq:
      case Op::kStrNe:
        out += " " + std::string(field_info(in.field).name) + " \"" + strings_[in.a] + "\"";
        break;
      case Op::kStrIn:
        out += " " + std::string(field_info(in.field).name) + " [";
        for (uint16_t i = 0; i < in.b; ++i) {
          out += (i ? ", \"" : "\"") + strings_[in.a + i] + "\"";
        }
        out += "]";
        break;
      case Op::kIntEq:
      case Op::kIntNe:
      case Op::kIntLt:
      case Op::kIntLe:
      case Op::kIntGt:
      case Op::kIntGe:
        out += " " + std::string(field_info(in.field).name) + " " + std::to_string(ints_[in.a]);
        break;
      case Op::kIntIn:
        out += " " + std::string(field_info(in.field).name) + " [";
        for (uint16_t i = 0; i < in.b; ++i) {
          out += (i ? ", " : "") + std::to_string(ints_[in.a + i]);
        }
        out += "]";
        break;
      case Op::kGlob:
        out += " " + std::string(field_info(in.field).name) + " \"" + globs_[in.a].pattern() + "\"";
        break;
      case Op::kMatches:
        out += " " + std::string(field_info(in.field).name) + " \"" +
               regexes_[in.a]->re2.pattern() + "\"";
        break;
    }
    out += "\n";
  }
  return out;
}

}  // namespace aw::rules
