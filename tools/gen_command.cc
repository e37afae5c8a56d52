// agentwatch gen: placeholder until the workload generator lands (same issue).
#include "tools/command.h"

namespace aw::tools {
void add_gen_command(CLI::App&, int&) {}
}  // namespace aw::tools
