// The web timeline page of `agentwatch serve` (tools/web/timeline.html), embedded at build time
// by tools/web/embed_web.cmake: one self-contained HTML file with its CSS and script.
#pragma once

#include <string_view>

namespace aw::tools::web {

extern const std::string_view kTimelinePage;

}  // namespace aw::tools::web
