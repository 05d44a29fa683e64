// US equity exchange local time (America/New_York) from UTC timestamps, and back.
//
// Rule: daylight time (UTC-4) from the second Sunday of March to the day before the first Sunday
// of November (rules since 2007); 1987-2006: first Sunday of April to the day before the last
// Sunday of October; standard time (UTC-5) otherwise. The switch at 02:00 local is ignored: the
// whole date takes the offset that applies during trading hours, so at a change the hour before
// and the hour after local midnight of the changeover date share UTC times (to_us_eastern gives the
// earlier date for them); trading hours are far from it. Weekends are not trading days;
// exchange holidays are not modelled (a calendar trigger on a holiday fires on that weekday).
#pragma once

#include <chrono>
#include <cstdint>

#include "ballast/core/time.hpp"

namespace ballast {

using CivilDate = std::chrono::year_month_day;

/// Local wall-clock time at the exchange.
struct ExchangeLocalTime {
  CivilDate date{};
  int minute_of_day = 0;       ///< 0..1439
  std::int64_t ns_of_day = 0;  ///< nanoseconds after local midnight
  std::chrono::weekday weekday{};
};

/// UTC offset of US/Eastern on `date` (-4 h or -5 h). Dates before 1987 use the 1987-2006 rule.
std::chrono::minutes us_eastern_utc_offset(CivilDate date) noexcept;

/// Converts a UTC timestamp to US/Eastern local time.
ExchangeLocalTime to_us_eastern(Timestamp utc) noexcept;

/// Returns the UTC timestamp of `minute_of_day` local time on `date` in US/Eastern.
Timestamp us_eastern_to_utc(CivilDate date, int minute_of_day) noexcept;

/// True for Monday..Friday.
constexpr bool is_weekday(std::chrono::weekday w) noexcept {
  return w != std::chrono::Saturday && w != std::chrono::Sunday;
}

}  // namespace ballast
