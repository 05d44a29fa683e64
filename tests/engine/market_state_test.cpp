// Market state: marks and the data-quality filter.
#include "ballast/engine/market_state.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "drift_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;

struct MarketStateTest : ::testing::Test {
  MarketDataQualityConfig cfg = [] {
    MarketDataQualityConfig c;
    c.stale_after = std::chrono::seconds(5);
    c.max_move_bps = 1'000;  // 10%
    c.mark = MarkPolicy::kMid;
    return c;
  }();
  MarketState m{2, cfg};
  Outbox out;
  InstrumentId i{0};
  Timestamp t0 = ny(10, 0);
};

TEST_F(MarketStateTest, MarksAtTheMidRoundedHalfEven) {
  auto c = m.on_quote(quote(i, "100.00", "100.01", t0), t0, out);
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(m.mark_long(i), px("100.005"));
  (void)m.on_quote(quote(i, "0.000000001", "0.000000002", t0), t0, out);  // mid 1.5e-9 -> 2e-9
  EXPECT_EQ(m.mark_long(i).raw, 100'005'000'000);  // an outlier: held, mark unchanged
  EXPECT_TRUE(out.size() == 1);
}

TEST_F(MarketStateTest, HoldsZeroAndCrossedQuotesAndSaysWhy) {
  (void)m.on_quote(quote(i, "100", "100.02", t0), t0, out);
  out.clear();
  EXPECT_FALSE(m.on_quote(quote(i, "0", "100.02", t0), t0, out).changed);
  EXPECT_FALSE(m.on_quote(quote(i, "100", "100.02", t0, "0"), t0, out).changed);
  EXPECT_FALSE(m.on_quote(quote(i, "100.05", "100.01", t0), t0, out).changed);
  auto held = of_type<MarketDataHeld>(out);
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(held[0].reason, HeldReason::kZeroOrMissing);
  EXPECT_EQ(held[1].reason, HeldReason::kZeroOrMissing);
  EXPECT_EQ(held[2].reason, HeldReason::kCrossed);
  EXPECT_EQ(held[2].bid, px("100.05"));
  EXPECT_EQ(held[2].last_good, px("100.01"));
  EXPECT_EQ(m.mark_long(i), px("100.01"));
  EXPECT_EQ(m.held_count(HeldReason::kCrossed), 1u);
}

TEST_F(MarketStateTest, AcceptsALockedMarket) {
  EXPECT_TRUE(m.on_quote(quote(i, "50", "50", t0), t0, out).changed);
  EXPECT_TRUE(out.empty());
}

TEST_F(MarketStateTest, HoldsAnOutlierUntilTheNextTickConfirmsIt) {
  (void)m.on_quote(quote(i, "100", "100", t0), t0, out);
  EXPECT_FALSE(m.on_quote(quote(i, "120", "120", t0 + 1s), t0 + 1s, out).changed);
  EXPECT_EQ(m.mark_long(i), px("100"));
  ASSERT_EQ(of_type<MarketDataHeld>(out).at(0).reason, HeldReason::kOutlier);
  // Confirmed: the next tick is near the held price.
  auto c = m.on_quote(quote(i, "121", "121", t0 + 2s), t0 + 2s, out);
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(c.old_long, px("100"));
  EXPECT_EQ(m.mark_long(i), px("121"));
}

TEST_F(MarketStateTest, DiscardsAnUnconfirmedOutlier) {
  (void)m.on_quote(quote(i, "100", "100", t0), t0, out);
  (void)m.on_quote(quote(i, "0.5", "0.5", t0 + 1s), t0 + 1s, out);         // fat finger
  auto c = m.on_quote(quote(i, "100.1", "100.1", t0 + 2s), t0 + 2s, out);  // back to normal
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(m.mark_long(i), px("100.1"));
  // A second jump after a normal tick is held again (the discarded candidate confirms nothing).
  EXPECT_FALSE(m.on_quote(quote(i, "0.51", "0.51", t0 + 3s), t0 + 3s, out).changed);
}

TEST_F(MarketStateTest, ReportsStalenessOnceAndClearsItOnAFreshPrice) {
  (void)m.on_quote(quote(i, "100", "100", t0), t0, out);
  out.clear();
  EXPECT_TRUE(m.is_fresh(i, t0 + 5s));
  EXPECT_FALSE(m.is_fresh(i, t0 + 6s));
  m.check_stale(t0 + 5s, out);
  EXPECT_TRUE(out.empty());  // exactly at stale_after is still fresh
  m.check_stale(t0 + 6s, out);
  m.check_stale(t0 + 7s, out);
  auto held = of_type<MarketDataHeld>(out);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].reason, HeldReason::kStale);
  EXPECT_FALSE(m.is_fresh(InstrumentId{1}, t0));  // never priced: not fresh
  (void)m.on_quote(quote(i, "100.01", "100.01", t0 + 8s), t0 + 8s, out);
  out.clear();
  m.check_stale(t0 + 20s, out);
  EXPECT_EQ(out.size(), 1u);  // stale again later: reported again
}

