// The drift monitor with prices missing and accounts that hold nothing yet (issue 13, items 4
// and 5): a cash-only account is evaluated when its model's instruments tick; a rebalance that
// would buy an instrument with no price waits for it (DriftMonitor::Options::price_wait), then goes
// ahead without it and names it in the why-record; the instrument's first price re-arms the
// account; accounts with no NAV are never weighed.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "ballast/engine/lot_rounding.hpp"
#include "drift_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;

/// The periodic check (the market-data filter's stale marks, then the monitor's waiting
/// rebalances) at t.
TimerFired periodic_check(Timestamp t) {
  TimerFired tf{};
  tf.hdr.event_time = t;
  tf.timer = MarketDataFilter::stale_timer();
  tf.owner = MarketDataFilter::kTimerOwner;
  tf.cookie = MarketDataFilter::kStaleCookie;
  return tf;
}

TimerFired calendar_timer(Timestamp t, std::uint32_t profile = 0) {
  TimerFired tf{};
  tf.hdr.event_time = t;
  tf.owner = DriftMonitor::kTimerOwner;
  tf.cookie = profile;
  return tf;
}

std::vector<RebalanceTriggered> feed(FilteredMonitor& mon, const Event& e, Timestamp t) {
  Outbox out;
  mon.on_event(e, t, out);
  return of_type<RebalanceTriggered>(out);
}

TriggerConfig band_5() {
  TriggerConfig t = quiet_triggers();
  t.absolute = {true, 0.05};
  return t;
}

TEST(DriftPriceGaps, WhyRecordsInASmallRingNeverWrapAndExpireOldestFirst) {
  // Five accounts trigger on one tick, three lines each (SPY, AGG, cash), into a ring of 7 lines:
  // records start at lines 0, 3, then 7 (a record never wraps: line 6 is skipped), 10 and 14. The
  // last two are whole and equal, line for line, to what a monitor with a large ring recorded for
  // the same desk; the first three were overwritten and are gone.
  struct Run {
    Desk d;
    std::unique_ptr<FilteredMonitor> mon;
    std::vector<RebalanceTriggered> fired;
    explicit Run(std::size_t ring) {
      const auto m = d.model_60_40();
      d.price_all(ny(9, 0));
      const char* spy[] = {"10", "20", "30", "40", "50"};
      for (const char* q : spy) (void)d.account(m, q, "0", "100000");
      DriftMonitor::Options o;
      o.why_log_lines = ring;
      mon = std::make_unique<FilteredMonitor>(d.book, d.market, std::vector{band_5()}, nullptr, o);
      fired = feed(*mon, quote(d.spy, "100.01", "100.03", ny(10, 0)), ny(10, 0));
    }
  };
  Run small(7), large(1u << 10);
  ASSERT_EQ(small.fired.size(), 5u);
  ASSERT_EQ(large.fired.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    ASSERT_EQ(small.fired[k].account, large.fired[k].account);
    const auto got = small.mon->why(small.fired[k].why_id);
    if (k < 3) {
      EXPECT_TRUE(got.empty()) << "record " << k << " was overwritten";
      continue;
    }
    const auto want = large.mon->why(large.fired[k].why_id);
    ASSERT_EQ(want.size(), 3u);
    ASSERT_EQ(got.size(), 3u) << "record " << k;
    for (std::size_t l = 0; l < 3; ++l) {
      EXPECT_EQ(got[l].instrument, want[l].instrument) << k << "/" << l;
      EXPECT_EQ(got[l].weight, want[l].weight) << k << "/" << l;
      EXPECT_EQ(got[l].target, want[l].target) << k << "/" << l;
      EXPECT_EQ(got[l].price, want[l].price) << k << "/" << l;
      EXPECT_EQ(got[l].excluded, want[l].excluded) << k << "/" << l;
    }
    EXPECT_EQ(got[0].instrument, small.d.spy);
    EXPECT_GT(got[0].weight, 0.0);
    EXPECT_FALSE(got[2].instrument.valid()) << "the last line is cash";
  }
  // Distinct accounts, distinct records: the SPY weights differ.
  EXPECT_NE(small.mon->why(small.fired[3].why_id)[0].weight,
            small.mon->why(small.fired[4].why_id)[0].weight);
}

