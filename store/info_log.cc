#include "store/info_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace aw::store {
namespace {

class TolerantInfoLog : public rocksdb::Logger {
 public:
  TolerantInfoLog(std::string path, int fd, size_t size, size_t max_bytes,
                  rocksdb::InfoLogLevel level)
      : rocksdb::Logger(level),
        path_(std::move(path)),
        fd_(fd),
        size_(size),
        max_bytes_(max_bytes) {}
  ~TolerantInfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[4096];
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
        1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    int prefix = std::snprintf(line, sizeof(line), "%04d/%02d/%02d-%02d:%02d:%02d.%06lld ",
                               utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                               utc.tm_min, utc.tm_sec, static_cast<long long>(micros));
    if (prefix < 0) return;
    int body =
        std::vsnprintf(line + prefix, sizeof(line) - static_cast<size_t>(prefix) - 1, format, ap);
    if (body < 0) return;
    size_t length = std::min(sizeof(line) - 2, static_cast<size_t>(prefix + body));
    if (length == 0 || line[length - 1] != '\n') line[length++] = '\n';
    std::lock_guard<std::mutex> lock(mu_);
    if (size_ + length > max_bytes_) rotate();
    if (fd_ < 0) return;
    ssize_t written = ::write(fd_, line, length);
    if (written > 0) size_ += static_cast<size_t>(written);
    // A failed or short write (a full disk) loses this line only.
  }

 private:
  void rotate() {
    if (fd_ >= 0) ::close(fd_);
    std::rename(path_.c_str(), (path_ + ".old").c_str());
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    size_ = 0;
  }

  std::mutex mu_;
  std::string path_;
  int fd_;
  size_t size_;
  size_t max_bytes_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir, rocksdb::InfoLogLevel level,
                                               size_t max_bytes) {
  std::string path = dir + "/LOG";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  struct stat st {};
  size_t size = ::fstat(fd, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  return std::make_shared<TolerantInfoLog>(std::move(path), fd, size, max_bytes, level);
}

}  // namespace aw::store
