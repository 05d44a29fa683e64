// Acceptance (issue 3): a 60/40 model run through the drift monitor on 17 years of real daily
// closes (SPY and AGG total-return indices, 2006-02-03 to 2023-06-09). The monitor runs inside
// the real core loop with a manual clock (simulated time), checks drift at 17:30 New York each
// trading day ("check daily, act above 5 points": hybrid calendar) and the test rebalances the
// account to target whenever it triggers. An independent computation, written plainly below from
// the CSV text, must find the same number of rebalances on the same dates.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/adapters/market_data_files.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/market_data_filter.hpp"
#include "support/data_paths.hpp"
#include "support/loop_test_support.hpp"

namespace ballast {
namespace {

// The classic 12's columns of ETFs_TotalReturnIndices.csv from 2005 (tests/data/README.md).
const std::string kCsv = test::test_data("daily/etf12_total_return_2005-01-03_2023-06-09.csv");
constexpr double kBand = 0.05;
constexpr double kNav0 = 1'000'000.0;

// ------------------------------------------------------------------ the independent computation

struct Day {
  int y, m, d;
  double spy, agg;
};

std::vector<Day> read_plainly() {
  std::ifstream f(kCsv);
  std::string line;
  std::getline(f, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
  auto split = [](std::string l) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    std::vector<std::string> out;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
  };
  const auto header = split(line);
  std::size_t spy = 0, agg = 0;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "SPY") spy = i;
    if (header[i] == "AGG") agg = i;
  }
  std::vector<Day> days;
  while (std::getline(f, line)) {
    const auto c = split(line);
    if (c.size() <= std::max(spy, agg) || c[spy] == "NA" || c[agg] == "NA") continue;
    Day d{};
    std::sscanf(c[0].c_str(), "%d/%d/%d", &d.m, &d.d, &d.y);
    d.spy = std::stod(c[spy]);
    d.agg = std::stod(c[agg]);
    const int key = d.y * 10'000 + d.m * 100 + d.d;
    if (key >= 20060203 && key <= 20230609) days.push_back(d);
  }
  return days;
}

std::vector<std::string> plain_rebalance_dates(const std::vector<Day>& days) {
  std::vector<std::string> dates{};
  double s = 0.6 * kNav0 / days[0].spy;
  double a = 0.4 * kNav0 / days[0].agg;
  for (std::size_t k = 1; k < days.size(); ++k) {
    const double nav = s * days[k].spy + a * days[k].agg;
    const double w = s * days[k].spy / nav;
    if (std::fabs(w - 0.6) > kBand) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", days[k].y, days[k].m, days[k].d);
      dates.push_back(buf);
      s = 0.6 * nav / days[k].spy;
      a = 0.4 * nav / days[k].agg;
    }
  }
  return dates;
}

// ------------------------------------------------------------------ the engine

/// Executes each rebalance at the day's closes (whole targets, shares to 6 decimals), as the order
/// manager will, and tells the monitor the holdings changed.
struct Rebalancer {
  PortfolioBook& book;
  MarketState& market;
  std::vector<std::string> dates{};
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    const auto* r = std::get_if<RebalanceTriggered>(&e);
    if (r == nullptr) return;
    dates.push_back(to_string(to_us_eastern(now).date));
    const double nav = static_cast<double>(book.nav_exact(r->account)) * 1e-15;
    const std::uint32_t first = book.first_slot(r->account);
    for (std::uint32_t k = 0; k < book.slot_count(r->account); ++k) {
      const Slot& sl = book.slot(first + k);
      const InstrumentId inst{sl.inst};
      const Price mark = market.mark_long(inst);
      const Qty want =
          Qty::from_double(sl.target * nav / mark.to_double(), Rounding::kTowardZero).value();
      const Qty have{sl.qty};
      if (want == have) continue;
      ASSERT_TRUE(book.apply_fill(r->account, inst, want > have ? Side::kBuy : Side::kSell,
                                  (want - have).abs(), mark, market));
    }
    // As the order manager does: the monitor re-evaluates the account on FillBooked.
    FillBooked f{};
    f.account = r->account;
    out.emit(f);
  }
};

using test::NullSink;

