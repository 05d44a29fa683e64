// Timestamps and durations in integer nanoseconds.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>

namespace ballast {

/// A span of time in nanoseconds.
using Duration = std::chrono::nanoseconds;

/// A point in time: nanoseconds since the Unix epoch (UTC). Trivially copyable.
struct Timestamp {
  std::int64_t ns{0};

  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
  friend constexpr Timestamp operator+(Timestamp t, Duration d) noexcept {
    return Timestamp{t.ns + d.count()};
  }
  friend constexpr Timestamp operator-(Timestamp t, Duration d) noexcept {
    return Timestamp{t.ns - d.count()};
  }
  friend constexpr Duration operator-(Timestamp a, Timestamp b) noexcept {
    return Duration{a.ns - b.ns};
  }
  constexpr Timestamp& operator+=(Duration d) noexcept {
    ns += d.count();
    return *this;
  }
};

inline constexpr Timestamp kNoTime{0};

/// The UTC day `t` falls in: days since 1970-01-01, floored (negative before it).
constexpr std::int64_t utc_day(Timestamp t) noexcept {
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  return t.ns >= 0 ? t.ns / kNsPerDay : (t.ns + 1) / kNsPerDay - 1;
}

}  // namespace ballast
