// Fixed-point parsing, formatting, arithmetic and rounding.
#include "ballast/core/fixed_point.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ballast {
namespace {

Price px(const char* s) {
  return Price::parse(s).value();
}
Qty qty(const char* s) {
  return Qty::parse(s).value();
}

TEST(FixedPoint, ParsesPlainDecimalsExactly) {
  EXPECT_EQ(px("450.01").raw, 450'010'000'000);
  EXPECT_EQ(px("-0.000000001").raw, -1);
  EXPECT_EQ(px("+7").raw, 7'000'000'000);
  EXPECT_EQ(px(".5").raw, 500'000'000);
  EXPECT_EQ(px("0.100000000000").raw, 100'000'000);  // trailing zeros beyond 9 dp are exact
  EXPECT_EQ(qty("100").raw, 100'000'000);
  EXPECT_EQ(Money::parse("1234567.891234").value().raw, 1'234'567'891'234);
}

TEST(FixedPoint, RejectsMalformedTextWithAMessageNamingTheInput) {
  for (const char* bad : {"", "-", "+", ".", "1.", "1e5", "1,5", " 1", "1 ", "0x10", "1..2", "--1",
                          "nan", "inf", "1.2.3", "１"}) {
    auto r = Price::parse(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_NE(r.error().message.find("invalid price"), std::string::npos) << r.error().message;
  }
}

TEST(FixedPoint, RejectsExcessDecimalsUnlessARoundingRuleIsGiven) {
  auto r = Qty::parse("1.0000001");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("more than 6 decimal places"), std::string::npos);
  EXPECT_EQ(Qty::parse("1.0000001", Rounding::kUp).value().raw, 1'000'001);
  EXPECT_EQ(Qty::parse("1.0000001", Rounding::kDown).value().raw, 1'000'000);
  EXPECT_EQ(Qty::parse("-1.0000001", Rounding::kDown).value().raw, -1'000'001);
  EXPECT_EQ(Qty::parse("-1.0000001", Rounding::kTowardZero).value().raw, -1'000'000);
  EXPECT_EQ(Qty::parse("0.0000005", Rounding::kHalfEven).value().raw, 0);
  EXPECT_EQ(Qty::parse("0.0000015", Rounding::kHalfEven).value().raw, 2);
  EXPECT_EQ(Qty::parse("0.00000050001", Rounding::kHalfEven).value().raw, 1);
  EXPECT_EQ(Qty::parse("0.0000005", Rounding::kHalfAwayFromZero).value().raw, 1);
  EXPECT_EQ(Qty::parse("-0.0000005", Rounding::kHalfAwayFromZero).value().raw, -1);
}

TEST(FixedPoint, DetectsOutOfRangeTextInsteadOfWrapping) {
  EXPECT_EQ(Price::parse("9223372036.854775807").value().raw, INT64_MAX);
  EXPECT_EQ(Price::parse("-9223372036.854775808").value().raw, INT64_MIN);
  EXPECT_FALSE(Price::parse("9223372036.854775808").ok());
  EXPECT_FALSE(Price::parse("-9223372036.854775809").ok());
  EXPECT_FALSE(Price::parse("10000000000").ok());
  EXPECT_FALSE(Qty::parse("99999999999999999999999999999").ok());
  EXPECT_FALSE(Qty::parse("9223372036854.775808").ok());
  EXPECT_TRUE(Qty::parse("9223372036854.775807").ok());
  // Rounding up past the top is out of range too.
  EXPECT_FALSE(Qty::parse("9223372036854.7758075", Rounding::kUp).ok());
}

TEST(FixedPoint, FormatsCanonically) {
  EXPECT_EQ(px("450.10").to_string(), "450.1");
  EXPECT_EQ(px("450.10").to_string(2), "450.10");
  EXPECT_EQ(px("450").to_string(), "450");
  EXPECT_EQ(px("-0.5").to_string(), "-0.5");
  EXPECT_EQ(px("0").to_string(), "0");
  EXPECT_EQ(px("-0").to_string(), "0");
  EXPECT_EQ(Price{1}.to_string(), "0.000000001");
  EXPECT_EQ(Price{INT64_MIN}.to_string(), "-9223372036.854775808");
  EXPECT_EQ(Price{INT64_MAX}.to_string(), "9223372036.854775807");
  EXPECT_EQ(Money{-1}.to_string(4), "-0.000001");
}

// Exhaustive over a dense window around zero and around the extremes, for each scale.
template <class T>
void round_trip_window(std::int64_t lo, std::int64_t count) {
  for (std::int64_t k = 0; k < count; ++k) {
    const T v{lo + k};
    const std::string s = v.to_string();
    auto back = T::parse(s);
    ASSERT_TRUE(back.ok()) << s;
    ASSERT_EQ(back.value().raw, v.raw) << s;
    ASSERT_EQ(back.value().to_string(), s);
  }
}

TEST(FixedPoint, RoundTripsExhaustivelyOverDenseWindows) {
  round_trip_window<Price>(-1'000'000, 2'000'001);
  round_trip_window<Qty>(-1'000'000, 2'000'001);
  round_trip_window<Price>(INT64_MAX - 100'000, 100'001);
  round_trip_window<Price>(INT64_MIN, 100'001);
  round_trip_window<Money>(INT64_MIN, 100'001);
}

TEST(FixedPoint, RoundTripsRandomValuesAndRandomText) {
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 1'000'000; ++i) {
    const Price v{static_cast<std::int64_t>(rng())};
    auto back = Price::parse(v.to_string());
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back.value(), v);
  }
  // Text with up to 9 decimals and padding zeros parses to the value its digits spell.
  std::uniform_int_distribution<int> ndec(0, 9);
  for (int i = 0; i < 200'000; ++i) {
    const std::int64_t units = static_cast<std::int64_t>(rng() % 1'000'000'000) - 500'000'000;
    const int d = ndec(rng);
    std::int64_t frac = d == 0 ? 0 : static_cast<std::int64_t>(rng() % pow10_i64(d));
    const bool neg = units < 0 || (units == 0 && (rng() & 1));
    const std::int64_t au = units < 0 ? -units : units;
    std::string text;
    if (neg) text.push_back('-');
    text.append(std::to_string(au));
    if (d > 0) {
      const std::string fs = std::to_string(frac);
      text.push_back('.');
      text.append(static_cast<std::size_t>(d) - fs.size(), '0');
      text.append(fs);
      text.append("000");
    }
    const std::int64_t expect = (au * Price::kScale + frac * pow10_i64(9 - d)) * (neg ? -1 : 1);
    auto r = Price::parse(text);
    ASSERT_TRUE(r.ok()) << text;
    ASSERT_EQ(r.value().raw, expect) << text;
  }
}

TEST(FixedPoint, CheckedArithmeticDetectsOverflow) {
  EXPECT_FALSE(checked_add(Money{INT64_MAX}, Money{1}).has_value());
  EXPECT_FALSE(checked_sub(Money{INT64_MIN}, Money{1}).has_value());
  EXPECT_FALSE(checked_mul(Qty{INT64_MAX / 2 + 1}, 2).has_value());
  EXPECT_EQ(checked_mul(Qty::from_units(3), 4).value(), Qty::from_units(12));
  // 9.2e9 dollars x 2 shares overflows Money's range only via the product.
  EXPECT_FALSE(checked_notional(Price{INT64_MAX}, Qty::from_units(1'000'000), Rounding::kHalfEven)
                   .has_value());
  EXPECT_EQ(checked_notional(px("450.01"), qty("100"), Rounding::kHalfEven).value(),
            Money::parse("45001").value());
}

TEST(FixedPointDeathTest, OperatorsStopTheProcessOnOverflow) {
  EXPECT_DEATH((void)(Money{INT64_MAX} + Money{1}), "overflow");
  EXPECT_DEATH((void)(-Qty{INT64_MIN}), "overflow");
  EXPECT_DEATH((void)notional(Price{INT64_MAX}, Qty{INT64_MAX}, Rounding::kDown), "notional");
}

TEST(FixedPoint, NotionalRoundsWithTheGivenRule) {
  // 0.000000001 x 0.5 shares = 5e-10 dollars: below Money's 1e-6 resolution.
  const Price p{1};
  const Qty q = qty("0.5");
  EXPECT_EQ(notional(p, q, Rounding::kDown).raw, 0);
  EXPECT_EQ(notional(p, q, Rounding::kUp).raw, 1);
  EXPECT_EQ(notional(px("0.3333333"), qty("3"), Rounding::kHalfEven).raw, 1'000'000);  // 0.9999999
  EXPECT_EQ(notional(px("0.3333333"), qty("3"), Rounding::kDown).raw, 999'999);
  EXPECT_EQ(notional(px("-2.5"), qty("0.000001"), Rounding::kHalfEven).raw, -2);  // -2.5e-6
  EXPECT_EQ(notional(px("-2.5"), qty("0.000001"), Rounding::kHalfAwayFromZero).raw, -3);
}

/// The rounding rules by their definitions (floor and ceiling, then the rule's choice between
/// them): an oracle written apart from div_round's truncate-then-adjust.
__int128 oracle_div(__int128 num, __int128 den, Rounding mode) {
  // floor(num / den) for either sign of den, and how far the exact quotient lies above it, as
  // the fraction f / |den| (0 <= f < |den|).
  __int128 lo = num / den;
  if (num % den != 0 && ((num < 0) != (den < 0))) --lo;
  const __int128 rest = num - lo * den;  // the sign of den
  const __int128 f = rest < 0 ? -rest : rest;
  const __int128 d = den < 0 ? -den : den;
  if (f == 0) return lo;
  const __int128 hi = lo + 1;
  const bool positive = (num > 0) == (den > 0);  // the quotient's sign (it is not zero here)
  switch (mode) {
    case Rounding::kDown:
      return lo;
    case Rounding::kUp:
      return hi;
    case Rounding::kTowardZero:
      return positive ? lo : hi;
    case Rounding::kAwayFromZero:
      return positive ? hi : lo;
    case Rounding::kHalfEven:
      if (2 * f != d) return 2 * f < d ? lo : hi;
      return lo % 2 == 0 ? lo : hi;
    case Rounding::kHalfAwayFromZero:
      if (2 * f != d) return 2 * f < d ? lo : hi;
      return positive ? hi : lo;
  }
  return lo;
}

TEST(FixedPoint, DivisionRoundsLikeTheRulesDefinitionAtEveryWidth) {
  // div_round's 64-bit and 128-bit paths (divisors of either sign) and div_round_by's
  // constant-divisor path (notional), against the oracle: random magnitudes of every bit length,
  // both signs, the values around each path's edges (2^63, 2^64, 2^96) and around multiples of the
  // divisor (ties included).
  std::mt19937_64 rng(20261207);
  const Rounding modes[] = {Rounding::kDown,       Rounding::kUp,
                            Rounding::kTowardZero, Rounding::kAwayFromZero,
                            Rounding::kHalfEven,   Rounding::kHalfAwayFromZero};
  auto random_magnitude = [&](int bits) {
    const unsigned __int128 v = (static_cast<unsigned __int128>(rng()) << 64) | rng();
    return bits >= 127
               ? static_cast<__int128>(v >> 1)
               : static_cast<__int128>(v & ((static_cast<unsigned __int128>(1) << bits) - 1));
  };
  std::vector<__int128> nums;
  for (int bits = 0; bits <= 126; ++bits) {
    for (int k = 0; k < 60; ++k) {
      const __int128 m = random_magnitude(bits);
      nums.push_back(m);
      nums.push_back(-m);
    }
  }
  const __int128 one = 1;
  for (__int128 edge : {one << 63, one << 64, one << 96, one << 126}) {
    for (int d = -3; d <= 3; ++d) {
      nums.push_back(edge + d);
      nums.push_back(-(edge + d));
    }
  }
  constexpr std::uint64_t kDen = static_cast<std::uint64_t>(Price::kScale);
  for (int k = 0; k < 2000; ++k) {
    const __int128 q = random_magnitude(static_cast<int>(rng() % 90));
    for (__int128 off : {__int128{0}, __int128{1}, __int128{kDen / 2}, __int128{kDen / 2 + 1},
                         __int128{kDen - 1}}) {
      nums.push_back(q * kDen + off);
      nums.push_back(-(q * kDen + off));
    }
  }
  // The extremes of __int128 (a hostile review found a negation overflow there): -2^127 as
  // numerator and divisor, against quotients written out by hand.
  const __int128 kMin = -(one << 126) * 2;
  for (const Rounding mode : modes) {
    EXPECT_TRUE(detail::div_round(kMin, -2, mode) == (one << 126));
    EXPECT_TRUE(detail::div_round(kMin, 1, mode) == kMin);
    EXPECT_TRUE(detail::div_round_by<1>(kMin, mode) == kMin);
    EXPECT_TRUE(detail::div_round(kMin, kMin, mode) == 1);
    EXPECT_TRUE(detail::div_round(0, kMin, mode) == 0);
  }
  EXPECT_TRUE(detail::div_round(5, kMin, Rounding::kDown) == -1);
  EXPECT_TRUE(detail::div_round(5, kMin, Rounding::kUp) == 0);
  EXPECT_TRUE(detail::div_round(-5, kMin, Rounding::kHalfEven) == 0);
  EXPECT_TRUE(detail::div_round(kMin + 1, kMin, Rounding::kHalfEven) == 1);
  static_assert(detail::div_round(-(static_cast<__int128>(1) << 126) * 2, -2, Rounding::kDown) ==
                static_cast<__int128>(1) << 126);
  static_assert(detail::div_round_by<1'000'000'000>(2'500'000'000, Rounding::kHalfEven) == 2);
  static_assert(detail::div_round_by<1'000'000'000>(-3'500'000'000, Rounding::kHalfEven) == -4);
  std::size_t checked = 0;
  for (const __int128 num : nums) {
    for (const Rounding mode : modes) {
      ASSERT_EQ(detail::div_round_by<kDen>(num, mode), oracle_div(num, kDen, mode))
          << "num high " << static_cast<std::int64_t>(num >> 64) << " low "
          << static_cast<std::uint64_t>(num) << " mode " << static_cast<int>(mode);
      ASSERT_EQ(detail::div_round_by<1>(num, mode), num);
      ASSERT_EQ(detail::div_round_by<0xFFFF'FFFF>(num, mode), oracle_div(num, 0xFFFF'FFFF, mode));
      // A random divisor up to 2^62, and small ones (odd and even: ties).
      const __int128 den = rng() % 4 == 0 ? static_cast<__int128>(1 + rng() % 10)
                                          : static_cast<__int128>(1 + (rng() >> (rng() % 62 + 2)));
      ASSERT_EQ(detail::div_round(num, den, mode), oracle_div(num, den, mode))
          << "den " << static_cast<std::int64_t>(den) << " mode " << static_cast<int>(mode);
      // A negative divisor (a short position's quantity): the same exact quotient.
      ASSERT_EQ(detail::div_round(num, -den, mode), oracle_div(num, -den, mode))
          << "den " << -static_cast<std::int64_t>(den) << " mode " << static_cast<int>(mode);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100'000u);
}

TEST(FixedPoint, LimitPricesRoundToTheTickInTheAccountsFavour) {
  const Price tick = px("0.01");
  EXPECT_EQ(round_limit_to_tick(Side::kBuy, px("100.019"), tick), px("100.01"));
  EXPECT_EQ(round_limit_to_tick(Side::kSell, px("100.011"), tick), px("100.02"));
  EXPECT_EQ(round_limit_to_tick(Side::kBuy, px("100.01"), tick), px("100.01"));
  EXPECT_EQ(round_limit_to_tick(Side::kSell, px("100.01"), tick), px("100.01"));
  EXPECT_EQ(round_limit_to_tick(Side::kBuy, px("0.0001"), px("0.0001")), px("0.0001"));
  // Property: a buy limit never goes up, a sell limit never goes down, both land on the grid.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const Price p{static_cast<std::int64_t>(rng() % 1'000'000'000'000'000)};
    const Price t{static_cast<std::int64_t>(1 + rng() % 100'000'000)};
    const Price b = round_limit_to_tick(Side::kBuy, p, t);
    const Price s = round_limit_to_tick(Side::kSell, p, t);
    ASSERT_LE(b, p);
    ASSERT_GE(s, p);
    ASSERT_EQ(b.raw % t.raw, 0);
    ASSERT_EQ(s.raw % t.raw, 0);
    ASSERT_LT(p.raw - b.raw, t.raw);
    ASSERT_LT(s.raw - p.raw, t.raw);
  }
}

TEST(FixedPoint, QuantitiesRoundTowardZeroToWholeLots) {
  const Qty lot = qty("100");
  EXPECT_EQ(round_qty_to_lot(qty("250"), lot), qty("200"));
  EXPECT_EQ(round_qty_to_lot(qty("-250"), lot), qty("-200"));
  EXPECT_EQ(round_qty_to_lot(qty("99.999999"), lot), qty("0"));
  EXPECT_EQ(round_qty_to_lot(qty("300"), lot), qty("300"));
  EXPECT_EQ(round_qty_to_lot(Qty::parse("1.2345678", Rounding::kDown).value(), qty("0.001")),
            qty("1.234"));
}

TEST(FixedPoint, FromDoubleUsesTheExplicitRule) {
  EXPECT_EQ(Qty::from_double(1.5, Rounding::kTowardZero).value(), qty("1.5"));
  EXPECT_EQ(Qty::from_double(2.0000004, Rounding::kHalfEven).value(), qty("2"));
  EXPECT_EQ(Qty::from_double(-2.0000004, Rounding::kDown).value(), qty("-2.000001"));
  EXPECT_FALSE(Qty::from_double(1e300, Rounding::kDown).has_value());
  EXPECT_FALSE(Qty::from_double(std::numeric_limits<double>::quiet_NaN(), Rounding::kDown));
}

}  // namespace
}  // namespace ballast
