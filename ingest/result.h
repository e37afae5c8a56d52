// aw::Status and aw::Result<T>: the error types of module APIs (opening files, loading
// configuration, compiling rules). The per-event data path does not use them: it reports small
// enum reasons instead (see ingest/decode_error.h). g++ 12 has no <expected> in C++20, so this
// is a deliberately small stand-in with the same shape.
//
// Thread-safety: plain values; safe to move between threads.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace aw {

// Few canonical codes, after absl::StatusCode; the message carries the context.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flags, bad config, bad rule or registry file
  kNotFound,         // missing file, unknown id
  kIoError,          // read/write failures
  kCorruption,       // stored data that fails its checks
  kUnavailable,      // broker or disk temporarily unusable
  kNoSpace,          // the disk is full: retry once space is freed
  kInternal,         // a bug of ours
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string m) {
    return Status(StatusCode::kInvalidArgument, std::move(m));
  }
  static Status not_found(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
  static Status io_error(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
  static Status corruption(std::string m) { return Status(StatusCode::kCorruption, std::move(m)); }
  static Status unavailable(std::string m) {
    return Status(StatusCode::kUnavailable, std::move(m));
  }
  static Status no_space(std::string m) { return Status(StatusCode::kNoSpace, std::move(m)); }
  static Status internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: <message>"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit like std::expected
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(state_).ok() && "a Result must not hold an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace aw

// Returns the Status of a failed expression from the enclosing function.
#define AW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::aw::Status aw_status_ = (expr);        \
    if (!aw_status_.ok()) return aw_status_; \
  } while (0)