TEST(DriftPriceGaps, ACashOnlyAccountIsEvaluatedOnItsModelsTicksAndTriggers) {
  Desk d;
  const auto m = d.model_60_40();
  d.price_all(ny(9, 0));
  const AccountId funded = d.account(m, "0", "0", "100000");  // new, funded: cash only
  FilteredMonitor mon(d.book, d.market, {band_5()});
  const auto fired = feed(mon, quote(d.spy, "100.01", "100.03", ny(10, 0)), ny(10, 0));
  ASSERT_EQ(fired.size(), 1u) << "a cash-only account must be evaluated when SPY ticks";
  EXPECT_EQ(fired[0].account, funded);
  EXPECT_EQ(fired[0].rule, TriggerRule::kAbsoluteBand);
  EXPECT_DOUBLE_EQ(fired[0].worst_weight, 1.0);  // all cash against a cash target of 0
  EXPECT_EQ(fired[0].nav, money("100000"));
  const auto why = mon.why(fired[0].why_id);
  ASSERT_EQ(why.size(), 3u);
  for (const auto& l : why) EXPECT_EQ(l.excluded, WhyExclusion::kNone);
  // Disarmed after the trigger, like any account: the next tick does not fire again.
  EXPECT_TRUE(feed(mon, quote(d.agg, "99", "99.02", ny(10, 1)), ny(10, 1)).empty());
}

TEST(DriftPriceGaps, ARebalanceWaitsForAnUnquotedModelInstrumentAndGoesWhenItQuotes) {
  Desk d;
  const auto m = d.model_60_40();
  Outbox o;
  (void)d.market.on_quote(quote(d.spy, "100", "100", ny(9, 30)), ny(9, 30), o);  // AGG: nothing
  const AccountId a = d.account(m, "0", "0", "100000");
  FilteredMonitor mon(d.book, d.market, {band_5()});  // price_wait 60 s (the default)
  EXPECT_TRUE(feed(mon, quote(d.spy, "100.01", "100.01", ny(9, 30)), ny(9, 30)).empty());
  EXPECT_EQ(mon.counters().waiting_price, 1u);
  EXPECT_TRUE(mon.figures(a, ny(9, 30)).complete);
  EXPECT_EQ(mon.figures(a, ny(9, 30)).unpriced, 1u);
  // Twenty seconds later AGG opens: the waiting rebalance goes, with nothing left out.
  const Timestamp t = ny(9, 30) + std::chrono::seconds(20);
  const auto fired = feed(mon, quote(d.agg, "100", "100.02", t), t);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, a);
  for (const auto& l : mon.why(fired[0].why_id)) EXPECT_EQ(l.excluded, WhyExclusion::kNone);
  EXPECT_EQ(mon.counters().excluded, 0u);
}

