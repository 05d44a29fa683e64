// Broken-invariant handling: a violated invariant stops the process loudly (house style, error kind
// 3).
#pragma once

namespace ballast {

/// Prints "invariant failed" with the expression, message and source position to stderr, then
/// aborts.
[[noreturn]] void invariant_failed(const char* expr, const char* message, const char* file,
                                   int line) noexcept;

}  // namespace ballast

/// Stops the process when `cond` is false. For bugs only, never for bad input.
#define BALLAST_INVARIANT(cond, message)                                 \
  do {                                                                   \
    if (__builtin_expect(!(cond), 0)) {                                  \
      ::ballast::invariant_failed(#cond, (message), __FILE__, __LINE__); \
    }                                                                    \
  } while (0)
