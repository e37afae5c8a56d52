#include "detect/rule_fixture.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "detect/engine.h"
#include "detect/registry_loader.h"
#include "ingest/native_decoder.h"

namespace aw::detect {
namespace {

// Decodes JSON Lines text into `batch`; `text` must outlive the batch and keep padding.
std::string decode_lines(ingest::NativeDecoder& decoder, const std::string& text,
                         ingest::EventBatch& batch) {
  std::vector<ingest::RecordRef> records;
  size_t start = 0;
  uint64_t line = 1;
  const size_t end = text.size() - ingest::kRecordPadding;
  while (start < end) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos || nl > end) nl = end;
    if (nl > start) {
      records.push_back(
          ingest::RecordRef{{text.data() + start, nl - start}, nl - start, {line, start, -1}});
    }
    start = nl + 1;
    ++line;
  }
  decoder.decode(records, batch);
  if (!batch.dead_letters.empty()) {
    const ingest::DeadLetter& d = batch.dead_letters.front();
    return "event line " + std::to_string(d.position.line) +
           " is not a valid event: " + std::string(ingest::decode_error_name(d.reason)) +
           (d.field.empty() ? "" : " (" + std::string(d.field) + ")");
  }
  return "";
}

FixtureCaseResult run_case(const std::string& file, const std::string& rule_id,
                           const YAML::Node& registry_node, const YAML::Node& case_node,
                           const rules::RuleSet& rules, const rules::ActionClassTable& classes) {
  FixtureCaseResult result;
  result.file = file;
  result.rule = rule_id;
  result.name = case_node["name"] ? case_node["name"].as<std::string>() : "(unnamed)";
  if (const YAML::Node expect = case_node["expect"]) {
    for (const auto& id : expect) result.expected.push_back(id.as<std::string>());
  }
  std::sort(result.expected.begin(), result.expected.end());

  const YAML::Node registry_yaml = case_node["registry"] ? case_node["registry"] : registry_node;
  auto registry = parse_registry(registry_yaml ? YAML::Dump(registry_yaml) : std::string(),
                                 file + " (registry of '" + result.name + "')");
  if (!registry.ok()) {
    result.error = registry.status().message();
    return result;
  }
  if (!case_node["events"] || !case_node["events"].IsScalar()) {
    result.error = "`events` must be a block of JSON Lines";
    return result;
  }
  std::string text = case_node["events"].as<std::string>();
  text.append(ingest::kRecordPadding, '\0');
  auto decoder = ingest::NativeDecoder::make({});
  if (!decoder.ok()) {
    result.error = decoder.status().message();
    return result;
  }
  ingest::EventBatch batch;
  std::string problem = decode_lines(*decoder, text, batch);
  if (!problem.empty()) {
    result.error = problem;
    return result;
  }
  rules::ActionClassifier(classes).classify(batch);
  EngineOptions options;
  options.detected_at_us = 1;  // fixtures compare ids only; pin the clock anyway
  Engine engine(rules, *registry, options);
  AlertBuffer alerts;
  engine.process(batch, file, alerts);
  if (!engine.rejected_updates().empty()) {
    result.error = "registry update refused: " + engine.rejected_updates().front().message;
    return result;
  }
  for (const Alert& alert : alerts.alerts) {
    if (rules.rules()[alert.rule_index].id == rule_id) {
      result.fired.emplace_back(batch.events[alert.event_index].id);
    }
  }
  std::sort(result.fired.begin(), result.fired.end());
  return result;
}

}  // namespace

Result<std::vector<FixtureCaseResult>> run_rule_fixture_file(
    const std::string& path, const rules::RuleSet& rules, const rules::ActionClassTable& classes) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::not_found(path + ": cannot open the fixture");
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  std::vector<FixtureCaseResult> results;
  try {
    if (!root.IsMap() || !root["rule"] || !root["cases"] || !root["cases"].IsSequence()) {
      return Status::invalid_argument(path + ": a fixture is a map with `rule` and `cases`");
    }
    std::string rule_id = root["rule"].as<std::string>();
    if (rules.find(rule_id) == nullptr)
      return Status::invalid_argument(path + ": unknown rule '" + rule_id + "'");
    for (const auto& case_node : root["cases"]) {
      results.push_back(run_case(path, rule_id, root["registry"], case_node, rules, classes));
    }
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return results;
}

}  // namespace aw::detect
