#include "rules/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "rules/condition_compiler.h"
#include "rules/duration.h"
#include "rules/suggest.h"

namespace aw::rules {

std::string LoadProblem::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!rule.empty()) out += "rule " + rule + ": ";
  out += message;
  if (!hint.empty()) out += "; " + hint;
  return out;
}

namespace detail {
namespace {

constexpr std::string_view kRuleKeys[] = {"id",         "name",      "severity",  "description",
                                          "references", "condition", "threshold", "facts",
                                          "output",     "enabled",   "tags"};
constexpr std::string_view kThresholdKeys[] = {"count", "window", "group_by"};
constexpr std::string_view kReferenceKeys[] = {"owasp_nhi", "owasp_agentic", "nist_csf"};
constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};

// Bounds that keep a threshold's counting state small; see rules/README.md.
constexpr uint32_t kMaxThresholdCount = 100000;
constexpr int64_t kMaxThresholdWindowUs = 7LL * 86400 * 1000000;
constexpr size_t kMaxIdLength = 64;
// CompiledRule indexes are 16 bits in RuleSet::candidates().
constexpr size_t kMaxRules = 65535;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_kebab_case(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id.front() == '-' || id.back() == '-') {
    return false;
  }
  char previous = 0;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

std::string kebab_case(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.size() <= kMaxIdLength ? out : std::string();
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_upper(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// OWASP NHI Top 10 (2025): NHI1 ... NHI10.
bool is_owasp_nhi_id(std::string_view id) {
  if (!id.starts_with("NHI") || !is_digits(id.substr(3)) || id.size() > 5) return false;
  int n = std::stoi(std::string(id.substr(3)));
  return n >= 1 && n <= 10 && id[3] != '0';
}

// OWASP Top 10 for Agentic Applications (2026): ASI01 ... ASI10.
bool is_owasp_agentic_id(std::string_view id) {
  if (!id.starts_with("ASI") || id.size() != 5 || !is_digits(id.substr(3))) return false;
  int n = std::stoi(std::string(id.substr(3)));
  return n >= 1 && n <= 10;
}

// NIST CSF 2.0: a function and category ("PR.AA"), optionally a subcategory ("PR.AA-05").
bool is_nist_csf_id(std::string_view id) {
  constexpr std::string_view kFunctions[] = {"GV", "ID", "PR", "DE", "RS", "RC"};
  if (id.size() != 5 && id.size() != 8) return false;
  if (std::find(std::begin(kFunctions), std::end(kFunctions), id.substr(0, 2)) ==
      std::end(kFunctions)) {
    return false;
  }
  if (id[2] != '.' || !is_upper(id.substr(3, 2))) return false;
  return id.size() == 5 || (id[5] == '-' && is_digits(id.substr(6)));
}

struct Entry {
  YAML::Node key;
  YAML::Node value;
  size_t file = 0;
};

// One rule entry as read: a definition (it has `condition`) or a patch.
struct RuleSpec {
  size_t file = 0;
  YAML::Mark mark;
  std::string id;
  std::map<std::string, Entry, std::less<>> entries;  // the first occurrence of each key

  const Entry* find(std::string_view key) const {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
  }
  bool is_definition() const { return find("condition") != nullptr; }
};

class Loader {
 public:
  Loader(std::span<const RuleFile> files, std::vector<LoadProblem>* problems)
      : files_(files), problems_(problems) {}

  LoadedRules run() {
    LoadedRules loaded;
    std::vector<RuleSpec> entries;
    for (size_t file = 0; file < files_.size(); ++file) read_file(file, &entries);
    loaded.summary.files = files_.size();
    std::vector<RuleSpec> rules = collect(std::move(entries), &loaded.summary);
    if (rules.size() > kMaxRules) {
      problem(0, YAML::Mark::null_mark(), "",
              "more than " + std::to_string(kMaxRules) + " rules in one set");
    }
    for (const RuleSpec& spec : rules) {
      bool enabled = true;
      std::optional<CompiledRule> rule = compile(spec, &enabled);
      if (!rule) continue;
      if (enabled) {
        loaded.enabled.push_back(std::move(*rule));
      } else {
        loaded.disabled.push_back(rule->id);
      }
    }
    loaded.summary.enabled = loaded.enabled.size();
    loaded.summary.disabled = loaded.disabled.size();
    sort_problems();
    return loaded;
  }

 private:
  // ---- reader ----

  void read_file(size_t file, std::vector<RuleSpec>* out) {
    const RuleFile& source = files_[file];
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(source.text);
    } catch (const YAML::Exception& e) {
      problem(file, e.mark, "", e.msg);
      return;
    }
    for (const YAML::Node& root : documents) {
      try {
        read_document(file, root, out);
      } catch (const YAML::Exception& e) {
        // Our reads check node types first; this guards against what they missed.
        problem(file, e.mark, "", e.msg);
      }
    }
  }

  void read_document(size_t file, const YAML::Node& root, std::vector<RuleSpec>* out) {
    if (root.IsNull()) return;  // an empty file or document
    if (!root.IsMap()) {
      problem(file, root.Mark(), "", "a rule file holds one rule (a map) or `rules: [...]`");
      return;
    }
    bool has_rules = false;
    for (const auto& pair : root) {
      if (pair.first.IsScalar() && pair.first.Scalar() == "rules") has_rules = true;
    }
    if (!has_rules) {
      read_rule(file, root, 1, out);
      return;
    }
    for (const auto& pair : root) {
      if (!pair.first.IsScalar() || pair.first.Scalar() != "rules") {
        problem(file, pair.first.Mark(), "",
                "unexpected key `" + (pair.first.IsScalar() ? pair.first.Scalar() : "?") +
                    "` beside `rules`");
      }
    }
    const YAML::Node list = root["rules"];
    if (list.IsNull()) return;
    if (!list.IsSequence()) {
      problem(file, list.Mark(), "", "`rules` is a list of rules");
      return;
    }
    size_t index = 0;
    for (const YAML::Node& rule : list) read_rule(file, rule, ++index, out);
  }

  void read_rule(size_t file, const YAML::Node& node, size_t index, std::vector<RuleSpec>* out) {
    std::string label = "#" + std::to_string(index);
    if (!node.IsMap()) {
      problem(file, node.Mark(), label, "a rule is a map of `id`, `condition`, ...");
      return;
    }
    // Name the rule by its id in every problem, once it has a usable one.
    for (const auto& pair : node) {
      if (pair.first.IsScalar() && pair.first.Scalar() == "id" && pair.second.IsScalar() &&
          is_kebab_case(pair.second.Scalar())) {
        label = pair.second.Scalar();
        break;
      }
    }
    RuleSpec spec;
    spec.file = file;
    spec.mark = node.Mark();
    for (const auto& pair : node) {
      if (!pair.first.IsScalar()) {
        problem(file, pair.first.Mark(), label, "a rule's keys are names such as `condition`");
        continue;
      }
      const std::string& key = pair.first.Scalar();
      if (std::find(std::begin(kRuleKeys), std::end(kRuleKeys), key) == std::end(kRuleKeys)) {
        problem(file, pair.first.Mark(), label, "unknown key `" + key + "`",
                did_you_mean(nearest_name(key, kRuleKeys)));
        continue;
      }
      if (!spec.entries.emplace(key, Entry{pair.first, pair.second, file}).second) {
        problem(file, pair.first.Mark(), label, "`" + key + "` is given twice");
      }
    }
    const Entry* id = spec.find("id");
    if (id == nullptr) {
      problem(file, spec.mark, label, "missing `id`");
      return;
    }
    if (!id->value.IsScalar()) {
      problem(file, id->value.Mark(), label, "`id` is a kebab-case name such as `my-rule`");
      return;
    }
    spec.id = id->value.Scalar();
    if (!is_kebab_case(spec.id)) {
      std::string suggestion = kebab_case(spec.id);
      problem(file, id->value.Mark(), label,
              "id `" + spec.id + "` is not kebab-case (a-z, 0-9 and single dashes, at most " +
                  std::to_string(kMaxIdLength) + " characters)",
              suggestion.empty() ? std::string() : did_you_mean(suggestion));
      return;
    }
    out->push_back(std::move(spec));
  }

  // ---- collector ----

  std::vector<RuleSpec> collect(std::vector<RuleSpec> entries, LoadSummary* summary) {
    std::vector<RuleSpec> rules;
    std::vector<RuleSpec> patches;
    std::unordered_map<std::string, size_t> by_id;
    // Definitions first, so a patch may name a rule defined in any file.
    for (RuleSpec& spec : entries) {
      if (!spec.is_definition()) {
        patches.push_back(std::move(spec));
        continue;
      }
      const bool builtin = files_[spec.file].builtin;
      (builtin ? summary->builtin : summary->user)++;
      auto [it, inserted] = by_id.emplace(spec.id, rules.size());
      if (inserted) {
        rules.push_back(std::move(spec));
        continue;
      }
      RuleSpec& existing = rules[it->second];
      if (files_[existing.file].builtin && !builtin) {
        // A user definition replaces the built-in rule in its place.
        ++summary->overridden;
        existing = std::move(spec);
        continue;
      }
      problem(spec.file, spec.mark, spec.id,
              "duplicate id: already defined at " + origin(existing.file, existing.mark));
    }
    std::vector<std::string_view> ids;
    for (const RuleSpec& rule : rules) ids.push_back(rule.id);
    for (RuleSpec& patch : patches) {
      auto it = by_id.find(patch.id);
      if (it == by_id.end()) {
        std::string hint = did_you_mean(nearest_name(patch.id, ids));
        problem(patch.file, patch.mark, patch.id,
                "no rule `" + patch.id +
                    "` to change; a new rule needs a `condition`, and an entry without one "
                    "changes a rule defined elsewhere",
                hint);
        continue;
      }
      RuleSpec& target = rules[it->second];
      bool changes_more_than_enabled = false;
      for (auto& [key, entry] : patch.entries) {
        if (key == "id") continue;
        if (key != "enabled") changes_more_than_enabled = true;
        target.entries.insert_or_assign(key, entry);
      }
      if (changes_more_than_enabled) ++summary->patched;
    }
    return rules;
  }

  // ---- compiler ----

  std::optional<CompiledRule> compile(const RuleSpec& spec, bool* enabled) {
    const size_t problems_before = problems_->size();
    CompiledRule rule;
    rule.id = spec.id;
    rule.origin = origin(spec.file, spec.mark);
    rule.builtin = files_[spec.file].builtin;
    try {
      rule.name = optional_string(spec, "name").value_or(spec.id);
      rule.description = optional_string(spec, "description").value_or("");
      compile_severity(spec, &rule.severity);
      compile_references(spec, &rule.references);
      compile_condition_entry(spec, &rule);
      compile_threshold(spec, &rule.threshold);
      compile_facts(spec, &rule.facts);
      compile_output(spec, rule.name, &rule.output);
      compile_tags(spec, &rule.tags);
      *enabled = compile_enabled(spec);
    } catch (const YAML::Exception& e) {
      problem(spec.file, e.mark, spec.id, e.msg);
    }
    if (problems_->size() > problems_before) return std::nullopt;
    return rule;
  }

  std::optional<std::string> optional_string(const RuleSpec& spec, std::string_view key) {
    const Entry* entry = spec.find(key);
    if (entry == nullptr) return std::nullopt;
    if (!entry->value.IsScalar()) {
      problem(*entry, entry->value.Mark(), spec.id, "`" + std::string(key) + "` is a string");
      return std::nullopt;
    }
    return entry->value.Scalar();
  }

  void compile_severity(const RuleSpec& spec, Severity* severity) {
    const Entry* entry = spec.find("severity");
    if (entry == nullptr) {
      problem(spec.file, spec.mark, spec.id,
              "missing `severity` (info, low, medium, high or critical)");
      return;
    }
    const std::string text = entry->value.IsScalar() ? entry->value.Scalar() : std::string();
    if (!parse_severity(text, severity)) {
      problem(*entry, entry->value.Mark(), spec.id,
              "severity `" + text + "` is not one of info, low, medium, high, critical",
              did_you_mean(nearest_name(text, kSeverityNames)));
    }
  }

  void compile_references(const RuleSpec& spec, References* references) {
    const Entry* entry = spec.find("references");
    if (entry == nullptr || entry->value.IsNull()) return;
    if (!entry->value.IsMap()) {
      problem(*entry, entry->value.Mark(), spec.id,
              "`references` maps owasp_nhi, owasp_agentic and nist_csf to lists of ids");
      return;
    }
    for (const auto& pair : entry->value) {
      const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : std::string();
      std::vector<std::string>* list = nullptr;
      bool (*valid)(std::string_view) = nullptr;
      std::string_view expected;
      if (key == "owasp_nhi") {
        list = &references->owasp_nhi;
        valid = is_owasp_nhi_id;
        expected = "an OWASP NHI Top 10 id, NHI1 to NHI10";
      } else if (key == "owasp_agentic") {
        list = &references->owasp_agentic;
        valid = is_owasp_agentic_id;
        expected = "an OWASP Agentic Top 10 id, ASI01 to ASI10";
      } else if (key == "nist_csf") {
        list = &references->nist_csf;
        valid = is_nist_csf_id;
        expected = "a NIST CSF 2.0 category or subcategory such as PR.AA or PR.AA-05";
      } else {
        problem(*entry, pair.first.Mark(), spec.id, "unknown reference list `" + key + "`",
                did_you_mean(nearest_name(key, kReferenceKeys)));
        continue;
      }
      if (!pair.second.IsSequence()) {
        problem(*entry, pair.second.Mark(), spec.id, "`" + key + "` is a list of ids");
        continue;
      }
      for (const YAML::Node& item : pair.second) {
        const std::string id = item.IsScalar() ? item.Scalar() : std::string();
        if (!valid(id)) {
          problem(*entry, item.Mark(), spec.id, "`" + id + "` is not " + std::string(expected));
          continue;
        }
        list->push_back(id);
      }
    }
  }

  void compile_condition_entry(const RuleSpec& spec, CompiledRule* rule) {
    const Entry* entry = spec.find("condition");
    if (entry == nullptr) return;  // the collector only keeps definitions
    if (!entry->value.IsScalar()) {
      problem(*entry, entry->value.Mark(), spec.id, "`condition` is a string");
      return;
    }
    const std::string& text = entry->value.Scalar();
    std::vector<TextProblem> text_problems;
    std::optional<Program> program = compile_condition(text, &text_problems);
    for (const TextProblem& text_problem : text_problems) {
      problem_in_text(*entry, text, spec.id, text_problem);
    }
    if (program) {
      rule->class_mask = program->class_mask();
      rule->condition = std::move(*program);
    }
  }

  void compile_threshold(const RuleSpec& spec, std::optional<Threshold>* out) {
    const Entry* entry = spec.find("threshold");
    if (entry == nullptr || entry->value.IsNull()) return;
    const YAML::Node& node = entry->value;
    if (!node.IsMap()) {
      problem(*entry, node.Mark(), spec.id,
              "`threshold` is a map such as {count: 20, window: 60s, group_by: actor.id}");
      return;
    }
    Threshold threshold;
    bool ok = true;
    bool has_count = false;
    bool has_window = false;
    for (const auto& pair : node) {
      const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : std::string();
      const std::string value = pair.second.IsScalar() ? pair.second.Scalar() : std::string();
      if (key == "count") {
        has_count = true;
        uint64_t count = 0;
        auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), count);
        if (error != std::errc() || ptr != value.data() + value.size() || count < 1 ||
            count > kMaxThresholdCount) {
          problem(*entry, pair.second.Mark(), spec.id,
                  "threshold count `" + value + "` is not an integer from 1 to " +
                      std::to_string(kMaxThresholdCount));
          ok = false;
          continue;
        }
        threshold.count = static_cast<uint32_t>(count);
      } else if (key == "window") {
        has_window = true;
        int64_t window = 0;
        if (!parse_duration(value, &window) || window <= 0 || window > kMaxThresholdWindowUs) {
          problem(*entry, pair.second.Mark(), spec.id,
                  "threshold window `" + value +
                      "` is not a duration from 1us to 7d (such as 60s, 15m, 1h)");
          ok = false;
          continue;
        }
        threshold.window_us = window;
      } else if (key == "group_by") {
        std::optional<FieldId> field = find_field(value);
        if (!field) {
          problem(*entry, pair.second.Mark(), spec.id, "unknown field `" + value + "` in group_by",
                  did_you_mean(nearest_field(value)));
          ok = false;
          continue;
        }
        if (field_info(*field).type != FieldType::kString) {
          problem(*entry, pair.second.Mark(), spec.id,
                  "group_by needs a string field such as actor.id; `" + value + "` is not one");
          ok = false;
          continue;
        }
        threshold.group_by = *field;
      } else {
        problem(*entry, pair.first.Mark(), spec.id, "unknown threshold key `" + key + "`",
                did_you_mean(nearest_name(key, kThresholdKeys)));
        ok = false;
      }
    }
    if (!has_count) {
      problem(*entry, node.Mark(), spec.id, "threshold needs `count`");
      ok = false;
    }
    if (!has_window) {
      problem(*entry, node.Mark(), spec.id, "threshold needs `window`");
      ok = false;
    }
    if (ok) *out = threshold;
  }

