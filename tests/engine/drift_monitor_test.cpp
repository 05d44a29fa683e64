// The drift/trigger monitor: every trigger and gate, driven by hand with explicit times.
#include "ballast/engine/drift_monitor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "drift_fixtures.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using namespace test;

/// A desk with SPY at 80 and AGG at 100, one account of 13 SPY + 7 AGG following 60/40
/// (w_SPY = 1040/1740 = 0.5977). SPY at exactly 100 puts w_SPY at 0.65: the 5-point band's edge.
struct MonitorTest : ::testing::Test {
  Desk d;
  ModelId m = d.model_60_40();
  AccountId a;
  TriggerConfig prof = quiet_triggers();
  Outbox out;

  void SetUp() override {
    d.price_all(ny(9, 0), "80", "100");
    a = d.account(m, "13", "7");
  }
  FilteredMonitor monitor(std::vector<TriggerConfig> profiles = {},
                          const TrackingErrorModel* te = nullptr) {
    if (profiles.empty()) profiles = {prof};
    return FilteredMonitor(d.book, d.market, std::move(profiles), te);
  }
  std::vector<RebalanceTriggered> tick(FilteredMonitor& mon, const char* spy_mid, Timestamp t) {
    out.clear();
    mon.on_event(quote(d.spy, spy_mid, spy_mid, t), t, out);
    return of_type<RebalanceTriggered>(out);
  }
};

TEST_F(MonitorTest, AbsoluteBandDoesNotFireExactlyAtTheBandAndFiresJustAbove) {
  prof.absolute = {true, 0.05};
  auto mon = monitor();
  EXPECT_TRUE(tick(mon, "100", ny(10, 0)).empty());
  EXPECT_NEAR(mon.figures(a, ny(10, 0)).max_abs, 0.05, 1e-15);
  auto fired = tick(mon, "100.01", ny(10, 1));
  ASSERT_EQ(fired.size(), 1u);
  const auto& ev = fired[0];
  EXPECT_EQ(ev.rule, TriggerRule::kAbsoluteBand);
  EXPECT_EQ(ev.account, a);
  EXPECT_EQ(ev.model, m);
  EXPECT_EQ(ev.worst, d.spy);
  EXPECT_NEAR(ev.worst_weight, 1300.13 / 2000.13, 1e-12);
  EXPECT_EQ(ev.worst_target, 0.6);
  EXPECT_EQ(ev.worst_price, px("100.01"));
  EXPECT_EQ(ev.worst_price_time, ny(10, 1));
  EXPECT_EQ(ev.nav, money("2000.13"));
  EXPECT_NEAR(ev.half_turnover, 1300.13 / 2000.13 - 0.6, 1e-12);
  EXPECT_GT(ev.band_utilization, 1.0);
}

TEST_F(MonitorTest, WhyRecordListsEveryWeightTargetAndPriceWithItsTime) {
  prof.absolute = {true, 0.05};
  auto mon = monitor();
  auto fired = tick(mon, "110", ny(10, 0));
  ASSERT_EQ(fired.size(), 1u);
  auto why = mon.why(fired[0].why_id);
  ASSERT_EQ(why.size(), 3u);  // SPY, AGG, cash
  EXPECT_EQ(why[0].instrument, d.spy);
  EXPECT_EQ(why[0].price, px("110"));
  EXPECT_EQ(why[0].price_time, ny(10, 0));
  EXPECT_EQ(why[1].instrument, d.agg);
  EXPECT_EQ(why[1].price, px("100"));
  EXPECT_EQ(why[1].price_time, ny(9, 0));
  EXPECT_NEAR(why[0].weight + why[1].weight + why[2].weight, 1.0, 1e-12);
  EXPECT_FALSE(why[2].instrument.valid());
  EXPECT_TRUE(mon.why(12345).empty());
}

