// The registry a store's writers judged against, rebuilt from the store's registry history: the
// last registry file loaded, then every update after it in arrival order. Agents keep their
// versions, so the result answers "as of time t" questions (detect/registry.h).
//
// Thread-safety: a pure function; the returned registry is read-only for concurrent readers.
#pragma once

#include <string>

#include "detect/registry.h"
#include "ingest/result.h"
#include "store/evidence_store.h"

namespace aw::store {

struct StoredRegistry {
  detect::Registry registry;
  bool recorded = false;  // false: the runs that wrote the store recorded no registry
  size_t updates = 0;     // updates applied after the file
  size_t refused = 0;     // stored updates that did not apply (counted, not fatal)
  std::string note;       // why `recorded` is false, or what was refused; empty when all is well
};

// kCorruption when the history cannot be read or the stored registry file no longer parses.
[[nodiscard]] Result<StoredRegistry> load_stored_registry(const EvidenceStore& store);

// Only the policy, freezes and approvals of the stored registry, and their updates: a small part
// of a large registry file (agents and credentials are most of it), parsed in milliseconds, so
// a reader can judge freezes and approvals while the whole registry still loads. Cut from the
// file by its top-level keys, so it needs a block-style file (what `gen` and people write);
// kUnavailable when the file cannot be cut that way or an update of those kinds does not apply
// alone (callers then use load_stored_registry()).
[[nodiscard]] Result<StoredRegistry> load_stored_controls(const EvidenceStore& store);

}  // namespace aw::store
