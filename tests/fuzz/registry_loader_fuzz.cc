// libFuzzer target for the registry loader: the first input byte picks what the rest is — a
// registry YAML document, or registry update lines (JSON, one per line) applied in order to a
// small valid registry. Any bytes must load or be refused with a message, never crash, hang or
// throw; an update that is refused must leave the registry answering look-ups.
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/registry.h"
#include "detect/registry_loader.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr std::string_view kBase = R"(agents:
  - id: agent-1
    owner: team-a
    kind: agent
    status: active
    scopes:
      - tools: ["Bash", "sql.*"]
        resources: ["repo:acme/**"]
        envs: [dev, prod]
        classes: [read, write]
credentials:
  - id: tok-1
    agent: agent-1
    kind: jit
    env: prod
    issued_at: 2026-11-20T00:00:00Z
    expires_at: 2026-11-20T01:00:00Z
freezes:
  - id: fr-1
    envs: [prod]
    resources: ["db:prod/**"]
    from: 2026-11-20T00:00:00Z
    until: 2026-11-21T00:00:00Z
)";

// Look-ups every loaded registry must answer without crashing.
void probe(const aw::detect::Registry& registry) {
  const int64_t t = int64_t{1763596800} * 1000000;  // 2026-11-20T00:00:00Z
  (void)registry.agent_at("agent-1", t);
  (void)registry.credential("tok-1");
  (void)registry.freeze_at(registry.env_bit("prod"), "db:prod/orders", t);
  (void)registry.approval_at("agent-1", aw::ingest::ActionClass::kDelete, "db:prod/orders", t,
                             true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aw::detect;
  if (size == 0) return 0;
  const bool updates = (data[0] & 1) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!updates) {
    auto loaded = parse_registry(text, "fuzz.yaml");
    if (loaded.ok()) {
      probe(loaded.value());
    } else {
      check(!loaded.status().message().empty());
    }
    return 0;
  }
  // Registries are not copyable: a fresh one per input (the base is small).
  auto loaded = parse_registry(kBase, "base.yaml");
  if (!loaded.ok()) __builtin_trap();
  Registry& registry = loaded.value();
  size_t start = 0;
  uint64_t line = 1;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto applied = apply_registry_update(registry, text.substr(start, end - start),
                                         "fuzz:" + std::to_string(line));
    if (!applied.ok()) check(!applied.status().message().empty());
    probe(registry);
    start = end + 1;
    ++line;
  }
  return 0;
}