TEST_F(MonitorTest, RelativeBandComparesDriftWithTheTargetsShare) {
  prof.relative = {true, 0.15};  // |w - t| > 0.15 t
  auto mon = monitor();
  EXPECT_TRUE(tick(mon, "100", ny(10, 0)).empty());  // SPY 0.65 (8.3%), AGG 0.35 (12.5%)
  auto fired = tick(mon, "105", ny(10, 1));          // AGG 700/2065 = 0.339: 15.25%
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, TriggerRule::kRelativeBand);
  EXPECT_NEAR(fired[0].max_rel_drift, (0.4 - 700.0 / 2065) / 0.4, 1e-12);
}

TEST_F(MonitorTest, CombineAllNeedsEveryEnabledConditionToHold) {
  prof.absolute = {true, 0.05};
  prof.relative = {true, 0.30};  // AGG below 0.28
  prof.combine = TriggerCombine::kAll;
  auto mon = monitor();
  EXPECT_TRUE(tick(mon, "110", ny(10, 0)).empty());  // abs holds (SPY 0.671), rel does not
  auto fired = tick(mon, "130", ny(10, 1));          // AGG 700/2390 = 0.293: 26.8%
  EXPECT_TRUE(fired.empty());
  fired = tick(mon, "150", ny(10, 2));  // AGG 700/2650 = 0.264: 34%
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rules_held, (1u << 0) | (1u << 1));
}

TEST(DriftMonitor, ZeroTargetsEmptyAccountsAndUnpricedInstrumentsStayNaNFree) {
  Desk d;
  Model m;
  m.key = "all-spy";
  m.instruments = {d.spy, d.agg};
  m.weights = {1.0, 0.0};
  const auto model = d.book.add_model(m).value();
  d.price_all(ny(9, 0));
  const auto holds_agg = d.account(model, "50", "50");  // AGG has a zero target
  const auto empty = d.account(model, "0", "0", "0");
  TriggerConfig t = quiet_triggers();
  t.absolute = {true, 0.05};
  t.relative = {true, 0.05};
  FilteredMonitor mon(d.book, d.market, {t});
  const auto f = mon.figures(holds_agg, ny(10, 0));
  EXPECT_TRUE(f.complete);
  EXPECT_DOUBLE_EQ(f.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(f.max_rel, 0.5);  // only SPY (target 1) counts for relative drift
  for (double v : {f.max_abs, f.max_rel, f.half_turnover, f.abs_utilization, f.rel_utilization}) {
    EXPECT_TRUE(std::isfinite(v));
  }
  const auto e = mon.figures(empty, ny(10, 0));
  EXPECT_FALSE(e.complete);
  EXPECT_EQ(e.max_abs, 0.0);
  Outbox out;
  mon.on_event(quote(d.spy, "101", "101", ny(10, 0)), ny(10, 0), out);
  auto fired = of_type<RebalanceTriggered>(out);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, holds_agg);
}

TEST(DriftMonitor, AnInstrumentWithNoPriceYetBlocksTheAccountsTriggers) {
  Desk d;
  const auto m = d.model_60_40();
  Outbox out;
  (void)d.market.on_quote(quote(d.spy, "100", "100", ny(9, 0)), ny(9, 0), out);  // AGG unpriced
  const auto a = d.account(m, "60", "40");
  TriggerConfig t = quiet_triggers();
  t.absolute = {true, 0.05};
  FilteredMonitor mon(d.book, d.market, {t});
  out.clear();
  mon.on_event(quote(d.spy, "130", "130", ny(10, 0)), ny(10, 0), out);
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  EXPECT_FALSE(mon.figures(a, ny(10, 0)).complete);
  EXPECT_EQ(mon.counters().incomplete, 1u);
  mon.on_event(quote(d.agg, "100", "100", ny(10, 1)), ny(10, 1), out);
  EXPECT_EQ(of_type<RebalanceTriggered>(out).size(), 1u);
}

