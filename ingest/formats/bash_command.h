// What a shell command does, for coding-agent hook logs (FORMATS.md 4a: "Bash -> parse
// tool_input.command"): the destructive forms (rm -rf, git push --force, kubectl delete,
// terraform destroy, DROP/TRUNCATE through psql) are told apart from ordinary commands.
// Allocation-free; used on the hot path.
#pragma once

#include <string_view>

#include "ingest/event.h"

namespace aw::ingest {

struct CommandClass {
  // "rm -rf", "git push --force", "kubectl delete", "terraform destroy", "psql DROP",
  // "psql TRUNCATE", or the first program's name (a view into the command) for the rest.
  std::string_view verb;
  ActionClass action_class = ActionClass::kExec;
};

// Looks at every command of a list or pipeline (`;`, `&&`, `||`, `|`, newlines), skipping
// variable assignments and sudo/env/xargs prefixes; the first destructive one wins, else the
// most telling of the first command.
CommandClass classify_shell_command(std::string_view command);

}  // namespace aw::ingest