  void compile_facts(const RuleSpec& spec, std::vector<FieldId>* facts) {
    const Entry* entry = spec.find("facts");
    if (entry == nullptr || entry->value.IsNull()) return;
    if (!entry->value.IsSequence()) {
      problem(*entry, entry->value.Mark(), spec.id, "`facts` is a list of field names");
      return;
    }
    for (const YAML::Node& item : entry->value) {
      const std::string name = item.IsScalar() ? item.Scalar() : std::string();
      std::optional<FieldId> field = find_field(name);
      if (!field) {
        problem(*entry, item.Mark(), spec.id, "unknown field `" + name + "` in facts",
                did_you_mean(nearest_field(name)));
        continue;
      }
      if (std::find(facts->begin(), facts->end(), *field) != facts->end()) {
        problem(*entry, item.Mark(), spec.id, "fact `" + name + "` is listed twice");
        continue;
      }
      facts->push_back(*field);
    }
  }

  void compile_output(const RuleSpec& spec, const std::string& name, OutputTemplate* output) {
    const Entry* entry = spec.find("output");
    if (entry == nullptr) {
      *output = OutputTemplate::literal(name);
      return;
    }
    if (!entry->value.IsScalar()) {
      problem(*entry, entry->value.Mark(), spec.id, "`output` is a string");
      return;
    }
    const std::string& text = entry->value.Scalar();
    std::vector<TextProblem> text_problems;
    std::optional<OutputTemplate> compiled = compile_template(text, &text_problems);
    for (const TextProblem& text_problem : text_problems) {
      problem_in_text(*entry, text, spec.id, text_problem);
    }
    if (compiled) *output = std::move(*compiled);
  }