TEST(DriftPriceGaps, AfterPriceWaitTheRebalanceExcludesTheUnpricedInstrumentAndItsPriceReArms) {
  Desk d;
  const auto m = d.model_60_40();
  Outbox o;
  (void)d.market.on_quote(quote(d.spy, "100", "100", ny(9, 30)), ny(9, 30), o);
  const AccountId a = d.account(m, "0", "0", "10000");
  FilteredMonitor mon(d.book, d.market, {band_5()});
  EXPECT_TRUE(feed(mon, quote(d.spy, "100.01", "100.01", ny(9, 30)), ny(9, 30)).empty());
  const Timestamp t59 = ny(9, 30) + std::chrono::seconds(59);
  EXPECT_TRUE(feed(mon, periodic_check(t59), t59).empty()) << "still inside price_wait";
  const Timestamp t60 = ny(9, 30) + std::chrono::seconds(60);
  const auto fired = feed(mon, periodic_check(t60), t60);
  ASSERT_EQ(fired.size(), 1u) << "price_wait over: go without AGG";
  const auto why = mon.why(fired[0].why_id);
  ASSERT_EQ(why.size(), 3u);
  EXPECT_EQ(why[0].instrument, d.spy);
  EXPECT_EQ(why[0].excluded, WhyExclusion::kNone);
  EXPECT_EQ(why[1].instrument, d.agg);
  EXPECT_EQ(why[1].excluded, WhyExclusion::kNoPrice);
  EXPECT_EQ(why[1].price, Price{});
  EXPECT_EQ(std::string(to_string(why[1].excluded)), "no_price");
  EXPECT_EQ(mon.counters().excluded, 1u);
  // The rebalance bought SPY only (60 at 100.01); AGG's weight stays 0 against 0.4.
  ASSERT_TRUE(d.book.apply_fill(a, d.spy, Side::kBuy, qty("60"), px("100.01"), d.market));
  mon.invalidate(a);
  const Timestamp t2 = ny(9, 45);
  EXPECT_TRUE(feed(mon, quote(d.spy, "100.02", "100.02", t2), t2).empty()) << "disarmed";
  // AGG's first price re-arms the account: the rebalance that buys it follows.
  const Timestamp t3 = ny(9, 50);
  const auto again = feed(mon, quote(d.agg, "100", "100", t3), t3);
  ASSERT_EQ(again.size(), 1u);
  for (const auto& l : mon.why(again[0].why_id)) EXPECT_EQ(l.excluded, WhyExclusion::kNone);
}

TEST(DriftPriceGaps, ASkippedTriggerReArmsOnlyAnAccountOwedALeftOutInstrument) {
  DriftMonitor::Options opt;
  opt.price_wait = Duration{0};
  TriggerConfig t = band_5();
  t.rearm_fraction = 0.8;
  {
    // Every price there: a trigger the rebalancer skips leaves the account disarmed (hysteresis).
    Desk d;
    const auto m = d.model_60_40();
    d.price_all(ny(9, 0));
    const AccountId a = d.account(m, "0", "0", "10000");
    FilteredMonitor mon(d.book, d.market, {t}, nullptr, opt);
    ASSERT_EQ(feed(mon, quote(d.spy, "100.01", "100.01", ny(9, 30)), ny(9, 30)).size(), 1u);
    mon.rearm(a);
    EXPECT_TRUE(feed(mon, quote(d.spy, "100.02", "100.02", ny(9, 31)), ny(9, 31)).empty());
  }
  {
    // AGG left out at 09:30, priced at 09:32: the account is owed it. Its trigger skipped (the
    // 09:30 rebalance still working) re-arms it, until its drift is resolved.
    Desk d;
    const auto m = d.model_60_40();
    Outbox o;
    (void)d.market.on_quote(quote(d.spy, "100", "100", ny(9, 0)), ny(9, 0), o);
    const AccountId a = d.account(m, "0", "0", "10000");
    FilteredMonitor mon(d.book, d.market, {t}, nullptr, opt);
    auto fired = feed(mon, quote(d.spy, "100.01", "100.01", ny(9, 30)), ny(9, 30));
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(mon.why(fired[0].why_id)[1].excluded, WhyExclusion::kNoPrice);
    ASSERT_TRUE(d.book.apply_fill(a, d.spy, Side::kBuy, qty("60"), px("100.01"), d.market));
    mon.invalidate(a);
    ASSERT_EQ(feed(mon, quote(d.agg, "100", "100", ny(9, 32)), ny(9, 32)).size(), 1u);
    mon.rearm(a);  // skipped by the rebalancer
    EXPECT_EQ(feed(mon, quote(d.spy, "100.02", "100.02", ny(9, 33)), ny(9, 33)).size(), 1u);
    // AGG bought: in band, nothing fires and nothing is owed any more.
    ASSERT_TRUE(d.book.apply_fill(a, d.agg, Side::kBuy, qty("39"), px("100"), d.market));
    mon.invalidate(a);
    EXPECT_TRUE(feed(mon, quote(d.spy, "100.03", "100.03", ny(9, 34)), ny(9, 34)).empty());
  }
}