TEST_F(MonitorTest, AStalePriceBlocksTriggers) {
  prof.absolute = {true, 0.05};
  d.quality.stale_after = std::chrono::minutes(30);
  MarketState fresh_market(d.instruments.size(), d.quality);
  Outbox o;
  (void)fresh_market.on_quote(quote(d.spy, "80", "80", ny(9, 0)), ny(9, 0), o);
  (void)fresh_market.on_quote(quote(d.agg, "100", "100", ny(9, 0)), ny(9, 0), o);
  FilteredMonitor mon(d.book, fresh_market, {prof});
  // AGG's price is from 09:00; at 10:00 it is stale, so SPY's jump cannot trigger.
  out.clear();
  mon.on_event(quote(d.spy, "120", "120", ny(10, 0)), ny(10, 0), out);
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  mon.on_event(quote(d.agg, "100.01", "100.01", ny(10, 1)), ny(10, 1), out);
  EXPECT_EQ(of_type<RebalanceTriggered>(out).size(), 1u);
}

TEST_F(MonitorTest, CoolDownHoldsASecondTriggerUntilItEnds) {
  prof.absolute = {true, 0.05};
  prof.cool_down = std::chrono::minutes(30);
  auto mon = monitor();
  ASSERT_EQ(tick(mon, "110", ny(10, 0)).size(), 1u);
  EXPECT_TRUE(tick(mon, "80", ny(10, 5)).empty());    // back inside: re-arms
  EXPECT_TRUE(tick(mon, "110", ny(10, 10)).empty());  // breached, but cooling down
  EXPECT_EQ(mon.counters().gated_cool_down, 1u);
  EXPECT_EQ(tick(mon, "110.5", ny(10, 30)).size(), 1u);  // exactly 30 minutes later
}

TEST_F(MonitorTest, HysteresisReArmsOnlyBelowTheLowerBand) {
  prof.absolute = {true, 0.05};
  prof.rearm_fraction = 0.5;  // re-arm below 2.5 points of drift
  auto mon = monitor();
  ASSERT_EQ(tick(mon, "110", ny(10, 0)).size(), 1u);  // 0.671
  EXPECT_TRUE(tick(mon, "95", ny(10, 1)).empty());    // 1235/1935 = 0.638: 3.8 points, not re-armed
  EXPECT_TRUE(tick(mon, "110", ny(10, 2)).empty());
  EXPECT_EQ(mon.counters().gated_rearm, 1u);
  EXPECT_TRUE(tick(mon, "85", ny(10, 3)).empty());  // 1105/1805 = 0.612: re-armed
  EXPECT_EQ(tick(mon, "110", ny(10, 4)).size(), 1u);
}

TEST_F(MonitorTest, TradingHoursWindowGatesTriggers) {
  prof.absolute = {true, 0.05};
  prof.trading_hours.start = TimeOfDay::at(9, 30);
  prof.trading_hours.end = TimeOfDay::at(16, 0);
  auto mon = monitor();
  EXPECT_TRUE(tick(mon, "110", ny(9, 29)).empty());
  EXPECT_TRUE(tick(mon, "110.1", ny(16, 0)).empty());     // end is exclusive
  EXPECT_TRUE(tick(mon, "110.2", ny(12, 0, 9)).empty());  // Saturday 2024-03-09
  EXPECT_EQ(mon.counters().gated_hours, 3u);
  EXPECT_EQ(tick(mon, "110.3", ny(9, 30)).size(), 1u);  // start is inclusive
}

TEST_F(MonitorTest, PendingOrdersHoldTheNextTrigger) {
  prof.absolute = {true, 0.05};
  auto mon = monitor();
  ASSERT_TRUE(d.book.add_pending(a, d.spy, qty("-1")));
  EXPECT_TRUE(tick(mon, "110", ny(10, 0)).empty());
  EXPECT_EQ(mon.counters().gated_pending, 1u);
  ASSERT_TRUE(d.book.add_pending(a, d.spy, qty("1")));
  EXPECT_EQ(tick(mon, "110.1", ny(10, 1)).size(), 1u);
}

