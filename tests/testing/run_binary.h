// Runs the agentwatch binary (AW_BINARY, set by tests/CMakeLists.txt) with arguments, capturing
// its exit code, stdout and stderr through files in a temp dir.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace aw::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

inline RunResult run_agentwatch(const std::vector<std::string>& args,
                                const std::string& stdin_file = "") {
  TempDir io;
  std::string command = shell_quote(AW_BINARY);
  for (const auto& arg : args) command += " " + shell_quote(arg);
  if (!stdin_file.empty()) command += " < " + shell_quote(stdin_file);
  command += " > " + shell_quote(io.file("out")) + " 2> " + shell_quote(io.file("err"));
  int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(io.file("out"));
  result.err = read_file(io.file("err"));
  return result;
}

}  // namespace aw::testing
