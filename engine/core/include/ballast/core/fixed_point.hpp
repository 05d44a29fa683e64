// Fixed-point Price, Qty and Money: int64 with a constant number of decimals; exact decimal text.
//
// Rules (docs/numbers.md has the full statement):
//  - Price has 9 decimals, Qty 6, Money 6. notional(Price, Qty) -> Money keeps Qty's scale.
//  - Text is parsed straight to raw integers (no double); more decimals than the type holds is an
//    error unless a Rounding is given explicitly.
//  - Arithmetic overflow is detected, never wrapped: checked_* return nullopt, operators stop the
//    process (an overflow there is a bug, not an input).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/core/ids.hpp"
#include "ballast/core/invariant.hpp"
#include "ballast/core/result.hpp"

namespace ballast {

/// How a value that falls between two representable values is resolved.
enum class Rounding : std::uint8_t {
  kDown,              ///< toward -infinity (floor)
  kUp,                ///< toward +infinity (ceiling)
  kTowardZero,        ///< truncate
  kAwayFromZero,      ///< away from zero
  kHalfEven,          ///< nearest; ties to even (banker's rounding)
  kHalfAwayFromZero,  ///< nearest; ties away from zero (commercial rounding)
};

constexpr std::int64_t pow10_i64(int n) noexcept {
  std::int64_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

namespace detail {

/// Whether a value strictly between two representable neighbours moves away from zero (to the
/// larger magnitude) under `mode`. `half` compares the discarded fraction with one half (-1 below,
/// 0 exactly, +1 above); `odd` says whether the truncated magnitude is odd (for ties to even).
constexpr bool rounds_away(Rounding mode, bool negative, int half, bool odd) noexcept {
  switch (mode) {
    case Rounding::kTowardZero:
      return false;
    case Rounding::kAwayFromZero:
      return true;
    case Rounding::kDown:
      return negative;
    case Rounding::kUp:
      return !negative;
    case Rounding::kHalfEven:
      return half > 0 || (half == 0 && odd);
    case Rounding::kHalfAwayFromZero:
      return half >= 0;
  }
  return false;
}

constexpr bool fits_i64(__int128 v) noexcept {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/// Magnitude of v, as an unsigned number (|INT128_MIN| = 2^127 included).
constexpr unsigned __int128 magnitude(__int128 v) noexcept {
  return v < 0 ? 0 - static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
}

/// The rounded quotient from a truncated one: |num| = q * |den| + r (r < |den|), `negative` the
/// sign of the exact quotient. Exact integer arithmetic, in unsigned magnitudes throughout (no
/// signed overflow, even for a quotient of -2^127).
template <class U>
constexpr __int128 round_quotient(U q, U r, U den, bool negative, Rounding mode) noexcept {
  auto m = static_cast<unsigned __int128>(q);
  if (r != 0) {
    // 2r compared with den without overflow: r >= den - r.
    const int half = r < den - r ? -1 : (r == den - r ? 0 : 1);
    if (rounds_away(mode, negative, half, (q & 1) != 0)) ++m;
  }
  // Back to signed: modular (C++20), exact for every quotient in range.
  return static_cast<__int128>(negative ? 0 - m : m);
}

/// Divides num by den (den != 0) with the given rounding of the exact quotient, which must fit
/// __int128 (it does unless num = -2^127 and den = -1). Either operand may be negative (a short
/// position's average cost divides by a negative quantity). Exact integer arithmetic on
/// magnitudes: operands below 2^64 (the common case: every Fixed value) divide in 64 bits; only
/// wider ones take the 128-bit library division.
constexpr __int128 div_round(__int128 num, __int128 den, Rounding mode) noexcept {
  const bool negative = (num < 0) != (den < 0);
  const unsigned __int128 u = magnitude(num);
  const unsigned __int128 d = magnitude(den);
  if ((u >> 64) == 0 && (d >> 64) == 0) {
    const auto u64 = static_cast<std::uint64_t>(u);
    const auto d64 = static_cast<std::uint64_t>(d);
    return round_quotient<std::uint64_t>(u64 / d64, u64 % d64, d64, negative, mode);
  }
  return round_quotient<unsigned __int128>(u / d, u % d, d, negative, mode);
}

/// div_round by a constant below 2^32 (e.g. Price::kScale, notional's divisor): a magnitude below
/// 2^96 divides as two 64-bit divisions by the constant, which the compiler turns into
/// multiplications, instead of a 128-bit library division (tens of cycles each, on every
/// notional the rebalancer, gate and order manager compute). Same result as div_round.
template <std::uint64_t Den>
constexpr __int128 div_round_by(__int128 num, Rounding mode) noexcept {
  static_assert(Den > 0 && Den < (std::uint64_t{1} << 32));
  const bool negative = num < 0;
  const unsigned __int128 u = magnitude(num);
  if ((u >> 96) != 0) return div_round(num, static_cast<__int128>(Den), mode);
  // u = hi * 2^32 + lo32, hi < 2^64; hi = q1 * Den + r1 with r1 < Den < 2^32, so
  // r1 * 2^32 + lo32 < Den * 2^32 fits 64 bits and its quotient q0 < 2^32.
  const auto hi = static_cast<std::uint64_t>(u >> 32);
  const std::uint64_t q1 = hi / Den;
  const std::uint64_t r1 = hi % Den;
  const std::uint64_t low = (r1 << 32) | static_cast<std::uint64_t>(u & 0xFFFF'FFFFu);
  const std::uint64_t q0 = low / Den;
  const std::uint64_t r = low % Den;
  const unsigned __int128 q = (static_cast<unsigned __int128>(q1) << 32) + q0;
  return round_quotient<unsigned __int128>(q, r, Den, negative, mode);
}

/// Parses decimal text into a raw integer scaled by 10^decimals. With exact, digits beyond
/// `decimals` must be zero; otherwise they are resolved with `mode`. `what` names the type in
/// messages.
Result<std::int64_t> parse_decimal(std::string_view text, int decimals, bool exact, Rounding mode,
                                   const char* what);

/// Writes raw/10^decimals as canonical decimal text (no exponent, no trailing zeros, at least
/// `min_decimals` decimals) into buf; returns the length. buf needs at least 48 bytes.
std::size_t format_decimal(std::int64_t raw, int decimals, int min_decimals, char* buf) noexcept;

}  // namespace detail

/// A fixed-point decimal: raw / 10^Decimals. Trivially copyable, 8 bytes.
template <class Tag, int Decimals>
struct Fixed {
  static_assert(Decimals >= 0 && Decimals <= 18);
  static constexpr int kDecimals = Decimals;
  static constexpr std::int64_t kScale = pow10_i64(Decimals);

  std::int64_t raw{0};

  static constexpr Fixed from_raw(std::int64_t r) noexcept { return Fixed{r}; }
  /// Whole units (e.g. dollars, shares). Stops the process on overflow.
  static constexpr Fixed from_units(std::int64_t units) noexcept {
    const __int128 r = static_cast<__int128>(units) * kScale;
    BALLAST_INVARIANT(detail::fits_i64(r), "fixed-point overflow in from_units");
    return Fixed{static_cast<std::int64_t>(r)};
  }
  static constexpr Fixed zero() noexcept { return Fixed{0}; }
  static constexpr Fixed max() noexcept { return Fixed{INT64_MAX}; }
  static constexpr Fixed min() noexcept { return Fixed{INT64_MIN}; }

  /// Parses exact decimal text ("-12.5", "450.01"); more decimals than kDecimals is an error.
  static Result<Fixed> parse(std::string_view text) {
    auto r = detail::parse_decimal(text, Decimals, true, Rounding::kTowardZero, Tag::kName);
    if (!r) return r.error();
    return Fixed{r.value()};
  }
  /// Parses decimal text, resolving extra decimals with `mode`.
  static Result<Fixed> parse(std::string_view text, Rounding mode) {
    auto r = detail::parse_decimal(text, Decimals, false, mode, Tag::kName);
    if (!r) return r.error();
    return Fixed{r.value()};
  }

  /// Canonical text: shortest exact decimal, e.g. "12.5", "-0.000001", "100".
  std::string to_string(int min_decimals = 0) const {
    char buf[48];
    return std::string(buf, detail::format_decimal(raw, Decimals, min_decimals, buf));
  }
  /// Allocation-free formatting; buf needs 48 bytes. Returns the length written.
  std::size_t format(char* buf, int min_decimals = 0) const noexcept {
    return detail::format_decimal(raw, Decimals, min_decimals, buf);
  }

  /// Lossy conversion for the optimizer and risk model only.
  constexpr double to_double() const noexcept {
    return static_cast<double>(raw) / static_cast<double>(kScale);
  }
  /// Crosses from a double (optimizer output) to fixed point with an explicit rounding rule.
  /// Returns nullopt when the value is not finite or out of range.
  static std::optional<Fixed> from_double(double v, Rounding mode) noexcept;

  constexpr bool is_zero() const noexcept { return raw == 0; }
  constexpr bool is_negative() const noexcept { return raw < 0; }
  constexpr bool is_positive() const noexcept { return raw > 0; }

  friend constexpr auto operator<=>(Fixed, Fixed) = default;

  friend constexpr std::optional<Fixed> checked_add(Fixed a, Fixed b) noexcept {
    std::int64_t r;
    if (__builtin_add_overflow(a.raw, b.raw, &r)) return std::nullopt;
    return Fixed{r};
  }
  friend constexpr std::optional<Fixed> checked_sub(Fixed a, Fixed b) noexcept {
    std::int64_t r;
    if (__builtin_sub_overflow(a.raw, b.raw, &r)) return std::nullopt;
    return Fixed{r};
  }
  /// Multiplies by an integer count (e.g. lots). nullopt on overflow.
  friend constexpr std::optional<Fixed> checked_mul(Fixed a, std::int64_t n) noexcept {
    std::int64_t r;
    if (__builtin_mul_overflow(a.raw, n, &r)) return std::nullopt;
    return Fixed{r};
  }
  friend constexpr Fixed operator+(Fixed a, Fixed b) noexcept {
    auto r = checked_add(a, b);
    BALLAST_INVARIANT(r.has_value(), "fixed-point overflow in +");
    return *r;
  }
  friend constexpr Fixed operator-(Fixed a, Fixed b) noexcept {
    auto r = checked_sub(a, b);
    BALLAST_INVARIANT(r.has_value(), "fixed-point overflow in -");
    return *r;
  }
  friend constexpr Fixed operator-(Fixed a) noexcept {
    BALLAST_INVARIANT(a.raw != INT64_MIN, "fixed-point overflow in unary -");
    return Fixed{-a.raw};
  }
  friend constexpr Fixed operator*(Fixed a, std::int64_t n) noexcept {
    auto r = checked_mul(a, n);
    BALLAST_INVARIANT(r.has_value(), "fixed-point overflow in *");
    return *r;
  }
  constexpr Fixed& operator+=(Fixed b) noexcept { return *this = *this + b; }
  constexpr Fixed& operator-=(Fixed b) noexcept { return *this = *this - b; }
  constexpr Fixed abs() const noexcept { return raw < 0 ? -*this : *this; }
};

struct PriceTag {
  static constexpr const char* kName = "price";
};
struct QtyTag {
  static constexpr const char* kName = "quantity";
};
struct MoneyTag {
  static constexpr const char* kName = "money";
};

/// A price per unit, 9 decimals (range +-9.2e9).
using Price = Fixed<PriceTag, 9>;
/// A signed quantity of units (shares), 6 decimals: fractional shares are representable.
using Qty = Fixed<QtyTag, 6>;
/// An amount of money in the account's currency, 6 decimals (range +-9.2e12).
using Money = Fixed<MoneyTag, 6>;

static_assert(sizeof(Price) == 8 && sizeof(Qty) == 8 && sizeof(Money) == 8);

/// price x qty as Money, resolved with `mode`; nullopt on overflow.
constexpr std::optional<Money> checked_notional(Price p, Qty q, Rounding mode) noexcept {
  // Price has 9 decimals, Qty and Money 6: dividing the raw product by 10^9 gives Money's scale.
  static_assert(Price::kDecimals + Qty::kDecimals - Money::kDecimals == 9);
  const __int128 prod = static_cast<__int128>(p.raw) * q.raw;
  const __int128 r = detail::div_round_by<Price::kScale>(prod, mode);
  if (!detail::fits_i64(r)) return std::nullopt;
  return Money{static_cast<std::int64_t>(r)};
}

/// price x qty as Money; an overflow stops the process (a quantity that large is a bug).
constexpr Money notional(Price p, Qty q, Rounding mode) noexcept {
  auto r = checked_notional(p, q, mode);
  BALLAST_INVARIANT(r.has_value(), "notional overflow");
  return *r;
}

/// Rounds `value` to a whole multiple of `increment` (> 0) with `mode`.
template <class T>
constexpr T round_to_increment(T value, T increment, Rounding mode) noexcept {
  BALLAST_INVARIANT(increment.raw > 0, "rounding increment must be positive");
  const __int128 n = detail::div_round(value.raw, increment.raw, mode);
  const __int128 r = n * increment.raw;
  BALLAST_INVARIANT(detail::fits_i64(r), "overflow rounding to increment");
  return T{static_cast<std::int64_t>(r)};
}

/// The documented side rule for limit prices: a buy rounds down to the tick and a sell rounds up,
/// so rounding never makes a limit less favourable to the account than the one asked for.
constexpr Price round_limit_to_tick(Side side, Price limit, Price tick) noexcept {
  return round_to_increment(limit, tick, side == Side::kBuy ? Rounding::kDown : Rounding::kUp);
}

/// The documented rule for order quantities: round toward zero to a whole lot, for buys and sells
/// alike, so rounding never trades more than was asked for (and never crosses zero).
constexpr Qty round_qty_to_lot(Qty qty, Qty lot) noexcept {
  return round_to_increment(qty, lot, Rounding::kTowardZero);
}

template <class Tag, int Decimals>
std::optional<Fixed<Tag, Decimals>> Fixed<Tag, Decimals>::from_double(double v,
                                                                      Rounding mode) noexcept {
  if (!(v == v) || v > 9.2e18 || v < -9.2e18) return std::nullopt;
  const long double scaled = static_cast<long double>(v) * kScale;
  if (scaled >= 9.2e18L || scaled <= -9.2e18L) return std::nullopt;
  const long double t = static_cast<long double>(static_cast<std::int64_t>(scaled));
  const long double frac = scaled - t;
  std::int64_t base = static_cast<std::int64_t>(t);
  if (frac == 0) return Fixed{base};
  const bool neg = scaled < 0;
  const long double af = neg ? -frac : frac;
  bool away = false;
  switch (mode) {
    case Rounding::kTowardZero:
      away = false;
      break;
    case Rounding::kAwayFromZero:
      away = true;
      break;
    case Rounding::kDown:
      away = neg;
      break;
    case Rounding::kUp:
      away = !neg;
      break;
    case Rounding::kHalfEven:
      away = af > 0.5L || (af == 0.5L && (base % 2 != 0));
      break;
    case Rounding::kHalfAwayFromZero:
      away = af >= 0.5L;
      break;
  }
  if (away) base += neg ? -1 : 1;
  return Fixed{base};
}

}  // namespace ballast