TEST_F(MonitorTest, CashFlowAboveTheShareOfNavTriggers) {
  prof.cash_flow = {true, 0.02};
  auto mon = monitor();
  CashFlowReceived small{};
  small.account = a;
  small.amount = money("30");  // 30 / 1770 = 1.7%
  mon.on_event(small, ny(10, 0), out);
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  CashFlowReceived big = small;
  big.amount = money("-100");  // withdrawal: 100 / 1800 = 5.6%
  mon.on_event(big, ny(10, 1), out);
  auto fired = of_type<RebalanceTriggered>(out);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, TriggerRule::kCashFlow);
  EXPECT_EQ(fired[0].nav, money("1670"));
}

TEST_F(MonitorTest, CalendarFiresOnScheduleAndHybridOnlyWhenDriftHolds) {
  TriggerConfig plain = prof;
  plain.calendar.enabled = true;
  plain.calendar.frequency = CalendarFrequency::kDaily;
  plain.calendar.at = TimeOfDay::at(15, 30);
  TriggerConfig hybrid = plain;
  hybrid.calendar.hybrid = true;
  hybrid.absolute = {true, 0.05};
  Desk d2;
  const auto m2 = d2.model_60_40();
  d2.price_all(ny(9, 0), "80", "100");
  const auto a_plain = d2.account(m2, "13", "7", "0", 0);
  const auto a_hybrid = d2.account(m2, "13", "7", "0", 1);
  FilteredMonitor mon2(d2.book, d2.market, {plain, hybrid});
  out.clear();
  mon2.on_event(quote(d2.spy, "110", "110", ny(10, 0)), ny(10, 0), out);
  // Hybrid: drift alone never triggers between scheduled times.
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  auto timers = of_type<ScheduleTimer>(out);
  ASSERT_EQ(timers.size(), 3u);  // stale check + one calendar per profile
  EXPECT_EQ(timers[1].due, ny(15, 30));
  TimerFired f{};
  f.timer = timers[2].timer;
  f.owner = timers[2].owner;
  f.cookie = timers[2].cookie;
  out.clear();
  mon2.on_event(f, ny(15, 30), out);
  auto fired = of_type<RebalanceTriggered>(out);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, a_hybrid);
  EXPECT_EQ(fired[0].rule, TriggerRule::kHybrid);
  ASSERT_EQ(of_type<ScheduleTimer>(out).at(0).due, ny(15, 30, 6));  // next day
  // Plain calendar: fires whatever the drift.
  f.timer = timers[1].timer;
  f.cookie = timers[1].cookie;
  out.clear();
  mon2.on_event(quote(d2.spy, "80", "80", ny(15, 0)), ny(15, 0), out);
  mon2.on_event(f, ny(15, 30), out);
  fired = of_type<RebalanceTriggered>(out);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].account, a_plain);
  EXPECT_EQ(fired[0].rule, TriggerRule::kCalendar);
}

TEST(CalendarTrigger, NextTimesFollowTheScheduleAcrossWeekendsMonthsAndDst) {
  CalendarTrigger c;
  c.enabled = true;
  c.at = TimeOfDay::at(15, 30);
  c.frequency = CalendarFrequency::kDaily;
  EXPECT_EQ(next_calendar_time(c, ny(16, 0, 8)), ny(15, 30, 11));  // Friday -> Monday
  c.frequency = CalendarFrequency::kWeekly;
  c.weekday = Weekday::kWednesday;
  EXPECT_EQ(next_calendar_time(c, ny(10, 0, 5)), ny(15, 30, 6));
  c.frequency = CalendarFrequency::kMonthly;
  c.day = PeriodDay::kLast;
  EXPECT_EQ(next_calendar_time(c, ny(10, 0, 5)), ny(15, 30, 29));  // Fri 2024-03-29
  c.day = PeriodDay::kFirst;
  EXPECT_EQ(next_calendar_time(c, ny(10, 0, 5)), ny(15, 30, 1, 4));  // Mon 2024-04-01
  c.frequency = CalendarFrequency::kQuarterly;
  c.day = PeriodDay::kLast;
  EXPECT_EQ(next_calendar_time(c, ny(10, 0, 5)), ny(15, 30, 29));
  EXPECT_EQ(next_calendar_time(c, ny(16, 0, 29)), ny(15, 30, 28, 6));  // Fri 2024-06-28
  // 15:30 New York is 20:30 UTC in winter and 19:30 UTC in summer (DST from 2024-03-10).
  EXPECT_EQ(ny(15, 30, 8).ns % 86'400'000'000'000 / 3'600'000'000'000, 20);
  EXPECT_EQ(ny(15, 30, 11).ns % 86'400'000'000'000 / 3'600'000'000'000, 19);
}

