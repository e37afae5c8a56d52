// The shipped incident (examples/registry.yaml and examples/incident.jsonl), embedded at build
// time for `agentwatch demo`.
#pragma once

namespace aw::tools::demo {

extern const char* const kIncidentRegistry;
extern const char* const kIncidentStream;

}  // namespace aw::tools::demo