TEST(DriftPriceGaps, AStaleTargetPriceIsExcludedAsStale) {
  Desk d(Desk::default_quality());
  d.quality.stale_after = std::chrono::minutes(5);
  MarketState market(d.instruments.size(), d.quality);
  Outbox o;
  (void)market.on_quote(quote(d.agg, "100", "100", ny(9, 0)), ny(9, 0), o);
  (void)market.on_quote(quote(d.spy, "100", "100", ny(10, 0)), ny(10, 0), o);
  const auto m = d.model_60_40();
  AccountSpec s;
  s.key = "A";
  s.model = m;
  s.cash = money("5000");
  s.positions = {{d.spy, qty("10")}};
  const AccountId a = d.book.add_account(s, market).value();
  DriftMonitor::Options opt;
  opt.price_wait = Duration{0};  // no wait: trade the priced ones at once
  FilteredMonitor mon(d.book, market, {band_5()}, nullptr, opt);
  Outbox out;
  mon.on_event(quote(d.spy, "100.01", "100.01", ny(10, 0)), ny(10, 0), out);
  const auto fired = of_type<RebalanceTriggered>(out);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, a);
  const auto why = mon.why(fired[0].why_id);
  EXPECT_EQ(why[1].instrument, d.agg);
  EXPECT_EQ(why[1].excluded, WhyExclusion::kStalePrice);
  EXPECT_EQ(why[1].price_time, ny(9, 0));
}

TEST(DriftPriceGaps, AScheduledRebalanceWaitsForAHeldInstrumentsPriceInsteadOfVanishing) {
  Desk d;
  const auto m = d.model_60_40();
  Outbox o;
  (void)d.market.on_quote(quote(d.spy, "100", "100", ny(9, 0)), ny(9, 0), o);
  const AccountId a = d.account(m, "60", "40", "0");  // holds AGG, which has no price yet
  TriggerConfig t = quiet_triggers();
  t.calendar.enabled = true;
  t.calendar.frequency = CalendarFrequency::kDaily;
  t.calendar.at = TimeOfDay{9 * 60 + 30};
  FilteredMonitor mon(d.book, d.market, {t});
  EXPECT_TRUE(feed(mon, calendar_timer(ny(9, 30)), ny(9, 30)).empty());
  EXPECT_EQ(mon.counters().incomplete, 1u);
  // No deadline for a held instrument (the NAV is unknown): the periodic check does not fire it.
  const Timestamp later = ny(9, 40);
  EXPECT_TRUE(feed(mon, periodic_check(later), later).empty());
  const auto fired = feed(mon, quote(d.agg, "100", "100", ny(9, 41)), ny(9, 41));
  ASSERT_EQ(fired.size(), 1u) << "the 09:30 calendar rebalance goes when AGG prices";
  EXPECT_EQ(fired[0].account, a);
  EXPECT_EQ(fired[0].rule, TriggerRule::kCalendar);
}

