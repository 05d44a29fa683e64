// Result<T>: a value or a human-readable error, for failures at a boundary (config, files,
// sockets).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "ballast/core/invariant.hpp"

namespace ballast {

/// A boundary failure: a message that names what was wrong and what was expected.
struct Error {
  std::string message;
};

/// Holds either a T or an Error. Reading the wrong alternative is a broken invariant.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& {
    BALLAST_INVARIANT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  T& value() & {
    BALLAST_INVARIANT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    BALLAST_INVARIANT(ok(), "Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  const Error& error() const& {
    BALLAST_INVARIANT(!ok(), "Result::error() on a value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace ballast
