// Graceful stop on SIGINT/SIGTERM: the handler only sets a flag; long-running commands poll
// stop_requested() between batches and finish the one in hand.
#pragma once

namespace aw::tools {

// Installs the handlers (idempotent). A second signal while stopping ends the process at once.
void install_stop_handlers();
bool stop_requested();
// For tests and the demo: ask for a stop as a signal would.
void request_stop();

}  // namespace aw::tools
