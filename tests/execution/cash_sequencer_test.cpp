// Cash-aware sequencing: buys wait for cash; cash never below -allowance counting pending buys.
#include "ballast/execution/cash_sequencer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace ballast {
namespace {

Money usd(std::int64_t n) {
  return Money::from_units(n);
}

TEST(CashSequencer, ReleasesBuysInOrderUpToTheBuyingPower) {
  const BuyNeed needs[] = {{OrderId{1}, usd(600)}, {OrderId{2}, usd(500)}, {OrderId{3}, usd(100)}};
  Money out[3];
  const Money total = release_buys(usd(1'000), usd(200), usd(0), needs, out);
  EXPECT_EQ(out[0], usd(600));
  EXPECT_EQ(out[1], usd(200));
  EXPECT_EQ(out[2], usd(0));
  EXPECT_EQ(total, usd(800));
  // An allowance lets buys run ahead of sell proceeds by that much.
  release_buys(usd(1'000), usd(200), usd(300), needs, out);
  EXPECT_EQ(out[1], usd(500));
  EXPECT_EQ(out[2], usd(0));
  // Overdrawn already: nothing is released.
  release_buys(usd(100), usd(200), usd(0), needs, out);
  EXPECT_EQ(out[0], usd(0));
  EXPECT_EQ(buy_allowance(0.02, usd(50'000)), usd(1'000));
}

// Property: a random day of sells filling and buys released and filling never takes cash below
// -allowance once pending buys are counted, and every buy is eventually funded by the sells.
TEST(CashSequencer, CashNeverGoesBelowTheAllowanceCountingPendingBuys) {
  std::mt19937_64 rng(17);
  for (int account = 0; account < 2'000; ++account) {
    const Money allowance = usd(static_cast<std::int64_t>(rng() % 500));
    Money cash = usd(static_cast<std::int64_t>(rng() % 2'000));
    std::int64_t sells_left = 5'000 + static_cast<std::int64_t>(rng() % 20'000);
    std::vector<BuyNeed> needs;
    std::int64_t total_buys = 0;
    for (int b = 0; b < 5; ++b) {
      const std::int64_t n = 500 + static_cast<std::int64_t>(rng() % 4'000);
      needs.push_back({OrderId{static_cast<std::uint64_t>(b)}, usd(n)});
      total_buys += n;
    }
    // Sells can fund all buys (plus the starting cash).
    sells_left = std::max<std::int64_t>(sells_left, total_buys);
    Money pending{};
    std::vector<Money> released(needs.size());
    for (int step = 0; step < 200; ++step) {
      release_buys(cash, pending, allowance, needs, released);
      for (std::size_t i = 0; i < needs.size(); ++i) {
        needs[i].outstanding -= released[i];
        pending += released[i];
      }
      ASSERT_GE((cash - pending + allowance).raw, 0) << "account " << account << " step " << step;
      // Some pending buys fill (cash goes down by what filled, pending likewise).
      const Money fill = Money{pending.raw / 2};
      cash -= fill;
      pending -= fill;
      // Some sells fill.
      const std::int64_t s =
          std::min<std::int64_t>(sells_left, 1 + static_cast<std::int64_t>(rng() % 800));
      sells_left -= s;
      cash += usd(s);
      ASSERT_GE((cash - pending + allowance).raw, 0);
    }
    Money outstanding{};
    for (const auto& n : needs) outstanding += n.outstanding;
    EXPECT_EQ(outstanding.raw, 0) << "account " << account;
  }
}

}  // namespace
}  // namespace ballast