TEST(DriftMonitor, VolatilityAdaptiveBandsWidenWhenRealisedVolIsHigh) {
  MarketDataQualityConfig q = Desk::default_quality();
  q.mark = MarkPolicy::kLast;
  q.max_move_bps = 10'000;
  Desk d(q);
  const auto m = d.model_60_40();
  // Trading days of February 2024 (weekends are outside trading hours).
  const int feb[] = {1, 2, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16};
  auto bar_event = [&](InstrumentId i, double close, int day) {
    BarClosed b{};
    b.hdr.event_time = ny(16, 0, feb[day], 2);
    b.instrument = i;
    b.close = Price::from_double(close, Rounding::kHalfEven).value();
    b.period_ns = 86'400'000'000'000;
    return b;
  };
  Outbox out;
  (void)d.market.on_bar(bar_event(d.agg, 100, 0), ny(16, 0, 1, 2), out);
  (void)d.market.on_bar(bar_event(d.spy, 80, 0), ny(16, 0, 1, 2), out);
  d.account(m, "13", "7");
  TriggerConfig prof = quiet_triggers();
  prof.absolute = {true, 0.05};
  prof.volatility_adaptive = {true, 0.15, 5, 0.5, 2.0};
  FilteredMonitor mon(d.book, d.market, {prof});
  auto bar = [&](InstrumentId i, double close, int day) {
    const BarClosed b = bar_event(i, close, day);
    out.clear();
    mon.on_event(b, b.hdr.event_time, out);
    return of_type<RebalanceTriggered>(out);
  };
  // Each instrument's band scales with its own realised volatility. SPY swings 5% a day (about
  // 80% annualised: the multiplier clamps at 2), AGG 1.5% (about 26%: x1.7).
  for (int k = 1; k < 8; ++k) {
    (void)bar(d.agg, k % 2 ? 101.5 : 100, k);
    (void)bar(d.spy, k % 2 ? 84 : 80, k);
  }
  EXPECT_GT(d.market.realized_vol(d.spy), 0.3);
  EXPECT_GT(d.market.realized_vol(d.agg), 0.2);
  // SPY at 110: 6.8 points of drift, inside both widened bands, outside the configured 5 points.
  EXPECT_TRUE(bar(d.spy, 110, 9).empty());
  EXPECT_EQ(bar(d.spy, 160, 10).size(), 1u);  // 2080/2780 = 0.748: 14.8 points, outside
}

