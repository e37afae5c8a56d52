// ServeProcess: the real agentwatch binary running in the background (serve, or a replay with
// --metrics-port), its stderr in a file, waited for until it prints the port it listens on.
// Stopped with SIGTERM (graceful stop) and reaped; killed if it does not end.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace aw::testing {

class ServeProcess {
 public:
  // Starts AW_BINARY with `args`; waits up to `timeout` for a stderr line matching
  // `ready` (its first group is the port). Null when the process ended first or never said.
  static std::unique_ptr<ServeProcess> start(
      const std::vector<std::string>& args, std::string* err_text,
      const std::string& ready = R"(listening on \S+:(\d+))",
      std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto p = std::unique_ptr<ServeProcess>(new ServeProcess());
    p->err_file_ = p->dir_.file("stderr");
    std::vector<std::string> argv_text = {AW_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid == 0) {
      int err = ::open(p->err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(err, 2);
      ::dup2(null, 1);
      ::dup2(null, 0);
      std::vector<char*> argv;
      for (auto& a : argv_text) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    p->pid_ = pid;
    const std::regex pattern(ready);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = read_file(p->err_file_);
      std::smatch match;
      if (std::regex_search(text, match, pattern)) {
        p->port_ = std::stoi(match[1]);
        return p;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        p->pid_ = -1;
        p->exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (err_text) *err_text = read_file(p->err_file_);
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (err_text) *err_text = "timed out; stderr: " + read_file(p->err_file_);
    return nullptr;
  }

  ~ServeProcess() { stop(); }
  int port() const { return port_; }
  std::string err() const { return read_file(err_file_); }
  pid_t pid() const { return pid_; }

  // SIGTERM, then the exit code (-1 when it had to be killed).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return exit_code_ = -1;
  }
  // Waits for the process to end by itself (a replay), up to `timeout`.
  int wait(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return stop();
  }

 private:
  ServeProcess() = default;
  TempDir dir_;
  std::string err_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
};

}  // namespace aw::testing
