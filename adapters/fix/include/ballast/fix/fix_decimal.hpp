// Exact decimal text <-> fixed-point raw integers for FIX fields (Price, Qty). No doubles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ballast {
namespace fix {

/// Parses FIX decimal text ("585.33", "-0.5", "100", "1e3" is refused) into a raw integer with
/// `decimals` fractional digits. False when the text is not a plain decimal, has more fractional
/// digits than `decimals` that are not zeros, or overflows int64.
bool parse_decimal(const char* text, std::size_t len, int decimals, std::int64_t& out) noexcept;
inline bool parse_decimal(const std::string& text, int decimals, std::int64_t& out) noexcept {
  return parse_decimal(text.data(), text.size(), decimals, out);
}

/// Parses FIX decimal text like parse_decimal, but digits beyond `decimals` are rounded half-even
/// (ties to the even raw value) instead of refused: "223.66000000000003" at 9 decimals is
/// 223660000000 raw. `rounded` is set when a non-zero digit was dropped. Leading zeros, trailing
/// zeros, a leading '-', ".5" and "5." are accepted; false for anything else (an exponent, a
/// sign but '-', spaces, no digit) or when the value (after rounding) does not fit int64.
bool parse_decimal_rounded(const char* text, std::size_t len, int decimals, std::int64_t& out,
                           bool& rounded) noexcept;
inline bool parse_decimal_rounded(const std::string& text, int decimals, std::int64_t& out,
                                  bool& rounded) noexcept {
  return parse_decimal_rounded(text.data(), text.size(), decimals, out, rounded);
}

/// Formats a raw integer with `decimals` fractional digits as the shortest exact decimal text
/// ("585.33", "100", "-0.5"). Writes at most 32 bytes (no NUL); returns the length.
std::size_t format_decimal(std::int64_t raw, int decimals, char* buf) noexcept;
std::string format_decimal(std::int64_t raw, int decimals);

/// UTCTimestamp text (YYYYMMDD-HH:MM:SS[.sss[sss[sss]]]) <-> ns since the epoch.
bool parse_utc_timestamp(const char* text, std::size_t len, std::int64_t& ns) noexcept;
/// Formats with millisecond precision (what FIX 4.2/4.4 peers accept).
std::string format_utc_timestamp_ms(std::int64_t ns);

}  // namespace fix
}  // namespace ballast
