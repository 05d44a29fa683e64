// Exact decimal text <-> fixed-point raw integers, and UTCTimestamp text <-> ns since the epoch.
// Integer arithmetic only: no doubles anywhere on the money path.
#include "ballast/fix/fix_decimal.hpp"

#include <cstdio>
#include <limits>

namespace ballast {
namespace fix {
namespace {

constexpr std::uint64_t kPow10[] = {1ULL,
                                    10ULL,
                                    100ULL,
                                    1000ULL,
                                    10000ULL,
                                    100000ULL,
                                    1000000ULL,
                                    10000000ULL,
                                    100000000ULL,
                                    1000000000ULL,
                                    10000000000ULL,
                                    100000000000ULL,
                                    1000000000000ULL,
                                    10000000000000ULL,
                                    100000000000000ULL,
                                    1000000000000000ULL,
                                    10000000000000000ULL,
                                    100000000000000000ULL,
                                    1000000000000000000ULL};
constexpr int kMaxDecimals = 18;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[pos]; false when any is not a digit.
bool read_digits(const char* text, std::size_t pos, int n, unsigned& out) noexcept {
  out = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    if (!is_digit(c)) return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

bool parse_decimal(const char* text, std::size_t len, int decimals, std::int64_t& out) noexcept {
  // The strict rule is the rounding rule with nothing to round: zeros past the raw unit are fine,
  // any other digit there is more precision than the raw unit holds.
  bool rounded = false;
  if (!parse_decimal_rounded(text, len, decimals, out, rounded) || rounded) {
    out = 0;
    return false;
  }
  return true;
}

bool parse_decimal_rounded(const char* text, std::size_t len, int decimals, std::int64_t& out,
                           bool& rounded) noexcept {
  out = 0;
  rounded = false;
  if (text == nullptr || len == 0 || decimals < 0 || decimals > kMaxDecimals) return false;
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  const std::uint64_t limit =
      negative ? static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1
               : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t mag = 0;
  int digits = 0;
  int frac = 0;
  bool point = false;
  int first_dropped = -1;  // the first digit beyond `decimals`
  bool sticky = false;     // a non-zero digit after it
  for (; i < len; ++i) {
    const char c = text[i];
    if (c == '.') {
      if (point) return false;
      point = true;
      continue;
    }
    if (!is_digit(c)) return false;
    ++digits;
    const unsigned d = static_cast<unsigned>(c - '0');
    if (point && frac == decimals) {
      if (first_dropped < 0) {
        first_dropped = static_cast<int>(d);
      } else if (d != 0) {
        sticky = true;
      }
      continue;
    }
    if (point) ++frac;
    if (mag > (limit - d) / 10) return false;
    mag = mag * 10 + d;
  }
  if (digits == 0) return false;
  const std::uint64_t scale = kPow10[decimals - frac];
  if (mag != 0 && mag > limit / scale) return false;
  mag *= scale;
  if (first_dropped > 0 || sticky) rounded = true;
  // Half-even on the magnitude: symmetric, so the same rule for negative values.
  const bool up = first_dropped > 5 || (first_dropped == 5 && (sticky || (mag & 1) != 0));
  if (up) {
    if (mag == limit) return false;
    ++mag;
  }
  if (negative) {
    out = mag == limit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(mag);
  } else {
    out = static_cast<std::int64_t>(mag);
  }
  return true;
}

std::size_t format_decimal(std::int64_t raw, int decimals, char* buf) noexcept {
  if (decimals < 0) decimals = 0;
  if (decimals > kMaxDecimals) decimals = kMaxDecimals;
  const bool negative = raw < 0;
  const std::uint64_t mag =
      negative ? 0 - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  const std::uint64_t scale = kPow10[decimals];
  std::uint64_t whole = mag / scale;
  std::uint64_t frac = mag % scale;
  int frac_digits = decimals;
  while (frac_digits > 0 && frac % 10 == 0) {
    frac /= 10;
    --frac_digits;
  }
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  std::size_t len = 0;
  if (negative) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  if (frac_digits > 0) {
    buf[len++] = '.';
    for (int k = frac_digits - 1; k >= 0; --k) {
      buf[len + static_cast<std::size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    len += static_cast<std::size_t>(frac_digits);
  }
  return len;
}

std::string format_decimal(std::int64_t raw, int decimals) {
  char buf[32];
  return std::string(buf, format_decimal(raw, decimals, buf));
}

bool parse_utc_timestamp(const char* text, std::size_t len, std::int64_t& ns) noexcept {
  ns = 0;
  // YYYYMMDD-HH:MM:SS is 17 characters; then optionally '.' and 1-9 fractional digits.
  if (text == nullptr || len < 17) return false;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, 0, 4, year) || !read_digits(text, 4, 2, month) ||
      !read_digits(text, 6, 2, day) || text[8] != '-' || !read_digits(text, 9, 2, hour) ||
      text[11] != ':' || !read_digits(text, 12, 2, minute) || text[14] != ':' ||
      !read_digits(text, 15, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  // Nanoseconds since 1970 in int64 reach from 1677-09-21 to 2262-04-11: outside whole years of
  // that range the product below would overflow (a hostile TransactTime of 9999...).
  if (year < 1678 || year > 2261) return false;
  std::int64_t frac_ns = 0;
  if (len > 17) {
    if (text[17] != '.' || len == 18 || len > 27) return false;
    const int n = static_cast<int>(len - 18);
    unsigned v = 0;
    if (!read_digits(text, 18, n, v)) return false;
    frac_ns = static_cast<std::int64_t>(v) * static_cast<std::int64_t>(kPow10[9 - n]);
  }
  const std::int64_t days = days_from_civil(year, month, day);
  ns = ((days * 86400 + hour * 3600 + minute * 60 + second) * 1000000000LL) + frac_ns;
  return true;
}

std::string format_utc_timestamp_ms(std::int64_t ns) {
  // floor division so times before 1970 format correctly too
  std::int64_t secs = ns / 1000000000LL;
  std::int64_t rem = ns % 1000000000LL;
  if (rem < 0) {
    rem += 1000000000LL;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04lld%02u%02u-%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(y), m, d, static_cast<long long>(sod / 3600),
                static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60),
                static_cast<long long>(rem / 1000000));
  return buf;
}

}  // namespace fix
}  // namespace ballast