TEST(MarketState, BidForLongsMarksLongsAtTheBidAndShortsAtTheAsk) {
  MarketDataQualityConfig c;
  c.mark = MarkPolicy::kBidForLongs;
  MarketState m(1, c);
  Outbox out;
  (void)m.on_quote(quote(InstrumentId{0}, "99.98", "100.02", ny(10, 0)), ny(10, 0), out);
  EXPECT_EQ(m.mark_for(InstrumentId{0}, 5), px("99.98"));
  EXPECT_EQ(m.mark_for(InstrumentId{0}, -5), px("100.02"));
}

TEST(MarketState, LastPolicyMarksAtTradesAndKeepsQuotesForSpreads) {
  MarketDataQualityConfig c;
  c.mark = MarkPolicy::kLast;
  MarketState m(1, c);
  Outbox out;
  const InstrumentId i{0};
  EXPECT_FALSE(m.on_quote(quote(i, "99", "101", ny(10, 0)), ny(10, 0), out).changed);
  EXPECT_FALSE(m.has_mark(i));
  EXPECT_NEAR(m.half_spread(i), 0.01, 1e-12);
  EXPECT_TRUE(m.on_trade(trade(i, "100.5", ny(10, 1)), ny(10, 1), out).changed);
  EXPECT_EQ(m.mark_long(i), px("100.5"));
  EXPECT_FALSE(m.on_trade(trade(i, "0", ny(10, 2)), ny(10, 2), out).changed);
  EXPECT_EQ(of_type<MarketDataHeld>(out).size(), 1u);
}

TEST(MarketState, RealizedVolatilityMatchesAPlainComputation) {
  MarketDataQualityConfig c;
  c.mark = MarkPolicy::kLast;
  c.max_move_bps = 10'000;
  MarketState m(1, c);
  m.set_vol_lookback(3);
  Outbox out;
  const double closes[] = {100, 101, 99.5, 102, 103};
  for (int d = 0; d < 5; ++d) {
    BarClosed b{};
    b.hdr.event_time = Timestamp{(19'000LL + d) * 86'400'000'000'000LL};
    b.instrument = InstrumentId{0};
    b.close = Price::from_double(closes[d], Rounding::kHalfEven).value();
    b.period_ns = 86'400'000'000'000LL;
    (void)m.on_bar(b, b.hdr.event_time, out);
  }
  // Last 3 log returns.
  std::vector<double> r = {std::log(99.5 / 101), std::log(102 / 99.5), std::log(103.0 / 102)};
  const double mean = (r[0] + r[1] + r[2]) / 3;
  double ss = 0;
  for (double x : r) ss += (x - mean) * (x - mean);
  EXPECT_NEAR(m.realized_vol(InstrumentId{0}), std::sqrt(ss / 2 * 252), 1e-12);
}

}  // namespace
}  // namespace ballast