TEST_F(MonitorTest, TrackingErrorTriggerUsesTheRiskModel) {
  prof.tracking_error = {true, 0.015};
  // Annualised covariance: SPY vol 20%, AGG vol 5%, correlation 0.
  CovarianceTrackingError cov(2, {0.04, 0.0, 0.0, 0.0025});
  auto mon = monitor({prof}, &cov);
  auto te_at = [](double spy_px) {
    const double nav = 13 * spy_px + 700;
    const double a1 = 13 * spy_px / nav - 0.6;
    const double a2 = 700 / nav - 0.4;
    return std::sqrt(a1 * a1 * 0.04 + a2 * a2 * 0.0025);
  };
  ASSERT_LT(te_at(100), 0.015);
  EXPECT_TRUE(tick(mon, "100", ny(10, 0)).empty());
  EXPECT_NEAR(mon.figures(a, ny(10, 0)).tracking_error, te_at(100), 1e-12);
  ASSERT_GT(te_at(120), 0.015);
  auto fired = tick(mon, "120", ny(10, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, TriggerRule::kTrackingError);
  EXPECT_NEAR(fired[0].tracking_error, te_at(120), 1e-12);
}

TEST_F(MonitorTest, CostBenefitGateHoldsTradesWhoseCostExceedsTheBenefit) {
  prof.absolute = {true, 0.05};
  prof.cost_benefit = {true, 3.0};
  CovarianceTrackingError cov(2, {0.04, 0.0, 0.0, 0.0025});
  auto mon = monitor({prof}, &cov);
  // SPY 100/122 (mid 111): TE 1.51% of NAV; trading back moves 7.3 points of SPY at a 9.9% half
  // spread and 7.3 points of AGG, cost 0.73% of NAV; 3 x 0.73% > 1.51%: held.
  out.clear();
  mon.on_event(quote(d.spy, "100", "122", ny(10, 0)), ny(10, 0), out);
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  EXPECT_EQ(mon.counters().gated_cost, 1u);
  // Tight quote at the same mid: cost 0.002% of NAV, far below the benefit.
  out.clear();
  mon.on_event(quote(d.spy, "111.49", "111.51", ny(10, 1)), ny(10, 1), out);
  EXPECT_EQ(of_type<RebalanceTriggered>(out).size(), 1u);
}

TEST_F(MonitorTest, HeldBackPricesNeverTriggerARebalance) {
  prof.absolute = {true, 0.05};
  auto mon = monitor();
  out.clear();
  mon.on_event(quote(d.spy, "150", "100", ny(10, 0)), ny(10, 0), out);  // crossed
  mon.on_event(quote(d.spy, "0", "150", ny(10, 1)), ny(10, 1), out);    // zero bid
  EXPECT_TRUE(of_type<RebalanceTriggered>(out).empty());
  EXPECT_EQ(of_type<MarketDataHeld>(out).size(), 2u);
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

using namespace test;

// The NAV-interval fast path must never change a decision: two monitors over identical books,
// one with the fast path and one evaluating every touched account in full, see the same random
// walk and must emit the same triggers at the same times.
TEST(DriftMonitorFastPath, DecidesExactlyLikeTheFullEvaluation) {
  constexpr int kInstruments = 12;
  struct World {
    MarketState market;
    PortfolioBook book;
    explicit World(const MarketDataQualityConfig& q)
        : market(kInstruments, q), book(kInstruments) {}
  };
  MarketDataQualityConfig q = Desk::default_quality();
  q.max_move_bps = 2'000;
  auto build = [&](World& w) {
    std::mt19937_64 rng(11);
    Outbox o;
    for (std::uint32_t i = 0; i < kInstruments; ++i) {
      (void)w.market.on_quote(quote(InstrumentId{i}, "100", "100", ny(9, 0)), ny(9, 0), o);
    }
    for (int m = 0; m < 3; ++m) {
      Model model;
      model.key = "M" + std::to_string(m);
      for (std::uint32_t i = 0; i < 6; ++i) {
        model.instruments.push_back(
            InstrumentId{(i * 2 + static_cast<std::uint32_t>(m)) % kInstruments});
        model.weights.push_back(0.16);
      }
      model.cash_weight = 0.04;
      (void)w.book.add_model(model).value();
    }
    for (int a = 0; a < 300; ++a) {
      const auto m = static_cast<std::uint32_t>(a % 3);
      const Model& model = w.book.model(ModelId{m});
      AccountSpec s;
      s.key = "A" + std::to_string(a);
      s.model = ModelId{m};
      s.cash = Money::from_units(static_cast<std::int64_t>(200 + rng() % 800));
      for (auto inst : model.instruments) {
        s.positions.push_back(
            {inst, Qty::from_units(static_cast<std::int64_t>(100 + rng() % 200))});
      }
      s.trigger_profile = static_cast<std::uint32_t>(a % 2);
      if (a % 7 == 0) s.restricted = {model.instruments[1]};
      if (a % 5 == 0) s.bands.push_back({model.instruments[0], 0.02, -1});
      (void)w.book.add_account(s, w.market).value();
    }
  };
  TriggerConfig abs = quiet_triggers();
  abs.absolute = {true, 0.04};
  abs.rearm_fraction = 0.7;
  abs.cool_down = std::chrono::minutes(2);
  TriggerConfig rel = quiet_triggers();
  rel.absolute = {true, 0.06};
  rel.relative = {true, 0.2};
  World fast_world(q), full_world(q);
  build(fast_world);
  build(full_world);
  FilteredMonitor fast(fast_world.book, fast_world.market, {abs, rel}, nullptr, {});
  FilteredMonitor full(full_world.book, full_world.market, {abs, rel}, nullptr,
                       {.fast_path = false});
  std::mt19937_64 rng(5);
  std::vector<std::int64_t> cents(kInstruments, 10'000);
  Timestamp t = ny(9, 30);
  std::size_t triggers = 0;
  const int ticks = test::scaled_cases(30'000);
  for (int tick = 0; tick < ticks; ++tick) {
    t += std::chrono::seconds(1);
    const auto i = static_cast<std::uint32_t>(rng() % kInstruments);
    cents[i] = std::max<std::int64_t>(2'000, cents[i] + static_cast<std::int64_t>(rng() % 41) - 20);
    QuoteUpdated qu = quote(InstrumentId{i}, "1", "1", t);
    qu.bid = qu.ask = Price{cents[i] * 10'000'000};
    Outbox of, ou;
    fast.on_event(qu, t, of);
    full.on_event(qu, t, ou);
    auto a = of_type<RebalanceTriggered>(of);
    auto b = of_type<RebalanceTriggered>(ou);
    ASSERT_EQ(a.size(), b.size()) << "tick " << tick;
    for (std::size_t k = 0; k < a.size(); ++k) {
      ASSERT_EQ(a[k].account, b[k].account) << "tick " << tick;
      ASSERT_EQ(a[k].rule, b[k].rule);
      ASSERT_EQ(a[k].max_abs_drift, b[k].max_abs_drift);
    }
    triggers += a.size();
    // Execute each rebalance at the marks (whole shares, toward the targets) in both worlds, as the
    // order manager will, and tell the monitors the holdings changed.
    for (const auto& ev : a) {
      for (World* w : {&fast_world, &full_world}) {
        const double nav = static_cast<double>(w->book.nav_exact(ev.account)) * 1e-15;
        const std::uint32_t first = w->book.first_slot(ev.account);
        for (std::uint32_t k = 0; k < w->book.slot_count(ev.account); ++k) {
          const Slot& sl = w->book.slot(first + k);
          if (sl.flags & kSlotRestricted) continue;
          const InstrumentId inst{sl.inst};
          const Price mark = w->market.mark_long(inst);
          const auto want = static_cast<std::int64_t>(sl.target * nav / mark.to_double());
          const std::int64_t have = sl.qty / Qty::kScale;
          if (want == have) continue;
          ASSERT_TRUE(w->book.apply_fill(ev.account, inst, want > have ? Side::kBuy : Side::kSell,
                                         Qty::from_units(std::abs(want - have)), mark, w->market));
        }
      }
      fast.invalidate(ev.account);
      full.invalidate(ev.account);
    }
    // Now and then a cash flow (the fast path must notice the account changed).
    if (tick % 1'000 == 999) {
      CashFlowReceived cf{};
      cf.account = AccountId{static_cast<std::uint32_t>(rng() % 300)};
      cf.amount = Money::from_units(500);
      fast.on_event(cf, t, of);
      full.on_event(cf, t, ou);
    }
  }
  EXPECT_GT(triggers, static_cast<std::size_t>(ticks) / 600)
      << "the walk must actually trigger for the comparison to mean much";
  EXPECT_GT(fast.counters().fast_path, fast.counters().account_updates * 8 / 10);
  EXPECT_EQ(full.counters().fast_path, 0u);
  EXPECT_EQ(fast.counters().triggers, full.counters().triggers);
  std::printf("fast path: %llu of %llu updates, %zu triggers\n",
              static_cast<unsigned long long>(fast.counters().fast_path),
              static_cast<unsigned long long>(fast.counters().account_updates), triggers);
}

}  // namespace
}  // namespace ballast
