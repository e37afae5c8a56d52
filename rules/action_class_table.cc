#include "rules/action_class_table.h"

#include <yaml-cpp/yaml.h>

#include "ingest/text_file.h"
#include "rules/embedded_files.h"

namespace aw::rules {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string where(std::string_view origin, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return std::string(origin) + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

}  // namespace

Result<ActionClassTable> ActionClassTable::parse(std::string_view yaml_text,
                                                 std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(std::string(origin) + ":" + std::to_string(e.mark.line + 1) +
                                    ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  std::vector<std::string> problems;
  ActionClassTable table;
  try {
    if (!root.IsMap()) {
      return Status::invalid_argument(std::string(origin) +
                                      ": an action-class table is a map with `verbs` and `tools`");
    }
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      if (key != "verbs" && key != "tools") {
        problems.push_back(where(origin, entry.first) + ": unknown key '" + key +
                           "' (expected verbs or tools)");
      }
    }
    if (const YAML::Node verbs = root["verbs"]) {
      if (!verbs.IsMap()) {
        problems.push_back(where(origin, verbs) + ": `verbs` maps a class to a list of verbs");
      } else {
        for (const auto& entry : verbs) {
          std::string class_name = entry.first.as<std::string>();
          ingest::ActionClass action_class;
          if (!ingest::parse_action_class(class_name, &action_class)) {
            problems.push_back(where(origin, entry.first) + ": unknown class '" + class_name + "'");
            continue;
          }
          if (!entry.second.IsSequence()) {
            problems.push_back(where(origin, entry.second) + ": the verbs of '" + class_name +
                               "' must be a list");
            continue;
          }
          for (const auto& verb_node : entry.second) {
            std::string verb = lower(verb_node.as<std::string>());
            auto [it, inserted] = table.verbs_.emplace(verb, action_class);
            if (!inserted && it->second != action_class) {
              problems.push_back(where(origin, verb_node) + ": verb '" + verb +
                                 "' is listed under two classes");
            }
            table.longest_verb_ = std::max(table.longest_verb_, verb.size());
          }
        }
      }
    }
    if (const YAML::Node tools = root["tools"]) {
      if (!tools.IsSequence()) {
        problems.push_back(where(origin, tools) + ": `tools` is a list of {glob, class}");
      } else {
        for (const auto& rule : tools) {
          if (!rule.IsMap() || !rule["glob"] || !rule["class"]) {
            problems.push_back(where(origin, rule) + ": a tool rule needs `glob` and `class`");
            continue;
          }
          std::string class_name = rule["class"].as<std::string>();
          ingest::ActionClass action_class;
          if (!ingest::parse_action_class(class_name, &action_class)) {
            problems.push_back(where(origin, rule["class"]) + ": unknown class '" + class_name +
                               "'");
            continue;
          }
          auto glob = Glob::compile(rule["glob"].as<std::string>());
          if (!glob.ok()) {
            problems.push_back(where(origin, rule["glob"]) + ": " + glob.status().message());
            continue;
          }
          table.tools_.push_back(ToolRule{std::move(glob.value()), action_class});
        }
      }
    }
  } catch (const YAML::Exception& e) {
    problems.push_back(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& problem : problems) message += (message.empty() ? "" : "\n") + problem;
    return Status::invalid_argument(message);
  }
  return table;
}

Result<ActionClassTable> ActionClassTable::load_file(const std::string& path) {
  std::string text;
  ingest::TextFileError error = ingest::read_text_file(path, &text);
  if (error == ingest::TextFileError::kCannotOpen) {
    return Status::not_found(path + ": cannot open the action-class table");
  }
  if (error != ingest::TextFileError::kNone) {
    return Status::invalid_argument(
        path + ": cannot read the action-class table: " + ingest::text_file_error_reason(error));
  }
  return parse(text, path);
}

const ActionClassTable& ActionClassTable::builtin() {
  static const ActionClassTable table = [] {
    auto parsed = parse(embedded::kActionClassesYaml, "rules/action_classes.yaml");
    if (!parsed.ok()) {
      // The shipped table is tested; failing here means the build embedded a broken file.
      std::abort();
    }
    return std::move(parsed.value());
  }();
  return table;
}

ingest::ActionClass ActionClassTable::classify_verb(std::string_view verb) const {
  if (verb.empty() || verb.size() > longest_verb_) {
    // Longer verbs can still match by their first word.
    size_t space = verb.find(' ');
    if (space == std::string_view::npos || space > longest_verb_)
      return ingest::ActionClass::kUnset;
    verb = verb.substr(0, space);
  }
  char buffer[256] = {};
  if (verb.size() > sizeof(buffer)) return ingest::ActionClass::kUnset;
  for (size_t i = 0; i < verb.size(); ++i) buffer[i] = ascii_lower(verb[i]);
  std::string_view lowered(buffer, verb.size());
  if (auto it = verbs_.find(lowered); it != verbs_.end()) return it->second;
  size_t space = lowered.find(' ');
  if (space != std::string_view::npos) {
    if (auto it = verbs_.find(lowered.substr(0, space)); it != verbs_.end()) return it->second;
  }
  return ingest::ActionClass::kUnset;
}

ingest::ActionClass ActionClassTable::classify_tool(std::string_view tool) const {
  for (const ToolRule& rule : tools_) {
    if (rule.glob.matches(tool)) return rule.action_class;
  }
  return ingest::ActionClass::kUnset;
}

ingest::ActionClass ActionClassifier::classify(std::string_view tool, std::string_view verb) {
  if (!verb.empty()) {
    ingest::ActionClass by_verb = table_->classify_verb(verb);
    if (by_verb != ingest::ActionClass::kUnset) return by_verb;
  }
  if (tool.empty()) return ingest::ActionClass::kUnset;
  if (auto it = tool_cache_.find(tool); it != tool_cache_.end()) return it->second;
  ingest::ActionClass by_tool = table_->classify_tool(tool);
  if (tool_cache_.size() < kMaxCachedTools) tool_cache_.emplace(std::string(tool), by_tool);
  return by_tool;
}

void ActionClassifier::classify(ingest::EventBatch& batch) {
  for (ingest::Event& event : batch.events) {
    if (event.action_class == ingest::ActionClass::kUnset) {
      event.action_class = classify(event.tool, event.verb);
    }
  }
}

}  // namespace aw::rules
