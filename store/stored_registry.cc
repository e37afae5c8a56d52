#include "store/stored_registry.h"

#include "detect/registry_loader.h"

namespace aw::store {

Result<StoredRegistry> load_stored_registry(const EvidenceStore& store) {
  auto history = store.registry_history();
  if (!history.ok()) return history.status();
  StoredRegistry out;
  if (history->empty()) {
    out.note = "the runs that wrote this store recorded no registry";
    return out;
  }
  // A later run that loaded a registry file again starts over from that file.
  size_t start = 0;
  for (size_t i = 0; i < history->size(); ++i) {
    if ((*history)[i].op == "load") start = i;
  }
  if ((*history)[start].op == "load") {
    auto parsed = detect::parse_registry((*history)[start].text, "stored registry");
    if (!parsed.ok()) {
      return Status::corruption("the stored registry does not load: " + parsed.status().message());
    }
    out.registry = std::move(parsed.value());
    ++start;
  }
  out.recorded = true;
  for (size_t i = start; i < history->size(); ++i) {
    const StoredRegistryChange& change = (*history)[i];
    if (change.op == "load") continue;
    if (detect::apply_registry_update(out.registry, change.text, "stored update").ok()) {
      ++out.updates;
    } else {
      ++out.refused;
    }
  }
  if (out.refused > 0) out.note = std::to_string(out.refused) + " stored updates did not apply";
  return out;
}

}  // namespace aw::store
