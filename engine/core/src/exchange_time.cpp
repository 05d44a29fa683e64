// US/Eastern local time.
#include "ballast/core/exchange_time.hpp"

#include <tuple>
#include <utility>

namespace ballast {

namespace {

using namespace std::chrono;

constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
constexpr std::int64_t kNsPerMinute = 60'000'000'000;

sys_days nth_sunday(int y, unsigned m, unsigned n) {
  return sys_days{year_month_weekday{year{y} / month{m} / Sunday[n]}};
}
sys_days last_sunday(int y, unsigned m) {
  return sys_days{year_month_weekday_last{year{y} / month{m} / Sunday[last]}};
}

}  // namespace

std::chrono::minutes us_eastern_utc_offset(CivilDate date) noexcept {
  const int y = static_cast<int>(date.year());
  const sys_days d{date};
  sys_days start;
  sys_days end;  // first day back on standard time
  if (y >= 2007) {
    start = nth_sunday(y, 3, 2);
    end = nth_sunday(y, 11, 1);
  } else {
    start = nth_sunday(y, 4, 1);
    end = last_sunday(y, 10);
  }
  return (d >= start && d < end) ? hours(-4) : hours(-5);
}

ExchangeLocalTime to_us_eastern(Timestamp utc) noexcept {
  // The offset depends on the local date, which depends on the offset: try EST first, then EDT.
  auto local_of = [&](minutes off) {
    const std::int64_t local_ns = utc.ns + duration_cast<nanoseconds>(off).count();
    std::int64_t nd = local_ns / kNsPerDay;
    std::int64_t rem = local_ns % kNsPerDay;
    if (rem < 0) {
      rem += kNsPerDay;
      --nd;
    }
    return std::pair{sys_days{days{nd}}, rem};
  };
  auto [day, rem] = local_of(hours(-5));
  if (us_eastern_utc_offset(CivilDate{day}) == hours(-4)) {
    std::tie(day, rem) = local_of(hours(-4));
  }
  ExchangeLocalTime t;
  t.date = CivilDate{day};
  t.ns_of_day = rem;
  t.minute_of_day = static_cast<int>(rem / kNsPerMinute);
  t.weekday = weekday{day};
  return t;
}

Timestamp us_eastern_to_utc(CivilDate date, int minute_of_day) noexcept {
  const std::int64_t day_ns = sys_days{date}.time_since_epoch().count() * kNsPerDay;
  const std::int64_t local_ns = day_ns + static_cast<std::int64_t>(minute_of_day) * kNsPerMinute;
  return Timestamp{local_ns - duration_cast<nanoseconds>(us_eastern_utc_offset(date)).count()};
}

}  // namespace ballast
