// agentwatch rules check: compiles the built-in rule pack plus the given directories or files,
// prints every problem (file:line:column, rule, reason, hint, and the line it points into), then
// one summary line. Exit 0 when clean, 1 on any problem, 2 when a path does not exist or cannot
// be read.
#include "tools/rules_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_set.h"
#include "tools/command.h"

namespace aw::tools {
namespace {

struct RulesCheckOptions {
  std::vector<std::string> paths;
};

// "    condition: nope and x\n                ^" under a problem, tabs kept so the caret lines up.
void print_snippet(const rules::LoadProblem& problem) {
  if (problem.snippet.empty()) return;
  std::string caret;
  for (int i = 0; i + 1 < problem.column && i < static_cast<int>(problem.snippet.size()); ++i) {
    caret += problem.snippet[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
  }
  std::printf("    %s\n    %s^\n", problem.snippet.c_str(), caret.c_str());
}

std::string plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string summary_line(const rules::LoadSummary& summary, size_t problems) {
  return "rules check: " + plural(summary.enabled, "rule", "rules") + " enabled (" +
         std::to_string(summary.builtin) + " built-in, " + std::to_string(summary.user) +
         " user), " + std::to_string(summary.overridden) + " overridden, " +
         std::to_string(summary.patched) + " patched, " + std::to_string(summary.disabled) +
         " disabled, from " + plural(summary.files, "file", "files") + "; " +
         (problems == 0 ? std::string("no problems") : plural(problems, "problem", "problems"));
}

int run_rules_check(const RulesCheckOptions& options) {
  rules::RuleSetOptions set_options;
  set_options.paths = options.paths;
  rules::LoadReport report;
  auto set = rules::RuleSet::load(set_options, &report);
  if (!set.ok() && set.status().code() != StatusCode::kInvalidArgument) {
    // A missing or unreadable path: nothing was checked.
    std::fprintf(stderr, "agentwatch rules check: %s\n", set.status().message().c_str());
    return kExitCannotRun;
  }
  for (const rules::LoadProblem& problem : report.problems) {
    std::printf("%s\n", problem.to_string().c_str());
    print_snippet(problem);
  }
  std::printf("%s\n", summary_line(report.summary, report.problems.size()).c_str());
  return report.problems.empty() ? kExitOk : kExitCheckFailed;
}

void add_rules_check_command(CLI::App& rules, int& exit_code) {
  auto options = std::make_shared<RulesCheckOptions>();
  CLI::App* check = rules.add_subcommand(
      "check", "Compile the built-in rules plus rule directories or files; print every problem");
  check->add_option("paths", options->paths,
                    "Directories (their *.yaml and *.yml files) or rule files");
  check->callback([options, &exit_code] { exit_code = run_rules_check(*options); });
}

}  // namespace

void add_rules_command(CLI::App& app, int& exit_code) {
  CLI::App* rules = app.add_subcommand("rules", "Validate rule files and run rule fixtures");
  rules->require_subcommand(1);
  add_rules_check_command(*rules, exit_code);
  add_rules_test_command(*rules, exit_code);
}

}  // namespace aw::tools
