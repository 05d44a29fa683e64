// US/Eastern exchange time.
#include "ballast/core/exchange_time.hpp"

#include <gtest/gtest.h>

namespace ballast {
namespace {

using namespace std::chrono;
CivilDate ymd(int y, unsigned m, unsigned d) {
  return CivilDate{year{y}, month{m}, day{d}};
}

TEST(UsEasternOffset, FollowsTheDaylightSavingRulesByDate) {
  EXPECT_EQ(us_eastern_utc_offset(ymd(2012, 6, 21)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 10, 8)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 1, 15)), -5h);
  // 2013: second Sunday of March is the 10th, first Sunday of November the 3rd.
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 3, 9)), -5h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 3, 10)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 11, 2)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2013, 11, 3)), -5h);
  // 1987-2006 rules: first Sunday of April (2006: the 2nd) to last Sunday of October (the 29th).
  EXPECT_EQ(us_eastern_utc_offset(ymd(2006, 4, 1)), -5h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2006, 4, 2)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2006, 10, 28)), -4h);
  EXPECT_EQ(us_eastern_utc_offset(ymd(2006, 10, 29)), -5h);
}

TEST(UsEasternTime, ConvertsBothWaysAroundMidnightAndDst) {
  // 09:30 EDT on 2012-06-21 is 13:30 UTC.
  const Timestamp open = us_eastern_to_utc(ymd(2012, 6, 21), 9 * 60 + 30);
  EXPECT_EQ(open.ns,
            (sys_days{ymd(2012, 6, 21)}.time_since_epoch().count() * 86'400LL + 13 * 3600 + 1800) *
                1'000'000'000LL);
  const ExchangeLocalTime t = to_us_eastern(open);
  EXPECT_EQ(t.date, ymd(2012, 6, 21));
  EXPECT_EQ(t.minute_of_day, 9 * 60 + 30);
  EXPECT_EQ(t.weekday, Thursday);
  // 23:30 EST on 2013-01-15 is 04:30 UTC the next day: still the 15th locally.
  const ExchangeLocalTime late = to_us_eastern(us_eastern_to_utc(ymd(2013, 1, 15), 23 * 60 + 30));
  EXPECT_EQ(late.date, ymd(2013, 1, 15));
  EXPECT_EQ(late.minute_of_day, 23 * 60 + 30);
  // Every minute from 01:00 to 22:59 of every day of a year round-trips (the hour either side of
  // midnight is ambiguous next to a DST change: see exchange_time.hpp).
  for (int d = 0; d < 366; ++d) {
    const CivilDate date{sys_days{ymd(2024, 1, 1)} + days{d}};
    for (int m = 60; m < 23 * 60; m += 7) {
      const ExchangeLocalTime r = to_us_eastern(us_eastern_to_utc(date, m));
      ASSERT_EQ(r.date, date);
      ASSERT_EQ(r.minute_of_day, m);
    }
  }
}

}  // namespace
}  // namespace ballast
