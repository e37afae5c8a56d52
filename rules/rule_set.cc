#include "rules/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "rules/embedded_files.h"

namespace aw::rules {
namespace {

namespace fs = std::filesystem;

Status read_text(const fs::path& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path.string() + ": cannot open the rule file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::io_error(path.string() + ": cannot read the rule file");
  *text = buffer.str();
  return Status::ok_status();
}

bool is_rule_file(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string extension = path.extension().string();
  return !name.empty() && name[0] != '.' && (extension == ".yaml" || extension == ".yml");
}

// Appends the rule files of a directory (sorted by name) or the file itself.
Status add_path(const std::string& path, std::vector<detail::RuleFile>* files) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return Status::not_found(path + ": no such rule directory or file");
  }
  std::vector<fs::path> found;
  if (fs::is_directory(status)) {
    fs::directory_iterator it(path, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
      if (is_rule_file(it->path()) && it->is_regular_file(error)) found.push_back(it->path());
    }
    if (error) return Status::io_error(path + ": cannot list the directory: " + error.message());
    std::sort(found.begin(), found.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  } else {
    found.push_back(path);
  }
  for (const fs::path& file : found) {
    detail::RuleFile rule_file;
    rule_file.origin = file.string();
    AW_RETURN_IF_ERROR(read_text(file, &rule_file.text));
    files->push_back(std::move(rule_file));
  }
  return Status::ok_status();
}

}  // namespace

Result<RuleSet> RuleSet::load(const RuleSetOptions& options, LoadReport* report) {
  std::vector<detail::RuleFile> files;
  if (options.include_builtin) {
    for (const embedded::EmbeddedFile& file : embedded::kBuiltinPack) {
      files.push_back(
          {"rules/packs/builtin/" + std::string(file.name), std::string(file.text), true});
    }
  }
  for (const std::string& path : options.paths) AW_RETURN_IF_ERROR(add_path(path, &files));
  for (const RuleSource& source : options.sources) {
    files.push_back({source.origin, source.text, false});
  }

  std::vector<LoadProblem> problems;
  detail::LoadedRules loaded = detail::load_rules(files, &problems);
  if (report != nullptr) {
    report->problems = problems;
    report->summary = loaded.summary;
  }
  if (!problems.empty()) {
    std::string message;
    for (const LoadProblem& problem : problems) {
      if (!message.empty()) message += '\n';
      message += problem.to_string();
    }
    return Status::invalid_argument(std::move(message));
  }
  RuleSet set;
  set.rules_ = std::move(loaded.enabled);
  set.disabled_ = std::move(loaded.disabled);
  set.summary_ = loaded.summary;
  set.build_index();
  return set;
}

void RuleSet::build_index() {
  // The loader refuses more than 65,535 rules, so every index fits.
  candidates_.clear();
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    offsets_[c] = static_cast<uint32_t>(candidates_.size());
    const uint16_t bit = class_bit(static_cast<ingest::ActionClass>(c));
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].class_mask & bit) candidates_.push_back(static_cast<uint16_t>(i));
    }
  }
  offsets_[ingest::kActionClassCount] = static_cast<uint32_t>(candidates_.size());

  by_id_.resize(rules_.size());
  for (size_t i = 0; i < rules_.size(); ++i) by_id_[i] = static_cast<uint16_t>(i);
  std::sort(by_id_.begin(), by_id_.end(),
            [this](uint16_t a, uint16_t b) { return rules_[a].id < rules_[b].id; });
}

std::span<const uint16_t> RuleSet::candidates(ingest::ActionClass action_class) const {
  const auto c = static_cast<size_t>(action_class);
  if (c >= static_cast<size_t>(ingest::kActionClassCount)) return {};
  return std::span<const uint16_t>(candidates_.data() + offsets_[c], offsets_[c + 1] - offsets_[c]);
}

const CompiledRule* RuleSet::find(std::string_view id) const {
  auto it =
      std::lower_bound(by_id_.begin(), by_id_.end(), id,
                       [this](uint16_t i, std::string_view key) { return rules_[i].id < key; });
  if (it == by_id_.end() || rules_[*it].id != id) return nullptr;
  return &rules_[*it];
}

}  // namespace aw::rules
