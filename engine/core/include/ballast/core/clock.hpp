// Clocks. Components never read time themselves: the runner reads a clock and passes `now`.
#pragma once

#include <ctime>

#include "ballast/core/time.hpp"

namespace ballast {

/// Wall-clock time from CLOCK_REALTIME. Thread-safe; no allocation.
class LiveClock {
 public:
  Timestamp now() const noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return Timestamp{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
  }
};

/// A clock that only moves when told to: tests and replay. Single-threaded.
class ManualClock {
 public:
  explicit constexpr ManualClock(Timestamp start = Timestamp{0}) noexcept : now_(start) {}

  constexpr Timestamp now() const noexcept { return now_; }
  /// Sets the time; moving backwards is allowed (replay of a new session) but never done silently
  /// by the core loop, which only moves it forward.
  constexpr void set(Timestamp t) noexcept { now_ = t; }
  /// Moves the time forward by `d` and returns the new time.
  constexpr Timestamp advance(Duration d) noexcept {
    now_ += d;
    return now_;
  }

 private:
  Timestamp now_;
};

}  // namespace ballast
