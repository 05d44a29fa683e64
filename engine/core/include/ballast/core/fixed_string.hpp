// FixedString<N>: a trivially copyable, NUL-padded string for ids inside events (ExecID, text).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ballast {

/// Up to N-1 characters stored inline. Longer input is truncated; assign() reports whether it fit.
template <std::size_t N>
struct FixedString {
  std::array<char, N> data{};

  /// Copies `s`; returns false (and keeps a truncated copy) when it does not fit.
  constexpr bool assign(std::string_view s) noexcept {
    const std::size_t n = s.size() < N - 1 ? s.size() : N - 1;
    for (std::size_t i = 0; i < N; ++i) data[i] = i < n ? s[i] : '\0';
    return n == s.size();
  }
  static constexpr FixedString of(std::string_view s) noexcept {
    FixedString f;
    f.assign(s);
    return f;
  }
  constexpr std::string_view view() const noexcept {
    std::size_t n = 0;
    while (n < N && data[n] != '\0') ++n;
    return {data.data(), n};
  }
  constexpr bool empty() const noexcept { return data[0] == '\0'; }
  friend constexpr bool operator==(const FixedString&, const FixedString&) = default;
};

}  // namespace ballast
