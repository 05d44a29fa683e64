// Fills no market produces, or that the book's fixed point cannot hold, are unbookable at the
// bridge (issue 13, found by an adversarial run: `32=9000000000000` filled a 103-share order and
// the process aborted on a notional overflow, and again at every restart and replay; a LastPx
// rounding to 0 was booked as a free fill). Property: over random reports, to_event accepts a
// fill exactly when its numbers are inside the stated ranges, and an accepted fill's value fits
// Money with room (so booking it cannot reach an invariant).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/execution/order_id.hpp"

namespace ballast {
namespace {

fix::ExecutionReport trade(std::int64_t last_qty, std::int64_t last_px) {
  fix::ExecutionReport r;
  const std::string id = to_cl_ord_id(OrderId{(3ULL << 40) | 7});
  std::strncpy(r.cl_ord_id, id.c_str(), sizeof(r.cl_ord_id) - 1);
  std::strncpy(r.exec_id, "E1", sizeof(r.exec_id) - 1);
  r.exec_type = 'F';
  r.ord_status = '1';
  r.last_qty = last_qty;
  r.last_px = last_px;
  r.cum_qty = last_qty;
  r.leaves_qty = 0;
  return r;
}

constexpr std::int64_t kShare = 1'000'000;       // Qty raw
constexpr std::int64_t kDollar = 1'000'000'000;  // Price raw

TEST(BridgeRange, AFillTooLargeForTheBookOrAtPriceZeroIsUnbookableNotAnAbort) {
  ExecutionReported ev;
  const char* why = "";
  ASSERT_TRUE(to_event(trade(100 * kShare, 584 * kDollar), ev, why)) << why;
  // The adversarial report: 9e12 shares.
  EXPECT_FALSE(to_event(trade(9'000'000'000'000 * kShare / 1000 * 1000, 584 * kDollar), ev, why));
  EXPECT_EQ(ev.issue, ReportIssue::kBadNumber) << why;
  // A price over 1e9 per share, a fill worth over 1e12.
  EXPECT_FALSE(to_event(trade(1 * kShare, 9'000'000'000 * kDollar / 1000 * 1000), ev, why));
  EXPECT_FALSE(to_event(trade(10'000'000 * kShare, 1'000'000 * kDollar), ev, why));
  // LastPx 0.0000000001 rounds to 0: not a free fill.
  EXPECT_FALSE(to_event(trade(100 * kShare, 0), ev, why));
  EXPECT_EQ(ev.issue, ReportIssue::kBadNumber);
}

// Issue 13 (adversarial finding): a filled report with "32=-0" was ignored whole, the broker's
// CumQty and OrdStatus with it. A trade of no shares is unbookable, whatever ExecType names the
// trade (4.4 F, 4.2 1 and 2); a correction to 0 shares is a bust by another name and passes.
TEST(BridgeRange, ATradeOfNoSharesIsUnbookableACorrectionToZeroIsNot) {
  ExecutionReported ev;
  const char* why = "";
  for (const char et : {'F', '1', '2'}) {
    fix::ExecutionReport r = trade(0, 584 * kDollar);
    r.exec_type = et;
    r.ord_status = '2';
    r.cum_qty = 100 * kShare;
    EXPECT_FALSE(to_event(r, ev, why)) << et;
    EXPECT_EQ(ev.issue, ReportIssue::kBadNumber) << et;
    EXPECT_NE(std::string(why).find("LastQty (32) 0"), std::string::npos) << why;
  }
  fix::ExecutionReport corr = trade(0, 584 * kDollar);
  corr.exec_type = 'G';
  std::strncpy(corr.exec_ref_id, "E0", sizeof(corr.exec_ref_id) - 1);
  EXPECT_TRUE(to_event(corr, ev, why)) << why;
  fix::ExecutionReport status = trade(0, 0);  // a status reply: no trade, nothing to book
  status.exec_type = 'I';
  EXPECT_TRUE(to_event(status, ev, why)) << why;
}

TEST(BridgeRange, RandomFillsAreAcceptedExactlyInsideTheRangesAndAcceptedOnesFitMoney) {
  std::mt19937_64 rng(20261206);
  int accepted = 0, refused = 0;
  for (int k = 0; k < 20000; ++k) {
    // Magnitudes spread over 10^0..10^18 raw.
    auto mag = [&] {
      const int e = static_cast<int>(rng() % 19);
      std::int64_t v = 1;
      for (int i = 0; i < e; ++i) v *= 10;
      return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(v)) + 1;
    };
    const std::int64_t q = mag(), p = mag();
    ExecutionReported ev;
    const char* why = "";
    const bool ok = to_event(trade(q, p), ev, why);
    const __int128 value_e15 = static_cast<__int128>(q) * p;
    const bool inside =
        q <= 1'000'000'000'000LL * kShare && p <= 1'000'000'000LL * kDollar &&
        value_e15 <= static_cast<__int128>(1'000'000'000'000LL) * 1'000'000'000'000'000LL;
    ASSERT_EQ(ok, inside) << q << " x " << p << ": " << why;
    if (ok) {
      ++accepted;
      // Money (6 decimals) of the fill: value_e15 / 1e9 <= 1e18, nine such fills inside int64.
      EXPECT_LE(value_e15 / 1000000000, static_cast<__int128>(INT64_MAX) / 9);
    } else {
      ++refused;
      EXPECT_EQ(ev.issue, ReportIssue::kBadNumber);
    }
  }
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace ballast
