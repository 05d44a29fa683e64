// Block fill allocation: exact sums, whole lots, caps, determinism and order invariance.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ballast/execution/block_allocation.hpp"

namespace ballast {
namespace {

Qty units(std::int64_t n) {
  return Qty::from_units(n);
}

TEST(BlockAllocation, SplitsProRataInWholeLots) {
  // 100/200/700 of a 1000 request, 500 filled, lot 100: quotas 0.5/1/3.5 lots.
  // Floors 0/1/3 = 4 lots; one left for the largest remainders (0.5 and 0.5): tie -> lower id.
  const std::vector<BlockShare> s{
      {AccountId{7}, units(100)}, {AccountId{3}, units(200)}, {AccountId{5}, units(700)}};
  const auto a = allocate_block_fill(s, units(500), units(100));
  EXPECT_EQ(a[0], units(0));
  EXPECT_EQ(a[1], units(100));
  EXPECT_EQ(a[2], units(400));  // account 5 (remainder 0.5) beats 7 (remainder 0.5) on id
}

TEST(BlockAllocation, TiesGoToTheLowerAccountId) {
  const std::vector<BlockShare> s{{AccountId{9}, units(100)}, {AccountId{2}, units(100)}};
  const auto a = allocate_block_fill(s, units(100), units(100));
  EXPECT_EQ(a[0], units(0));
  EXPECT_EQ(a[1], units(100));
}

TEST(BlockAllocation, AnOddLotGoesToTheAccountWithMostRoom) {
  const std::vector<BlockShare> s{{AccountId{1}, units(300)}, {AccountId{2}, units(500)}};
  const auto a = allocate_block_fill(s, units(250), units(100));
  // 2 whole lots: quotas 0.75 / 1.25 -> floors 0/1, one lot to the 0.75 remainder (account 1);
  // the odd 50 to the most room left: account 2 (400 vs 200).
  EXPECT_EQ(a[0], units(100));
  EXPECT_EQ(a[1], units(150));
}

TEST(BlockAllocation, PropertiesHoldOverThousandsOfRandomBlocks) {
  std::mt19937_64 rng(20240305);
  BlockAllocator alloc(64);
  for (int trial = 0; trial < 5000; ++trial) {
    const std::int64_t lot_units = std::vector<std::int64_t>{1, 10, 100}[rng() % 3];
    const Qty lot = units(lot_units);
    const std::size_t n = 1 + rng() % 40;
    std::vector<BlockShare> s;
    std::vector<std::uint32_t> ids(200);
    for (std::uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
    std::shuffle(ids.begin(), ids.end(), rng);
    std::int64_t total_lots = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t lots = static_cast<std::int64_t>(rng() % 50);
      total_lots += lots;
      s.push_back({AccountId{ids[i]}, units(lots * lot_units)});
    }
    const std::int64_t fill_lots =
        total_lots == 0 ? 0 : static_cast<std::int64_t>(rng() % (total_lots + 1));
    const Qty filled = units(fill_lots * lot_units);

    std::vector<Qty> out(n);
    alloc.allocate(s, filled, lot, out);
    Qty sum{};
    for (std::size_t i = 0; i < n; ++i) {
      sum += out[i];
      ASSERT_EQ(out[i].raw % lot.raw, 0) << "whole lots";
      ASSERT_GE(out[i].raw, 0);
      ASSERT_LE(out[i], s[i].requested) << "never more than requested";
    }
    ASSERT_EQ(sum, filled) << "sums exactly to the fill";

    // Stable under replay and invariant to the input order.
    std::vector<Qty> again(n);
    alloc.allocate(s, filled, lot, again);
    ASSERT_EQ(again, out);
    std::vector<std::size_t> perm(n);
    for (std::size_t i = 0; i < n; ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<BlockShare> shuffled(n);
    for (std::size_t i = 0; i < n; ++i) shuffled[i] = s[perm[i]];
    std::vector<Qty> out2(n);
    alloc.allocate(shuffled, filled, lot, out2);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out2[i], out[perm[i]]);

    // Pro rata: each account is within one lot of its exact quota.
    if (total_lots > 0) {
      for (std::size_t i = 0; i < n; ++i) {
        const __int128 exact_num =
            static_cast<__int128>(fill_lots) * (s[i].requested.raw / lot.raw);
        const std::int64_t got = out[i].raw / lot.raw;
        ASSERT_GE(static_cast<__int128>(got) * total_lots + total_lots, exact_num + 1);
        ASSERT_LE(static_cast<__int128>(got) * total_lots, exact_num + total_lots);
      }
    }
  }
}

TEST(BlockAllocation, OddFillsStillSumExactlyAndRespectRequests) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t n = 1 + rng() % 10;
    std::vector<BlockShare> s;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t r = static_cast<std::int64_t>(rng() % 1000) * 1000;  // 0.001 share steps
      total += r;
      s.push_back({AccountId{static_cast<std::uint32_t>(i * 3)}, Qty{r}});
    }
    const Qty filled{total == 0 ? 0 : static_cast<std::int64_t>(rng() % (total + 1))};
    const auto a = allocate_block_fill(s, filled, Qty::from_units(1));
    Qty sum{};
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_GE(a[i].raw, 0);
      ASSERT_LE(a[i], s[i].requested);
      sum += a[i];
    }
    ASSERT_EQ(sum, filled);
  }
}

}  // namespace
}  // namespace ballast
