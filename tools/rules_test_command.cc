// agentwatch rules test: runs rule fixtures (detect/rule_fixture.h) against the built-in rules
// plus any --rules paths. Prints one line per failing case with what was expected and what
// fired, then a summary. Exit 0 when every case passes, 1 when any fails or a fixture is
// malformed, 2 when a path does not exist or the rules do not compile.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "detect/rule_fixture.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"
#include "tools/command.h"
#include "tools/rules_command.h"

namespace aw::tools {
namespace {

struct RulesTestOptions {
  std::vector<std::string> fixtures;
  std::vector<std::string> rule_paths;
  bool verbose = false;
};

std::string join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

int run_rules_test(const RulesTestOptions& options) {
  rules::RuleSetOptions set_options;
  set_options.paths = options.rule_paths;
  auto set = rules::RuleSet::load(set_options);
  if (!set.ok()) {
    std::fprintf(stderr, "agentwatch rules test: %s\n", set.status().message().c_str());
    return kExitCannotRun;
  }
  std::vector<std::string> files;
  for (const std::string& path : options.fixtures) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(entry.path().string());
        }
      }
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "agentwatch rules test: %s: no such file or directory\n", path.c_str());
      return kExitCannotRun;
    }
  }
  std::sort(files.begin(), files.end());
  size_t cases = 0;
  size_t failed = 0;
  size_t bad_files = 0;
  for (const std::string& file : files) {
    auto results = detect::run_rule_fixture_file(file, *set, rules::ActionClassTable::builtin());
    if (!results.ok()) {
      std::printf("ERROR %s\n", results.status().message().c_str());
      ++bad_files;
      continue;
    }
    for (const detect::FixtureCaseResult& result : *results) {
      ++cases;
      if (result.passed()) {
        if (options.verbose)
          std::printf("ok    %s: %s\n", result.rule.c_str(), result.name.c_str());
        continue;
      }
      ++failed;
      if (!result.error.empty()) {
        std::printf("FAIL  %s: %s (%s): %s\n", result.rule.c_str(), result.name.c_str(),
                    result.file.c_str(), result.error.c_str());
      } else {
        std::printf("FAIL  %s: %s (%s): expected %s, fired %s\n", result.rule.c_str(),
                    result.name.c_str(), result.file.c_str(), join(result.expected).c_str(),
                    join(result.fired).c_str());
      }
    }
  }
  std::printf("rules test: %zu fixture files, %zu cases, %zu passed, %zu failed%s\n", files.size(),
              cases, cases - failed, failed,
              bad_files ? (", " + std::to_string(bad_files) + " malformed files").c_str() : "");
  return failed == 0 && bad_files == 0 ? kExitOk : kExitCheckFailed;
}

}  // namespace

void add_rules_test_command(CLI::App& rules, int& exit_code) {
  auto options = std::make_shared<RulesTestOptions>();
  CLI::App* test = rules.add_subcommand(
      "test", "Run rule fixtures: events against a registry, and the alerts a rule must raise");
  test->add_option("fixtures", options->fixtures, "Fixture files or directories of them")
      ->required();
  test->add_option("--rules", options->rule_paths,
                   "Extra rule directories or files, loaded beside the built-in pack");
  test->add_flag("-v,--verbose", options->verbose, "Print passing cases too");
  test->callback([options, &exit_code] { exit_code = run_rules_test(*options); });
}

}  // namespace aw::tools
