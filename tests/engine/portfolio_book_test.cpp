// Portfolio book: accounts, targets, exact incremental NAV.
#include "ballast/engine/portfolio_book.hpp"

#include <gtest/gtest.h>

#include <random>

#include "drift_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;

TEST(PortfolioBook, ComputesNavFromCashAndMarks) {
  Desk d;
  d.price_all(ny(10, 0), "450.10", "98.20");
  const auto a = d.account(d.model_60_40(), "10", "20", "1000.5");
  // 10 x 450.10 + 20 x 98.20 + 1000.5 = 4501 + 1964 + 1000.5
  EXPECT_EQ(d.book.nav(a), money("7465.5"));
  EXPECT_EQ(d.book.slot_count(a), 2u);
}

TEST(PortfolioBook, IncrementalNavEqualsFullRecomputationExactly) {
  Desk d;
  d.price_all(ny(10, 0), "450.10", "98.20");
  const auto m = d.model_60_40();
  std::mt19937_64 rng(3);
  std::vector<AccountId> accts;
  for (int k = 0; k < 200; ++k) {
    const std::string sq = std::to_string(rng() % 1000) + "." + std::to_string(rng() % 1000000);
    const std::string aq = std::to_string(rng() % 1000);
    accts.push_back(d.account(m, sq.c_str(), aq.c_str(), "12.345678"));
  }
  Outbox out;
  Timestamp t = ny(10, 0);
  for (int tick = 0; tick < 20'000; ++tick) {
    t += 1ms;
    const InstrumentId i = tick % 2 ? d.spy : d.agg;
    const Price base = d.market.mark_long(i);
    const std::int64_t step = static_cast<std::int64_t>(rng() % 2001) - 1000;  // +-1e-6 $
    const Price p{base.raw + step * 1000};
    QuoteUpdated q = quote(i, "1", "1", t);
    q.bid = p;
    q.ask = p;
    const MarkChange mc = d.market.on_quote(q, t, out);
    if (mc.changed) d.book.revalue(i, mc);
  }
  for (auto a : accts) ASSERT_EQ(d.book.nav_exact(a), d.book.recompute_nav(a, d.market));
}

TEST(PortfolioBook, RestrictedInstrumentsAreExcludedAndTheirTargetSpreadOverTheRest) {
  Desk d;
  d.price_all(ny(10, 0));
  const auto m = d.model_60_40(0.1);  // SPY 0.5, AGG 0.4, cash 0.1
  AccountSpec s;
  s.key = "R";
  s.model = m;
  s.cash = money("1000");
  s.positions = {{d.agg, qty("5")}};
  s.restricted = {d.agg};
  const auto a = d.book.add_account(s, d.market).value();
  const auto first = d.book.first_slot(a);
  EXPECT_NEAR(d.book.slot_target(first), 0.9, 1e-15);  // SPY takes all the non-cash weight
  EXPECT_EQ(d.book.slot_target(first + 1), 0.0);
  EXPECT_TRUE(d.book.slot_flags(first + 1) & kSlotRestricted);
}

TEST(PortfolioBook, CashFlowsAndFillsMoveCashPositionsAndNav) {
  Desk d;
  d.price_all(ny(10, 0), "100", "50");
  const auto a = d.account(d.model_60_40(), "0", "0", "10000");
  d.book.apply_cash_flow(a, money("-2500.25"));
  EXPECT_EQ(d.book.cash(a), money("7499.75"));
  ASSERT_TRUE(d.book.apply_fill(a, d.spy, Side::kBuy, qty("10"), px("100.02"), d.market));
  EXPECT_EQ(d.book.position(a, d.spy), qty("10"));
  EXPECT_EQ(d.book.cash(a), money("6499.55"));
  EXPECT_EQ(d.book.nav(a), money("7499.55"));  // 10 x 100 mark + cash
  ASSERT_TRUE(d.book.add_pending(a, d.agg, qty("-3")));
  EXPECT_TRUE(d.book.has_pending(a));
}

TEST(PortfolioBook, RejectsBadModelsAndAccounts) {
  Desk d;
  Model m;
  m.key = "bad";
  m.instruments = {d.spy, d.agg};
  m.weights = {0.6, 0.5};
  EXPECT_NE(d.book.add_model(m).error().message.find("sum to 1.1"), std::string::npos);
  AccountSpec s;
  s.key = "X";
  s.model = ModelId{7};
  EXPECT_NE(d.book.add_account(s, d.market).error().message.find("unknown model"),
            std::string::npos);
}

}  // namespace
}  // namespace ballast
