#include "ingest/event.h"

#include <array>

namespace aw::ingest {
namespace {

constexpr std::array<std::string_view, 5> kActorTypeNames = {"unknown", "agent", "service", "human",
                                                             "bot"};
constexpr std::array<std::string_view, kActionClassCount> kActionClassNames = {
    "unknown",  "read",    "write", "delete",   "admin",
    "escalate", "publish", "sign",  "snapshot", "exec"};
constexpr std::array<std::string_view, 4> kOutcomeNames = {"unknown", "success", "failure",
                                                           "denied"};

// `first` skips the "unknown" entry of enumerations where a record may not name it.
template <typename Enum, size_t N>
bool parse_enum(const std::array<std::string_view, N>& names, std::string_view text, Enum* out,
                size_t first) {
  for (size_t i = first; i < N; ++i) {
    if (names[i] == text) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view actor_type_name(ActorType type) {
  return kActorTypeNames[static_cast<size_t>(type)];
}
std::string_view action_class_name(ActionClass action_class) {
  return kActionClassNames[static_cast<size_t>(action_class)];
}
std::string_view outcome_name(Outcome outcome) {
  return kOutcomeNames[static_cast<size_t>(outcome)];
}

bool parse_actor_type(std::string_view text, ActorType* out) {
  return parse_enum(kActorTypeNames, text, out, 0);
}
bool parse_action_class(std::string_view text, ActionClass* out) {
  return parse_enum(kActionClassNames, text, out, 1);
}
bool parse_outcome(std::string_view text, Outcome* out) {
  return parse_enum(kOutcomeNames, text, out, 1);
}

}  // namespace aw::ingest