TEST(DriftPriceGaps, AccountsWithoutAPositiveNavAreNeverWeighedAndNegativeCashIs) {
  Desk d;
  const auto m = d.model_60_40();
  d.price_all(ny(9, 0));
  const AccountId empty = d.account(m, "0", "0", "0");
  const AccountId in_debt = d.account(m, "60", "0", "-20000");    // NAV 6000 - 20000 < 0
  const AccountId overdrawn = d.account(m, "60", "40", "-1000");  // NAV 9000, cash weight < 0
  TriggerConfig t = band_5();
  t.cash_flow = {true, 0.01};
  t.calendar.enabled = true;
  t.calendar.frequency = CalendarFrequency::kDaily;
  t.calendar.at = TimeOfDay{10 * 60};
  FilteredMonitor mon(d.book, d.market, {t});
  const auto f = mon.figures(overdrawn, ny(10, 0));
  ASSERT_TRUE(f.complete);
  EXPECT_NEAR(f.max_abs, 1000.0 / 9000.0, 1e-12);  // cash -0.111 against 0; SPY/AGG 0.667/0.444
  EXPECT_FALSE(mon.figures(empty, ny(10, 0)).complete);
  EXPECT_FALSE(mon.figures(in_debt, ny(10, 0)).complete);
  auto fired = feed(mon, quote(d.spy, "100.01", "100.01", ny(10, 0)), ny(10, 0));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, overdrawn);
  // The calendar evaluates every account: only the overdrawn one (already fired) has a NAV.
  fired = feed(mon, calendar_timer(ny(10, 0)), ny(10, 0));
  for (const auto& e : fired) EXPECT_EQ(e.account, overdrawn);
  EXPECT_GE(mon.counters().no_nav, 2u);
  // A deposit into the empty account gives it a NAV: the cash-flow trigger fires and invests.
  CashFlowReceived cf{};
  cf.account = empty;
  cf.amount = money("5000");
  fired = feed(mon, cf, ny(10, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, empty);
  EXPECT_EQ(fired[0].rule, TriggerRule::kCashFlow);
  // A withdrawal that takes the account below zero: no trigger, no weights.
  cf.account = in_debt;
  cf.amount = money("-1");
  EXPECT_TRUE(feed(mon, cf, ny(10, 2)).empty());
  for (double v : {f.max_abs, f.max_rel, f.half_turnover}) EXPECT_TRUE(std::isfinite(v));
}

TEST(DriftPriceGaps, ANavBeyondTheMoneyRangeIsNeverWeighedInsteadOfAborting) {
  // A first price nobody filters (no earlier mark to call it an outlier) can value an account
  // beyond what Money holds (9.2e12): firing used to abort converting its NAV.
  Desk d;
  const auto m = d.model_60_40();
  Outbox o;
  (void)d.market.on_quote(quote(d.agg, "100", "100", ny(9, 0)), ny(9, 0), o);
  const AccountId a = d.account(m, "10000", "0", "0");
  FilteredMonitor mon(d.book, d.market, {band_5()});
  EXPECT_TRUE(feed(mon, quote(d.spy, "9000000000", "9000000000", ny(10, 0)), ny(10, 0)).empty());
  EXPECT_FALSE(mon.figures(a, ny(10, 0)).nav_ok);
  EXPECT_GE(mon.counters().no_nav, 1u);
}

TEST(DriftPriceGaps, LotRoundingNeverTradesALineWithoutAPriceInsteadOfAborting) {
  // Was: `invariant failed: lot rounding needs positive prices and lots` (abort).
  std::vector<LotLine> lines(3);
  lines[0].price = px("100");
  lines[0].lot = qty("1");
  lines[0].target = 0.5;
  lines[1].price = Price{};  // not quoted yet
  lines[1].lot = qty("1");
  lines[1].target = 0.4;
  lines[2].price = px("50");
  lines[2].lot = Qty{};  // no lot
  lines[2].target = 0.1;
  const LotResult r = round_to_lots(lines, money("10000"), 0.0);
  EXPECT_EQ(r.trades[0], qty("50"));
  EXPECT_EQ(r.trades[1], Qty{});
  EXPECT_EQ(r.trades[2], Qty{});
  EXPECT_EQ(r.unpriced, 2u);
  EXPECT_EQ(r.cash_after, money("5000"));
}

}  // namespace
}  // namespace ballast
