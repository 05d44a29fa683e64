// Exact decimal text <-> raw integers and UTCTimestamp parsing/formatting.
#include "ballast/fix/fix_decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace ballast {
namespace fix {
namespace {

std::int64_t parse_ok(const std::string& s, int decimals) {
  std::int64_t v = -12345;
  EXPECT_TRUE(parse_decimal(s, decimals, v)) << s;
  return v;
}

bool parses(const std::string& s, int decimals) {
  std::int64_t v = 0;
  return parse_decimal(s, decimals, v);
}

TEST(FixDecimal, ParsesExactPricesAndQuantities) {
  EXPECT_EQ(parse_ok("585.33", 9), 585330000000LL);
  EXPECT_EQ(parse_ok("100", 6), 100000000LL);
  EXPECT_EQ(parse_ok("-0.5", 9), -500000000LL);
  EXPECT_EQ(parse_ok("0.000000001", 9), 1LL);
  EXPECT_EQ(parse_ok("0.123456", 6), 123456LL);
  EXPECT_EQ(parse_ok("1.500000000000", 6), 1500000LL);  // extra zeros are exact
  EXPECT_EQ(parse_ok(".5", 6), 500000LL);
  EXPECT_EQ(parse_ok("5.", 6), 5000000LL);
  EXPECT_EQ(parse_ok("0", 9), 0LL);
  EXPECT_EQ(parse_ok("-0", 9), 0LL);
  EXPECT_EQ(parse_ok("00012.10", 2), 1210LL);
}

TEST(FixDecimal, RefusesInexactOrMalformedText) {
  EXPECT_FALSE(parses("1.0000000001", 9));  // a tenth of the raw unit
  EXPECT_FALSE(parses("0.1234567", 6));
  EXPECT_FALSE(parses("1e3", 9));
  EXPECT_FALSE(parses("", 9));
  EXPECT_FALSE(parses("-", 9));
  EXPECT_FALSE(parses(".", 9));
  EXPECT_FALSE(parses("+1", 9));
  EXPECT_FALSE(parses("1.2.3", 9));
  EXPECT_FALSE(parses(" 1", 9));
  EXPECT_FALSE(parses("1,5", 9));
  EXPECT_FALSE(parses("nan", 9));
}

TEST(FixDecimal, RefusesOverflowAndAcceptsTheExtremes) {
  EXPECT_EQ(parse_ok("9223372036.854775807", 9), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_ok("-9223372036.854775808", 9), std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(parses("9223372036.854775808", 9));
  EXPECT_FALSE(parses("9223372037", 9));
  EXPECT_FALSE(parses("99999999999999999999999", 0));
}

TEST(FixDecimal, FormatsShortestExactText) {
  EXPECT_EQ(format_decimal(585330000000LL, 9), "585.33");
  EXPECT_EQ(format_decimal(100000000LL, 6), "100");
  EXPECT_EQ(format_decimal(-500000000LL, 9), "-0.5");
  EXPECT_EQ(format_decimal(1, 9), "0.000000001");
  EXPECT_EQ(format_decimal(0, 9), "0");
  EXPECT_EQ(format_decimal(std::numeric_limits<std::int64_t>::min(), 9), "-9223372036.854775808");
  EXPECT_EQ(format_decimal(std::numeric_limits<std::int64_t>::max(), 0), "9223372036854775807");
}

TEST(FixDecimal, RoundTripsThroughText) {
  const std::int64_t values[] = {1,
                                 7,
                                 10,
                                 999999999,
                                 1000000000,
                                 123456789012345LL,
                                 -42,
                                 std::numeric_limits<std::int64_t>::max(),
                                 std::numeric_limits<std::int64_t>::min()};
  for (const std::int64_t v : values) {
    for (const int d : {0, 6, 9}) {
      std::int64_t back = 0;
      ASSERT_TRUE(parse_decimal(format_decimal(v, d), d, back)) << v << " d=" << d;
      EXPECT_EQ(back, v);
    }
  }
}

std::int64_t rounded_ok(const std::string& s, int decimals, bool want_rounded) {
  std::int64_t v = -12345;
  bool rounded = !want_rounded;
  EXPECT_TRUE(parse_decimal_rounded(s, decimals, v, rounded)) << s;
  EXPECT_EQ(rounded, want_rounded) << s;
  return v;
}

TEST(FixDecimal, RoundsExcessDecimalsHalfEven) {
  EXPECT_EQ(rounded_ok("223.66000000000003", 9, true), 223660000000LL);
  EXPECT_EQ(rounded_ok("223.65999999999997", 9, true), 223660000000LL);
  EXPECT_EQ(rounded_ok("1.0000000005", 9, true), 1000000000LL) << "tie to even (0)";
  EXPECT_EQ(rounded_ok("1.0000000015", 9, true), 1000000002LL) << "tie to even (2)";
  EXPECT_EQ(rounded_ok("1.00000000050000001", 9, true), 1000000001LL) << "above the tie";
  EXPECT_EQ(rounded_ok("-1.0000000015", 9, true), -1000000002LL) << "symmetric";
  EXPECT_EQ(rounded_ok("0.9999999999", 9, true), 1000000000LL) << "carries into the integer";
  EXPECT_EQ(rounded_ok("007.5000000000000", 6, false), 7500000) << "zeros are not rounding";
  EXPECT_EQ(rounded_ok("12", 6, false), 12000000);
  EXPECT_EQ(rounded_ok("12.", 6, false), 12000000);
  EXPECT_EQ(rounded_ok(".25", 6, false), 250000);
  EXPECT_EQ(rounded_ok("0.0000004", 6, true), 0);
  std::int64_t v = 0;
  bool r = false;
  for (const char* bad : {"", "-", ".", "1e3", "+1", "1 ", "1,5", "nan", "1.2.3", "--1"}) {
    EXPECT_FALSE(parse_decimal_rounded(bad, 9, v, r)) << bad;
  }
  EXPECT_FALSE(parse_decimal_rounded("9223372036.8547758075", 9, v, r)) << "rounds past int64";
  EXPECT_TRUE(parse_decimal_rounded("9223372036.8547758074", 9, v, r));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
}

// Property: for random raw values and random tails, the result is the raw value plus one exactly
// when the tail is above half, or a half with an odd raw value (an oracle on the digits).
TEST(FixDecimal, RoundingMatchesTheHalfEvenOracleOnRandomTails) {
  std::uint64_t state = 42;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (int i = 0; i < 100000; ++i) {
    const int decimals = static_cast<int>(next() % 10);
    const std::int64_t raw = static_cast<std::int64_t>(next() % 100000000000000ULL);
    std::string tail;
    const int n = 1 + static_cast<int>(next() % 12);
    for (int k = 0; k < n; ++k) tail += static_cast<char>('0' + next() % 10);
    if (next() % 4 == 0) tail = "5" + std::string(next() % 3, '0');  // exact ties
    std::string text = format_decimal(raw, decimals);
    // exactly `decimals` digits after the point, then the tail
    std::size_t dot = text.find('.');
    int have = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
    if (dot == std::string::npos) text += ".";
    text += std::string(static_cast<std::size_t>(decimals - have), '0') + tail;
    const bool above =
        tail[0] > '5' || (tail[0] == '5' && tail.find_first_not_of('0', 1) != std::string::npos);
    const bool tie = tail[0] == '5' && tail.find_first_not_of('0', 1) == std::string::npos;
    const std::int64_t want = raw + ((above || (tie && raw % 2 != 0)) ? 1 : 0);
    std::int64_t got = 0;
    bool r = false;
    ASSERT_TRUE(parse_decimal_rounded(text, decimals, got, r)) << text;
    ASSERT_EQ(got, want) << text;
    ASSERT_EQ(r, tail.find_first_not_of('0') != std::string::npos) << text;
  }
}

TEST(FixTimestamp, ParsesUtcTimestampsWithAnyPrecision) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parse_utc_timestamp("20240229-13:45:01", 17, ns));
  EXPECT_EQ(ns, 1709214301LL * 1000000000LL);
  const std::string ms = "20240229-13:45:01.123";
  ASSERT_TRUE(parse_utc_timestamp(ms.data(), ms.size(), ns));
  EXPECT_EQ(ns, 1709214301123000000LL);
  const std::string nano = "19700101-00:00:00.000000007";
  ASSERT_TRUE(parse_utc_timestamp(nano.data(), nano.size(), ns));
  EXPECT_EQ(ns, 7);
}

TEST(FixTimestamp, RefusesMalformedTimestamps) {
  std::int64_t ns = 0;
  for (const std::string bad :
       {"20230229-00:00:00", "20240230-00:00:00", "20241301-00:00:00", "20240101-24:00:00",
        "20240101 00:00:00", "20240101-00:00:00.", "20240101-00:00:00.1234567890",
        "2024010-00:00:00", "20240101-00:60:00", "20240101-00:00:00Z",
        // outside the int64-nanosecond range (a hostile TransactTime must not overflow)
        "99991231-23:59:59", "16000101-00:00:00"}) {
    EXPECT_FALSE(parse_utc_timestamp(bad.data(), bad.size(), ns)) << bad;
  }
}

TEST(FixTimestamp, FormatsWithMillisecondsAndRoundTrips) {
  EXPECT_EQ(format_utc_timestamp_ms(1709214301123456789LL), "20240229-13:45:01.123");
  EXPECT_EQ(format_utc_timestamp_ms(0), "19700101-00:00:00.000");
  EXPECT_EQ(format_utc_timestamp_ms(-1), "19691231-23:59:59.999");
  const std::string s = format_utc_timestamp_ms(4102444799999000000LL);
  EXPECT_EQ(s, "20991231-23:59:59.999");
  std::int64_t back = 0;
  ASSERT_TRUE(parse_utc_timestamp(s.data(), s.size(), back));
  EXPECT_EQ(back, 4102444799999000000LL);
}

}  // namespace
}  // namespace fix
}  // namespace ballast
