// Lot rounding: whole lots, never breaking cash or bounds.
#include "ballast/engine/lot_rounding.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace ballast {
namespace {

LotLine line(const char* px, const char* lot, const char* pos, double target, double lo = 0,
             double hi = 1) {
  LotLine l;
  l.price = Price::parse(px).value();
  l.lot = Qty::parse(lot).value();
  l.position = Qty::parse(pos).value();
  l.target = target;
  l.lower = lo;
  l.upper = hi;
  return l;
}

TEST(LotRounding, RoundsTowardZeroToWholeLots) {
  // NAV = 10,000 cash. Target 33.3% of SPY at 100 in lots of 10: 33.3 shares -> 30.
  const LotLine lines[] = {line("100", "10", "0", 0.333)};
  const auto r = round_to_lots(lines, Money::from_units(10'000), 0.0);
  EXPECT_EQ(r.trades[0], Qty::from_units(30));
  EXPECT_EQ(r.cash_after, Money::from_units(7'000));
}

TEST(LotRounding, RoundsAwayFromZeroWhenABoundRequiresIt) {
  // Holding 25 shares (25% of NAV 10,000 at 100), upper bound 20%: selling 4.x lots of 1 is not
  // enough by truncation of a target of 19.95%; the sell must reach 20 shares.
  LotLine l = line("100", "1", "25", 0.1995, 0.0, 0.2);
  const LotLine lines[] = {l};
  const auto r = round_to_lots(lines, Money::from_units(7'500), 0.0);
  EXPECT_EQ(r.trades[0], Qty::from_units(-5));
  EXPECT_EQ(r.bound_adjusted, 0u);  // -5 is what truncation of -5.05 gives anyway
  LotLine big_lot = line("100", "10", "25", 0.18, 0.0, 0.2);  // must sell 1 lot: 15 shares
  const LotLine lines2[] = {big_lot};
  const auto r2 = round_to_lots(lines2, Money::from_units(7'500), 0.0);
  EXPECT_EQ(r2.trades[0], Qty::from_units(-10));
}

TEST(LotRounding, ACapOnBuysNeverForcesASaleAndStopsBuysAtTheCap) {
  // Holding 25 shares (25 % of NAV 10,000 at 100) against a buys-only cap of 20 %: the position
  // may stay (a target of 25 % trades nothing, where a plain upper bound sells 5), with no
  // violation reported; a position of 10 shares with a target of 30 % buys only to the cap.
  LotLine above = line("100", "1", "25", 0.25, 0.0, 0.2);
  above.caps_buys_only = true;
  LotLine plain = line("100", "1", "25", 0.25, 0.0, 0.2);
  const LotLine lines_a[] = {above};
  const LotLine lines_p[] = {plain};
  const auto ra = round_to_lots(lines_a, Money::from_units(7'500), 0.0);
  const auto rp = round_to_lots(lines_p, Money::from_units(7'500), 0.0);
  EXPECT_EQ(ra.trades[0], Qty{});
  EXPECT_EQ(rp.trades[0], Qty::from_units(-5));
  EXPECT_TRUE(check_lots(lines_a, ra, Money::from_units(7'500), LotLimits{0.0, 1.0, 2.0}).empty());
  LotLine below = line("100", "1", "10", 0.30, 0.0, 0.2);
  below.caps_buys_only = true;
  const LotLine lines_b[] = {below};
  const auto rb = round_to_lots(lines_b, Money::from_units(9'000), 0.0);
  EXPECT_EQ(rb.trades[0], Qty::from_units(10));  // to 20 shares: 20 % of 10,000
}

TEST(LotRounding, TrimsBuysToKeepTheCashFloor) {
  const LotLine lines[] = {line("50", "1", "0", 0.6), line("25", "1", "0", 0.4)};
  const auto r = round_to_lots(lines, Money::from_units(10'000), 0.05);
  EXPECT_GE(r.cash_after.to_double(), 500.0 - 1e-9);
  EXPECT_GT(r.buys_trimmed, 0u);
}

TEST(LotRounding, DropsTradesBelowTheMinimumUnlessABoundNeedsThem) {
  LotLine small = line("100", "1", "10", 0.11);                 // +1 share: $100
  LotLine forced = line("100", "1", "10", 0.0995, 0.0, 0.099);  // must sell 1 ($100)
  const LotLine lines[] = {small, forced};
  const auto r = round_to_lots(lines, Money::from_units(8'000), 0.0, Money::from_units(500));
  EXPECT_EQ(r.trades[0], Qty{});
  EXPECT_EQ(r.dropped[0], 1);
  EXPECT_EQ(r.trades[1], Qty::from_units(-1));
}

// Property (issue 4): over thousands of random accounts, lot rounding never breaks cash or bounds
// and always trades whole lots.
TEST(LotRounding, NeverBreaksCashOrBoundsOnRandomAccounts) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0, 1);
  const char* lots[] = {"1", "10", "100", "0.001"};
  int accounts = 0, checked_lines = 0;
  for (int a = 0; a < 5'000; ++a) {
    const int n = 2 + static_cast<int>(rng() % 19);
    std::vector<LotLine> lines(static_cast<std::size_t>(n));
    const double cash = 1'000 + u(rng) * 200'000;
    double nav = cash;
    for (auto& l : lines) {
      l.price = Price::from_double(5 + u(rng) * 500, Rounding::kHalfEven).value();
      l.lot = Qty::parse(lots[rng() % 4]).value();
      l.position = Qty::from_double(std::floor(u(rng) * 300), Rounding::kDown).value();
      nav += notional(l.price, l.position, Rounding::kHalfEven).to_double();
      l.no_buy = rng() % 10 == 0;
      l.no_sell = rng() % 10 == 1;
      l.cost_rate = u(rng) * 0.002;
    }
    const double buffer = u(rng) * 0.05;
    // Targets: a random split of (1 - buffer) with bounds around them.
    double total = 0;
    for (auto& l : lines) total += (l.target = u(rng));
    for (auto& l : lines) {
      l.target = l.target / total * (1 - buffer);
      l.lower = std::max(0.0, l.target - u(rng) * 0.05);
      l.upper = std::min(1.0, l.target + u(rng) * 0.05);
    }
    Money cash_m = Money::from_double(cash, Rounding::kDown).value();
    const auto r = round_to_lots(lines, cash_m, buffer,
                                 Money::from_units(static_cast<std::int64_t>(rng() % 200)));
    ++accounts;
    // Whole lots, and the trade sign respects no-buy / no-sell.
    double cash_after = cash_m.to_double();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto& l = lines[i];
      ASSERT_EQ(r.trades[i].raw % l.lot.raw, 0) << "account " << a;
      if (l.no_buy) {
        ASSERT_LE(r.trades[i].raw, 0);
      }
      if (l.no_sell) {
        ASSERT_GE(r.trades[i].raw, 0);
      }
      const Money v = notional(l.price, r.trades[i], Rounding::kHalfEven);
      cash_after -= v.to_double() + std::fabs(v.to_double()) * l.cost_rate;
      // Bounds: a position that was inside its bounds stays inside; one that was outside moves
      // toward them (or stays when no whole lot fits).
      const double w_before = l.position.to_double() * l.price.to_double() / nav;
      const double w_after = (l.position + r.trades[i]).to_double() * l.price.to_double() / nav;
      const bool inside_before = w_before >= l.lower - 1e-9 && w_before <= l.upper + 1e-9;
      if (inside_before) {
        ASSERT_GE(w_after, l.lower - 1e-9) << "account " << a << " line " << i;
        ASSERT_LE(w_after, l.upper + 1e-9) << "account " << a << " line " << i;
      }
      ++checked_lines;
    }
    // Cash: at or above the floor, unless no buy is left (the floor was out of reach of the
    // sells alone); and never more spent than there was.
    bool any_buy = false;
    for (const auto& t : r.trades) any_buy = any_buy || t.raw > 0;
    if (any_buy) {
      ASSERT_GE(cash_after, buffer * nav - 0.01) << "account " << a;  // 0.01: fee rounding
    }
    ASSERT_GE(cash_after, std::min(cash_m.to_double(), buffer * nav) - 0.01) << "account " << a;
  }
  EXPECT_EQ(accounts, 5'000);
  EXPECT_GT(checked_lines, 40'000);
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

// check_lots' upper bound on a buys-only line, against a plain oracle over random holdings and
// trades: broken exactly when the post-trade weight is past both the cap and the weight before
// the trade (a holding over its cap may stay, or shrink; a buy may not take it further), and the
// violation reports that larger bound. Lines without the flag: past the cap alone.
TEST(LotRounding, BuysOnlyUpperCheckMatchesAnOracleOnRandomLines) {
  std::mt19937_64 rng(20261207);
  int flagged = 0, allowed_over_cap = 0;
  for (int k = 0; k < 4000; ++k) {
    LotLine l;
    l.price =
        Price::from_double(1.0 + static_cast<double>(rng() % 50'000) / 100.0, Rounding::kHalfEven)
            .value();
    l.lot = Qty::from_units(1);
    l.position = Qty::from_units(static_cast<std::int64_t>(rng() % 2'000));
    l.upper = static_cast<double>(rng() % 1'000) / 1'000.0;
    l.caps_buys_only = rng() % 4 != 0;
    const std::int64_t trade = static_cast<std::int64_t>(rng() % 800) - 400;
    const std::int64_t t = std::max<std::int64_t>(trade, -l.position.raw / Qty::kScale);
    const Money cash = Money::from_units(static_cast<std::int64_t>(rng() % 500'000));
    LotResult r;
    r.trades = {Qty::from_units(t)};
    r.cash_after = cash - notional(l.price, r.trades[0], Rounding::kHalfEven);
    const LotLine lines[] = {l};
    const auto v = check_lots(lines, r, cash, LotLimits{-1e9, 1e9});

    const double nav = (cash + notional(l.price, l.position, Rounding::kHalfEven)).to_double();
    if (!(nav > 0)) continue;
    const double before = notional(l.price, l.position, Rounding::kHalfEven).to_double() / nav;
    const double after =
        notional(l.price, l.position + r.trades[0], Rounding::kHalfEven).to_double() / nav;
    const double bound = l.caps_buys_only ? std::max(l.upper, before) : l.upper;
    const bool want = after - bound > 1e-12;
    const LotViolation* up = nullptr;
    for (const auto& x : v)
      if (std::string(x.constraint) == "upper") up = &x;
    ASSERT_EQ(up != nullptr, want) << "case " << k << ": upper " << l.upper << " before " << before
                                   << " after " << after << " buys-only " << l.caps_buys_only;
    if (up != nullptr) {
      EXPECT_DOUBLE_EQ(up->limit, bound) << "case " << k;
      ++flagged;
    } else if (l.caps_buys_only && after > l.upper + 1e-12) {
      ++allowed_over_cap;
    }
  }
  // Both branches were taken many times.
  EXPECT_GT(flagged, 200);
  EXPECT_GT(allowed_over_cap, 200);
}

}  // namespace
}  // namespace ballast
