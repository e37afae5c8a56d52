#include "store/stored_registry.h"

#include <string_view>

#include "detect/registry_loader.h"

namespace aw::store {
namespace {

// The lines of the top-level sections `policy`, `freezes` and `approvals` of a block-style YAML
// registry; false when the text has top-level content the cut cannot place (flow style, a
// document marker). An alias into a dropped section fails the parse that follows.
bool cut_control_sections(std::string_view yaml, std::string* out) {
  bool keep = false;
  size_t at = 0;
  while (at < yaml.size()) {
    size_t end = yaml.find('\n', at);
    if (end == std::string_view::npos) end = yaml.size();
    std::string_view line = yaml.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line[0] != ' ' && line[0] != '#' && line[0] != '\t' && line[0] != '-') {
      if (line.starts_with("---") || line.starts_with("...") || line.starts_with("{")) {
        return false;
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      std::string_view key = line.substr(0, colon);
      keep = key == "policy" || key == "freezes" || key == "approvals";
    }
    if (keep) {
      out->append(line);
      out->push_back('\n');
    }
  }
  return true;
}

bool control_kind(std::string_view kind) {
  return kind == "policy" || kind == "freeze" || kind == "approval";
}

}  // namespace

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

Result<StoredRegistry> load_stored_controls(const EvidenceStore& store) {
  auto history = store.registry_history();
  if (!history.ok()) return history.status();
  StoredRegistry out;
  if (history->empty()) {
    out.note = "the runs that wrote this store recorded no registry";
    return out;
  }
  size_t start = 0;
  for (size_t i = 0; i < history->size(); ++i) {
    if ((*history)[i].op == "load") start = i;
  }
  if ((*history)[start].op == "load") {
    std::string controls;
    if (!cut_control_sections((*history)[start].text, &controls)) {
      return Status::unavailable("the stored registry file is not in block style");
    }
    auto parsed = detect::parse_registry(controls, "stored registry (policy, freezes, approvals)");
    if (!parsed.ok()) return Status::unavailable(parsed.status().message());
    out.registry = std::move(parsed.value());
    ++start;
  }
  out.recorded = true;
  for (size_t i = start; i < history->size(); ++i) {
    const StoredRegistryChange& change = (*history)[i];
    if (change.op == "load" || !control_kind(change.kind)) continue;
    if (!detect::apply_registry_update(out.registry, change.text, "stored update").ok()) {
      return Status::unavailable("a stored " + change.kind + " update does not apply alone");
    }
    ++out.updates;
  }
  return out;
}

}  // namespace aw::store
