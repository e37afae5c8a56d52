// ActionClassTable: derives `action.class` for events whose record does not name one, from the
// verb and tool tables of rules/action_classes.yaml (its header explains the look-up order).
// The shipped table is compiled into the binary; a user table replaces it.
//
// ActionClassifier applies a table to batches and caches the answer per tool name, so the glob
// list runs once per distinct tool, not once per event.
//
// Thread-safety: a loaded table is immutable and may be shared; a classifier belongs to one
// thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"
#include "rules/glob.h"

namespace aw::rules {

namespace detail {
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
}  // namespace detail

class ActionClassTable {
 public:
  // Parses a table; every problem is reported, each with `origin`, line and column.
  static Result<ActionClassTable> parse(std::string_view yaml_text, std::string_view origin);
  static Result<ActionClassTable> load_file(const std::string& path);
  // The table shipped in rules/action_classes.yaml, built into the binary.
  static const ActionClassTable& builtin();

  // The class of an action by the look-up order above; kUnset when nothing matches.
  ingest::ActionClass classify_verb(std::string_view verb) const;
  ingest::ActionClass classify_tool(std::string_view tool) const;

  size_t verb_count() const { return verbs_.size(); }
  size_t tool_rule_count() const { return tools_.size(); }

 private:
  struct ToolRule {
    Glob glob;
    ingest::ActionClass action_class;
  };
  ActionClassTable() = default;

  // Keys are lower-cased; the longest key bounds the look-up buffer.
  std::unordered_map<std::string, ingest::ActionClass, detail::StringHash, std::equal_to<>> verbs_;
  size_t longest_verb_ = 0;
  std::vector<ToolRule> tools_;
};

class ActionClassifier {
 public:
  explicit ActionClassifier(const ActionClassTable& table) : table_(&table) {}

  // Sets action_class on every event of the batch that has none.
  void classify(ingest::EventBatch& batch);
  ingest::ActionClass classify(std::string_view tool, std::string_view verb);

 private:
  // Performance note: tool names are few (hundreds); the cap only guards against a stream of
  // random names growing the cache without bound. Default: 65,536 entries.
  static constexpr size_t kMaxCachedTools = 65536;

  const ActionClassTable* table_;
  std::unordered_map<std::string, ingest::ActionClass, detail::StringHash, std::equal_to<>>
      tool_cache_;
};

}  // namespace aw::rules
