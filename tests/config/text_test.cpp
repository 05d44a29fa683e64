// Scalar text parsers and the edit distance behind "did you mean".
#include "ballast/config/text.hpp"

#include <gtest/gtest.h>

namespace ballast::config {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("100ns").value(), nanoseconds(100));
  EXPECT_EQ(parse_duration("500us").value(), microseconds(500));
  EXPECT_EQ(parse_duration("250ms").value(), milliseconds(250));
  EXPECT_EQ(parse_duration("30s").value(), seconds(30));
  EXPECT_EQ(parse_duration("5m").value(), minutes(5));
  EXPECT_EQ(parse_duration("1h").value(), hours(1));
  EXPECT_EQ(parse_duration("0").value(), nanoseconds(0));
  EXPECT_EQ(parse_duration("0s").value(), nanoseconds(0));
}

TEST(ParseDuration, ReadsDecimalsExactly) {
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
  EXPECT_EQ(parse_duration("0.25ms").value(), microseconds(250));
  EXPECT_EQ(parse_duration("1.5m").value(), seconds(90));
}

TEST(ParseDuration, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "30", "30 s", "30sec", "5M", "-1s", "1..5s", "1.s", ".5s", "s",
                          "1e3ms", "30 minutes", "1_000ms"}) {
    const auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("expected a duration"), std::string::npos) << bad;
  }
}

TEST(ParseDuration, RejectsFractionsOfANanosecondAndOverflow) {
  EXPECT_NE(parse_duration("0.5ns").error().message.find("not a whole number of nanoseconds"),
            std::string::npos);
  EXPECT_NE(parse_duration("999999999999h").error().message.find("out of range"),
            std::string::npos);
}

TEST(ParseByteSize, ReadsBytesAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("4096").value(), 4096u);
  EXPECT_EQ(parse_byte_size("512KiB").value(), 512u << 10);
  EXPECT_EQ(parse_byte_size("64MiB").value(), 64u << 20);
  EXPECT_EQ(parse_byte_size("2GiB").value(), 2ull << 30);
  EXPECT_FALSE(parse_byte_size("64MB").ok());
  EXPECT_FALSE(parse_byte_size("1.5GiB").ok());
  EXPECT_FALSE(parse_byte_size("-1").ok());
}

TEST(ParseTimeOfDay, ReadsHoursAndMinutes) {
  EXPECT_EQ(parse_time_of_day("09:30").value(), TimeOfDay::at(9, 30));
  EXPECT_EQ(parse_time_of_day("9:30").value(), TimeOfDay::at(9, 30));
  EXPECT_EQ(parse_time_of_day("23:59").value().minutes, 1439);
  EXPECT_EQ(TimeOfDay::at(9, 5).to_string(), "09:05");
  for (const char* bad : {"24:00", "12:60", "1230", "12:3", "ab:cd", "-1:00", "12:30:00", ""}) {
    EXPECT_FALSE(parse_time_of_day(bad).ok()) << bad;
  }
}

TEST(ParseInteger, AcceptsSignsAndDigitSeparators) {
  EXPECT_EQ(parse_integer("65_536").value(), 65536);
  EXPECT_EQ(parse_integer("-1").value(), -1);
  EXPECT_EQ(parse_integer("+7").value(), 7);
  for (const char* bad : {"", "-", "1.0", "0x10", "1e3", "_1", "1_", "1__0", "twelve"}) {
    EXPECT_FALSE(parse_integer(bad).ok()) << bad;
  }
  EXPECT_NE(parse_integer("99999999999999999999").error().message.find("out of range"),
            std::string::npos);
}

TEST(ParseReal, AcceptsDecimalsAndExponentsButNotInfinity) {
  EXPECT_DOUBLE_EQ(parse_real("0.6").value(), 0.6);
  EXPECT_DOUBLE_EQ(parse_real("1e-8").value(), 1e-8);
  EXPECT_DOUBLE_EQ(parse_real("+2.5").value(), 2.5);
  EXPECT_DOUBLE_EQ(parse_real("-.5").value(), -0.5);
  for (const char* bad : {"", ".inf", "inf", "nan", "1,5", "5%", "0.6 ", "0x1p3"}) {
    EXPECT_FALSE(parse_real(bad).ok()) << bad;
  }
}

TEST(ParseBool, AcceptsTheYamlSpellings) {
  EXPECT_TRUE(parse_bool("true").value());
  EXPECT_TRUE(parse_bool("Yes").value());
  EXPECT_FALSE(parse_bool("off").value());
  EXPECT_FALSE(parse_bool("FALSE").value());
  EXPECT_FALSE(parse_bool("1").ok());
  EXPECT_FALSE(parse_bool("tru").ok());
}

TEST(EditDistance, CountsAnAdjacentSwapAsOneEdit) {
  EXPECT_EQ(edit_distance("tick_szie", "tick_size"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> keys = {"symbol", "tick_size", "lot_size", "currency",
                                         "asset_class"};
  EXPECT_EQ(closest_match("tick_szie", keys), "tick_size");
  EXPECT_EQ(closest_match("Symbol", keys), "symbol");
  EXPECT_EQ(closest_match("curency", keys), "currency");
  EXPECT_FALSE(closest_match("foo", keys).has_value());
  EXPECT_FALSE(closest_match("description", keys).has_value());
  // Equally close to two candidates: no guess.
  EXPECT_FALSE(closest_match("FIX.5.0", {"FIX.4.2", "FIX.4.4"}).has_value());
}

}  // namespace
}  // namespace ballast::config
