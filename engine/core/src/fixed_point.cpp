// Exact decimal text <-> fixed-point raw integers. No floating point anywhere in this file.
#include "ballast/core/fixed_point.hpp"

#include <cstring>

namespace ballast::detail {

namespace {

std::string quoted(std::string_view text) {
  std::string s = "'";
  // Keep messages readable when a file hands us binary junk.
  for (char c : text.substr(0, 64)) s += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 64) s += "...";
  s += "'";
  return s;
}

}  // namespace

Result<std::int64_t> parse_decimal(std::string_view text, int decimals, bool exact, Rounding mode,
                                   const char* what) {
  auto fail = [&](const char* why) {
    return Error{std::string("invalid ") + what + " " + quoted(text) + ": " + why};
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Magnitude accumulates as unsigned __int128 scaled by 10^decimals; 2^64 * 10 bounds the check.
  constexpr unsigned __int128 kLimit = static_cast<unsigned __int128>(1) << 64;
  unsigned __int128 mag = 0;
  int int_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    mag = mag * 10 + static_cast<unsigned>(text[i] - '0');
    if (mag >= kLimit) return fail("out of range");
  }
  int frac_digits = 0;
  int first_excess = -1;             // first digit beyond `decimals`, or -1
  bool excess_nonzero_tail = false;  // any non-zero digit after first_excess
  bool excess_nonzero = false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
      const int d = text[i] - '0';
      if (frac_digits < decimals) {
        mag = mag * 10 + static_cast<unsigned>(d);
      } else {
        if (first_excess < 0) {
          first_excess = d;
        } else if (d != 0) {
          excess_nonzero_tail = true;
        }
        if (d != 0) excess_nonzero = true;
      }
    }
    if (frac_digits == 0) return fail("expected digits after '.'");
  }
  if (int_digits == 0 && frac_digits == 0) return fail("expected a decimal number such as 12.34");
  if (i != text.size()) return fail("unexpected character; expected a plain decimal number");
  for (int k = frac_digits; k < decimals; ++k) mag *= 10;
  if (mag >= kLimit * 10) return fail("out of range");

  if (excess_nonzero) {
    if (exact) {
      return Error{std::string("invalid ") + what + " " + quoted(text) + ": more than " +
                   std::to_string(decimals) + " decimal places"};
    }
    const bool above_half = first_excess > 5 || (first_excess == 5 && excess_nonzero_tail);
    const int half = above_half ? 1 : (first_excess == 5 ? 0 : -1);
    const bool away = rounds_away(mode, negative, half, mag % 2 == 1);
    if (away) mag += 1;
  }
  // INT64_MIN's magnitude is one more than INT64_MAX's.
  if (negative) {
    if (mag > static_cast<unsigned __int128>(INT64_MAX) + 1) return fail("out of range");
    return static_cast<std::int64_t>(-static_cast<__int128>(mag));
  }
  if (mag > static_cast<unsigned __int128>(INT64_MAX)) return fail("out of range");
  return static_cast<std::int64_t>(mag);
}

std::size_t format_decimal(std::int64_t raw, int decimals, int min_decimals, char* buf) noexcept {
  if (min_decimals > decimals) min_decimals = decimals;
  const bool negative = raw < 0;
  // Unsigned magnitude handles INT64_MIN.
  std::uint64_t mag =
      negative ? ~static_cast<std::uint64_t>(raw) + 1 : static_cast<std::uint64_t>(raw);
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  // digits[] holds the number reversed; pad so there is at least one integer digit.
  while (n <= decimals) digits[n++] = '0';
  // Drop trailing fractional zeros down to min_decimals.
  int frac = decimals;
  int skip = 0;
  while (frac > min_decimals && digits[skip] == '0') {
    ++skip;
    --frac;
  }
  std::size_t len = 0;
  if (negative) buf[len++] = '-';
  for (int k = n - 1; k >= decimals; --k) buf[len++] = digits[k];
  if (frac > 0) {
    buf[len++] = '.';
    for (int k = decimals - 1; k >= skip; --k) buf[len++] = digits[k];
  }
  buf[len] = '\0';
  return len;
}

}  // namespace ballast::detail