TEST(ThresholdRebalance, SixtyFortyOnRealDailyClosesMatchesAPlainComputation) {
  const auto days = read_plainly();
  ASSERT_GT(days.size(), 4'000u);
  const auto expected = plain_rebalance_dates(days);

  InstrumentTable instruments;
  const auto spy = instruments.add({.symbol = "SPY"}).value();
  const auto agg =
      instruments.add({.symbol = "AGG", .asset_class = AssetClass::kFixedIncome}).value();
  auto table = load_daily_closes(kCsv);
  ASSERT_TRUE(table.ok()) << table.error().message;
  auto shared = std::make_shared<const DailyCloseTable>(std::move(table).value());
  auto reader = DailyCloseReader::open(shared, instruments, {"SPY", "AGG"});
  ASSERT_TRUE(reader.ok()) << reader.error().message;

  MarketDataQualityConfig q;
  q.mark = MarkPolicy::kLast;
  q.stale_after = std::chrono::hours(24 * 5);
  q.max_move_bps = 5'000;
  MarketState market(instruments.size(), q);
  PortfolioBook book(instruments.size());
  Model m;
  m.key = "60-40";
  m.instruments = {spy, agg};
  m.weights = {0.6, 0.4};
  const auto model = book.add_model(m).value();

  // Events before the start date only prime the marks; the account is bought at the first close.
  const Timestamp start = daily_close_time(CivilDate{std::chrono::year{2006} / 2 / 3});
  const Timestamp end = daily_close_time(CivilDate{std::chrono::year{2023} / 6 / 9});
  Outbox scratch;
  std::vector<Event> events;
  while (auto e = reader.value().next()) {
    const Timestamp t = header(*e).event_time;
    if (t < start) continue;
    if (t > end) break;
    if (t == start) {
      (void)market.on_bar(std::get<BarClosed>(*e), t, scratch);
    } else {
      events.push_back(*e);
    }
  }
  ASSERT_TRUE(reader.value().status().ok());
  AccountSpec acct;
  acct.key = "ACC-6040";
  acct.model = model;
  const double p_spy = market.mark_long(spy).to_double();
  const double p_agg = market.mark_long(agg).to_double();
  const Qty q_spy = Qty::from_double(0.6 * kNav0 / p_spy, Rounding::kTowardZero).value();
  const Qty q_agg = Qty::from_double(0.4 * kNav0 / p_agg, Rounding::kTowardZero).value();
  acct.positions = {{spy, q_spy}, {agg, q_agg}};
  acct.cash = Money::from_units(1'000'000) -
              notional(market.mark_long(spy), q_spy, Rounding::kHalfEven) -
              notional(market.mark_long(agg), q_agg, Rounding::kHalfEven);
  (void)book.add_account(acct, market).value();

  TriggerConfig t;
  t.absolute = {true, kBand};
  t.relative.enabled = false;
  t.calendar.enabled = true;
  t.calendar.frequency = CalendarFrequency::kDaily;
  t.calendar.at = TimeOfDay::at(17, 30);  // after every close has arrived (21:00 UTC)
  t.calendar.hybrid = true;
  t.cash_flow.enabled = false;
  t.cool_down = Duration{0};
  t.rearm_fraction = 1.0;
  t.trading_hours.start = TimeOfDay{0};
  t.trading_hours.end = TimeOfDay{24 * 60};
  t.cost_benefit.enabled = false;
  MarketDataFilter filter(market, 0, std::chrono::hours(24));
  DriftMonitor monitor(book, market, {t});
  Rebalancer rebalancer{book, market};
  ComponentChain<MarketDataFilter, DriftMonitor, Rebalancer> chain(filter, monitor, rebalancer);
  ManualClock clock{start};
  NullSink sink;
  CoreLoop loop(clock, chain, sink);

  auto run_timers_until = [&](Timestamp limit) {
    while (auto due = loop.next_timer_due()) {
      if (*due > limit) break;
      clock.set(*due);
      loop.do_work();
    }
  };
  for (const Event& e : events) {
    const Timestamp at = header(e).event_time;
    run_timers_until(at - std::chrono::nanoseconds(1));
    clock.set(at);
    loop.process(e);
  }
  run_timers_until(end + std::chrono::hours(3));

  EXPECT_GE(expected.size(), 3u) << "the real data must actually rebalance for this to test much";
  EXPECT_EQ(rebalancer.dates, expected);
  EXPECT_EQ(monitor.counters().triggers, expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    std::printf("rebalance %zu: %s\n", k + 1, expected[k].c_str());
}

}  // namespace
}  // namespace ballast