  void compile_tags(const RuleSpec& spec, std::vector<std::string>* tags) {
    const Entry* entry = spec.find("tags");
    if (entry == nullptr || entry->value.IsNull()) return;
    if (!entry->value.IsSequence()) {
      problem(*entry, entry->value.Mark(), spec.id, "`tags` is a list of strings");
      return;
    }
    for (const YAML::Node& item : entry->value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        problem(*entry, item.Mark(), spec.id, "a tag is a non-empty string");
        continue;
      }
      tags->push_back(item.Scalar());
    }
  }

  bool compile_enabled(const RuleSpec& spec) {
    const Entry* entry = spec.find("enabled");
    if (entry == nullptr) return true;
    std::string text = entry->value.IsScalar() ? entry->value.Scalar() : std::string();
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (text == "true") return true;
    if (text == "false") return false;
    problem(*entry, entry->value.Mark(), spec.id, "`enabled` is true or false");
    return true;
  }

  // ---- problems ----

  std::string origin(size_t file, const YAML::Mark& mark) const {
    std::string out = files_[file].origin;
    if (mark.line >= 0) out += ":" + std::to_string(mark.line + 1);
    return out;
  }

  void problem(const Entry& entry, const YAML::Mark& mark, std::string_view rule,
               std::string message, std::string hint = {}) {
    problem(entry.file, mark, rule, std::move(message), std::move(hint));
  }

  void problem(size_t file, const YAML::Mark& mark, std::string_view rule, std::string message,
               std::string hint = {}) {
    LoadProblem out;
    if (file < files_.size()) out.file = files_[file].origin;
    if (mark.line >= 0) {
      out.line = mark.line + 1;
      out.column = mark.column + 1;
      out.snippet = source_line(file, mark.line);
    }
    out.rule = std::string(rule);
    out.message = std::move(message);
    out.hint = std::move(hint);
    problem_files_.push_back(file);
    problems_->push_back(std::move(out));
  }

  // A problem at `offset` within the text of a scalar: finds where that byte sits in the file,
  // whatever the scalar's style (plain, quoted with escapes, folded or literal block).
  void problem_in_text(const Entry& entry, std::string_view value, std::string_view rule,
                       const TextProblem& text_problem) {
    const std::string& source = files_[entry.file].text;
    const YAML::Mark start = entry.value.Mark();
    if (start.pos < 0 || static_cast<size_t>(start.pos) >= source.size()) {
      problem(entry, start, rule, text_problem.message, text_problem.hint);
      return;
    }
    size_t p = static_cast<size_t>(start.pos);
    const char first = source[p];
    if (first == '"' || first == '\'') {
      ++p;
    } else if (first == '|' || first == '>') {
      size_t newline = source.find('\n', p);
      p = newline == std::string::npos ? source.size() : newline + 1;
    }
    const size_t offset = std::min(text_problem.offset, value.size());
    size_t i = 0;
    while (i < offset && p < source.size()) {
      if (value[i] == source[p]) {
        ++i;
        ++p;
      } else if (is_space(source[p])) {
        ++p;  // indentation or a line break that folding turned into nothing or a space
      } else if (is_space(value[i])) {
        ++i;  // a space that folding made of a line break
      } else {
        ++p;  // an escape sequence or a doubled quote
      }
    }
    if (offset < value.size()) {
      while (p < source.size() && source[p] != value[offset] && is_space(source[p])) ++p;
    }
    p = std::min(p, source.size());
    YAML::Mark mark;
    mark.pos = static_cast<int>(p);
    mark.line = static_cast<int>(std::count(source.begin(), source.begin() + p, '\n'));
    size_t line_start = 0;
    if (p > 0) {
      size_t newline = source.rfind('\n', p - 1);
      line_start = newline == std::string::npos ? 0 : newline + 1;
    }
    mark.column = static_cast<int>(p - line_start);
    problem(entry, mark, rule, text_problem.message, text_problem.hint);
  }

  std::string source_line(size_t file, int line) const {
    if (file >= files_.size() || line < 0) return {};
    const std::string& text = files_[file].text;
    size_t start = 0;
    for (int n = 0; n < line; ++n) {
      start = text.find('\n', start);
      if (start == std::string::npos) return {};
      ++start;
    }
    size_t end = text.find('\n', start);
    std::string out =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return out;
  }

  // Problems in file order, then line and column; the stages find them in another order.
  void sort_problems() {
    std::vector<size_t> order(problems_->size() - first_problem_);
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const LoadProblem& x = (*problems_)[first_problem_ + a];
      const LoadProblem& y = (*problems_)[first_problem_ + b];
      return std::tie(problem_files_[a], x.line, x.column) <
             std::tie(problem_files_[b], y.line, y.column);
    });
    std::vector<LoadProblem> sorted;
    for (size_t i : order) sorted.push_back(std::move((*problems_)[first_problem_ + i]));
    std::move(sorted.begin(), sorted.end(), problems_->begin() + first_problem_);
  }

  std::span<const RuleFile> files_;
  std::vector<LoadProblem>* problems_;
  const size_t first_problem_ = problems_->size();
  std::vector<size_t> problem_files_;  // the file index of each problem this loader added
};

}  // namespace

LoadedRules load_rules(std::span<const RuleFile> files, std::vector<LoadProblem>* problems) {
  return Loader(files, problems).run();
}

}  // namespace detail

std::string_view severity_name(Severity severity) {
  return detail::kSeverityNames[static_cast<size_t>(severity)];
}

bool parse_severity(std::string_view text, Severity* out) {
  for (size_t i = 0; i < std::size(detail::kSeverityNames); ++i) {
    if (detail::kSeverityNames[i] == text) {
      *out = static_cast<Severity>(i);
      return true;
    }
  }
  return false;
}

}  // namespace aw::rules
