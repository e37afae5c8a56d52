#include "ingest/formats/bash_command.h"

#include <cctype>

namespace aw::ingest {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_word_ci(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < word.size() && lower(text[i + j]) == word[j]) ++j;
    if (j != word.size()) continue;
    bool starts =
        i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_');
    size_t end = i + word.size();
    bool ends = end == text.size() ||
                !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
    if (starts && ends) return true;
  }
  return false;
}

// Splits a command segment into words, honouring single and double quotes (the quotes stay).
class Words {
 public:
  explicit Words(std::string_view text) : text_(text) {}
  bool next(std::string_view* word) {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (pos_ >= text_.size()) return false;
    size_t start = pos_;
    char quote = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (is_space(c)) {
        break;
      }
      ++pos_;
    }
    *word = text_.substr(start, pos_ - start);
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::string_view basename(std::string_view word) {
  size_t slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

bool is_assignment(std::string_view word) {
  size_t eq = word.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = word[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// One simple command (no separators). `found` is set when it is destructive.
CommandClass classify_segment(std::string_view segment, bool* destructive) {
  *destructive = false;
  Words words(segment);
  std::string_view word;
  std::string_view program;
  while (words.next(&word)) {
    if (is_assignment(word)) continue;
    std::string_view name = basename(word);
    if (name == "sudo" || name == "env" || name == "xargs" || name == "time" || name == "nohup" ||
        name == "exec" || name == "command") {
      continue;
    }
    program = name;
    break;
  }
  if (program.empty()) return {};
  CommandClass result{program, ActionClass::kExec};
  if (program == "rm") {
    bool recursive = false, force = false;
    while (words.next(&word)) {
      if (word == "--recursive") recursive = true;
      if (word == "--force") force = true;
      if (word.size() > 1 && word[0] == '-' && word[1] != '-') {
        for (char c : word.substr(1)) {
          recursive |= c == 'r' || c == 'R';
          force |= c == 'f';
        }
      }
    }
    *destructive = true;
    result.action_class = ActionClass::kDelete;
    result.verb = recursive && force ? "rm -rf" : "rm";
    return result;
  }
  if (program == "git") {
    std::string_view sub;
    while (words.next(&word)) {
      if (word[0] != '-') {
        sub = word;
        break;
      }
    }
    if (sub != "push") return result;
    bool forced = false;
    while (words.next(&word)) {
      forced |= word == "--force" || word == "-f" || word.substr(0, 18) == "--force-with-lease" ||
                (word.size() > 1 && word[0] == '+');
      if (word.size() > 1 && word[0] == '-' && word[1] != '-') {
        forced |= word.find('f') != std::string_view::npos;
      }
    }
    result.verb = forced ? "git push --force" : "git push";
    result.action_class = forced ? ActionClass::kDelete : ActionClass::kWrite;
    *destructive = forced;
    return result;
  }
  if (program == "kubectl" || program == "terraform" || program == "tofu") {
    // The subcommand is the first known one: flags and their values (-n prod) come before it.
    static constexpr std::string_view kSubcommands[] = {
        "delete", "get",     "describe", "logs",    "apply", "create",  "patch",
        "edit",   "replace", "scale",    "rollout", "exec",  "destroy", "plan",
        "show",   "output",  "validate", "import",  "taint", "init"};
    std::string_view sub;
    bool destroy_flag = false;
    while (words.next(&word)) {
      if (word == "-destroy" || word == "--destroy") destroy_flag = true;
      if (!sub.empty()) continue;
      for (std::string_view known : kSubcommands) {
        if (word == known) sub = word;
      }
    }
    if (program == "kubectl") {
      if (sub == "delete") {
        *destructive = true;
        return {"kubectl delete", ActionClass::kDelete};
      }
      if (sub == "get" || sub == "describe" || sub == "logs") return {program, ActionClass::kRead};
      if (sub == "apply" || sub == "create" || sub == "patch" || sub == "edit" ||
          sub == "replace" || sub == "scale" || sub == "rollout") {
        return {program, ActionClass::kWrite};
      }
      return result;
    }
    if (sub == "destroy" || (sub == "apply" && destroy_flag)) {
      *destructive = true;
      return {"terraform destroy", ActionClass::kDelete};
    }
    if (sub == "apply" || sub == "import" || sub == "taint") return {program, ActionClass::kWrite};
    if (sub == "plan" || sub == "show" || sub == "output" || sub == "validate") {
      return {program, ActionClass::kRead};
    }
    return result;
  }
  if (program == "psql") {
    // The statement may sit in -c, in a heredoc or a pipe: look at the whole segment.
    if (contains_word_ci(segment, "drop")) {
      *destructive = true;
      return {"psql DROP", ActionClass::kDelete};
    }
    if (contains_word_ci(segment, "truncate")) {
      *destructive = true;
      return {"psql TRUNCATE", ActionClass::kDelete};
    }
    return result;
  }
  if (program == "cat" || program == "ls" || program == "grep" || program == "rg" ||
      program == "find" || program == "head" || program == "tail" || program == "wc") {
    result.action_class = ActionClass::kRead;
  }
  return result;
}

}  // namespace

CommandClass classify_shell_command(std::string_view command) {
  CommandClass first;
  bool have_first = false;
  bool saw_psql = false;
  size_t start = 0;
  char quote = 0;
  for (size_t i = 0; i <= command.size(); ++i) {
    char c = i < command.size() ? command[i] : '\n';
    if (quote != 0) {
      if (c == quote) quote = 0;
      if (i < command.size()) continue;
    } else if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    bool separator = c == ';' || c == '|' || c == '&' || c == '\n';
    if (!separator) continue;
    std::string_view segment = command.substr(start, i - start);
    start = i + 1;
    bool destructive = false;
    CommandClass result = classify_segment(segment, &destructive);
    if (destructive) return result;
    saw_psql |= result.verb == "psql";
    if (!have_first && !result.verb.empty()) {
      first = result;
      have_first = true;
    }
  }
  // A statement piped into psql, or in a heredoc after its line, sits in another segment.
  if (saw_psql) {
    if (contains_word_ci(command, "drop")) return {"psql DROP", ActionClass::kDelete};
    if (contains_word_ci(command, "truncate")) return {"psql TRUNCATE", ActionClass::kDelete};
  }
  return first;
}

}  // namespace aw::ingest
