// broker-sim matching core, rule by rule (no QuickFIX, no threads).
#include "sim/matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tape_events.hpp"

namespace ballast {
namespace fix {
namespace sim {
namespace {

using test::px;
using test::quote;
using test::sh;
using test::trade;

NewOrderRequest order(const std::string& id, char side, std::int64_t qty, std::int64_t price,
                      char ord_type = '2', char tif = '0') {
  NewOrderRequest r;
  r.session = "S1";
  r.cl_ord_id = id;
  r.account = "ACC";
  r.symbol = "SPY";
  r.side = side;
  r.ord_type = ord_type;
  r.time_in_force = tif;
  r.qty = qty;
  r.price = price;
  return r;
}

std::vector<Report> of_type(const std::vector<Report>& v, ReportType t) {
  std::vector<Report> out;
  for (const auto& r : v)
    if (r.type == t) out.push_back(r);
  return out;
}

class MatcherTest : public ::testing::Test {
 protected:
  Matcher m{MatcherConfig{}};
  std::vector<Report> out;
  std::vector<Report> run_tape(const TapeEvent& e) {
    out.clear();
    m.on_tape(e, out);
    return out;
  }
  std::vector<Report> submit(const NewOrderRequest& r) {
    out.clear();
    m.new_order(r, out);
    return out;
  }
};

TEST_F(MatcherTest, MarketableBuyFillsAtTheAskUpToDisplayedSizeAndRestsTheRest) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  auto r = submit(order("A", '1', sh(500), px(10050)));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].type, ReportType::kNew);
  EXPECT_EQ(r[0].ord_status, '0');
  EXPECT_EQ(r[0].leaves_qty, sh(500));
  EXPECT_EQ(r[1].type, ReportType::kTrade);
  EXPECT_EQ(r[1].last_qty, sh(300));
  EXPECT_EQ(r[1].last_px, px(10010));  // the ask, not the limit
  EXPECT_EQ(r[1].cum_qty, sh(300));
  EXPECT_EQ(r[1].leaves_qty, sh(200));
  EXPECT_EQ(r[1].ord_status, '1');
  EXPECT_EQ(r[1].tape_time_ns, 1000);
  EXPECT_EQ(m.resting(), 1u);
}

// The tape skips its walk over resting orders when the event is outside the resting limits; the
// bounds must follow new orders, replaces (wider) and fills (tighter) so no fill is ever missed.
TEST_F(MatcherTest, TheRestingPriceBoundsNeverHideAFill) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("A", '1', sh(100), px(10005)));
  submit(order("B", '2', sh(100), px(10020)));
  EXPECT_EQ(m.resting(), 2u);
  // A fills on a quote at its limit.
  auto f = of_type(run_tape(quote("SPY", 2000, px(10000), sh(200), px(10005), sh(100))),
                   ReportType::kTrade);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].cl_ord_id, "A");
  // C rests at 100.01, then is replaced up to 100.03 (still below the ask).
  submit(order("C", '1', sh(100), px(10001)));
  // A quote that fills nothing: the bounds are recomputed here (A left), so the replace below
  // must widen them itself.
  EXPECT_TRUE(of_type(run_tape(quote("SPY", 2500, px(10000), sh(200), px(10006), sh(100))),
                      ReportType::kTrade)
                  .empty());
  ReplaceOrderRequest rr;
  rr.session = "S1";
  rr.cl_ord_id = "C2";
  rr.orig_cl_ord_id = "C";
  rr.symbol = "SPY";
  rr.side = '1';
  rr.qty = sh(100);
  rr.price = px(10003);
  out.clear();
  m.replace(rr, out);
  EXPECT_TRUE(of_type(out, ReportType::kTrade).empty());
  f = of_type(run_tape(quote("SPY", 3000, px(10000), sh(200), px(10003), sh(50))),
              ReportType::kTrade);
  ASSERT_EQ(f.size(), 1u) << "the replaced price must widen the bound";
  EXPECT_EQ(f[0].cl_ord_id, "C2");
  EXPECT_EQ(f[0].last_qty, sh(50));
  // A market sell with no bid rests, and fills on the next bid whatever its price.
  run_tape(quote("SPY", 4000, 0, 0, px(10010), sh(100)));
  submit(order("D", '2', sh(30), 0, '1'));
  f = of_type(run_tape(quote("SPY", 5000, px(9900), sh(10), px(10010), sh(100))),
              ReportType::kTrade);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].cl_ord_id, "D");
  EXPECT_EQ(f[0].last_px, px(9900));
  // A trade through B's limit fills it; one at 100.20 does not.
  EXPECT_TRUE(
      of_type(run_tape(trade("SPY", 6000, px(10020), sh(500))), ReportType::kTrade).empty());
  f = of_type(run_tape(trade("SPY", 7000, px(10025), sh(500))), ReportType::kTrade);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].cl_ord_id, "B");
  EXPECT_EQ(m.resting(), 2u);  // C2 (50 left) and D (20 left)
}

TEST_F(MatcherTest, MarketableSellFillsAtTheBid) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  auto r = submit(order("A", '2', sh(100), px(10000)));  // at the bid: marketable
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].last_px, px(10000));
  EXPECT_EQ(r[1].last_qty, sh(100));
  EXPECT_EQ(r[1].ord_status, '2');
  EXPECT_EQ(m.resting(), 0u);
}

TEST_F(MatcherTest, LimitAwayFromTheTouchRests) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  auto r = submit(order("A", '1', sh(100), px(10009)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].type, ReportType::kNew);
  EXPECT_EQ(m.resting(), 1u);
}

TEST_F(MatcherTest, DisplayedSizeTakenIsConsumedUntilThatSideChanges) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("A", '1', sh(200), px(10010)));
  auto r = submit(order("B", '1', sh(200), px(10010)));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].last_qty, sh(100));  // only 100 of the 300 displayed left
  r = submit(order("C", '1', sh(50), px(10010)));
  ASSERT_EQ(r.size(), 1u) << "displayed ask size exhausted";
  // The same quote again (bid side changes only): the ask's size is not replenished.
  r = run_tape(quote("SPY", 2000, px(10001), sh(200), px(10010), sh(300)));
  EXPECT_TRUE(of_type(r, ReportType::kTrade).empty());
  // The ask side changes: its size is available again, resting orders fill in time priority.
  r = run_tape(quote("SPY", 3000, px(10001), sh(200), px(10010), sh(120)));
  auto fills = of_type(r, ReportType::kTrade);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].cl_ord_id, "B");
  EXPECT_EQ(fills[0].last_qty, sh(100));
  EXPECT_EQ(fills[0].ord_status, '2');
  EXPECT_EQ(fills[1].cl_ord_id, "C");
  EXPECT_EQ(fills[1].last_qty, sh(20));
  EXPECT_EQ(fills[1].ord_status, '1');
  EXPECT_EQ(fills[1].tape_time_ns, 3000);
}

TEST_F(MatcherTest, QuoteUpdateMakesARestingOrderMarketable) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("A", '1', sh(100), px(10005)));
  auto r = run_tape(quote("SPY", 2000, px(10000), sh(200), px(10006), sh(300)));
  EXPECT_TRUE(r.empty());
  r = run_tape(quote("SPY", 3000, px(10000), sh(200), px(10004), sh(40)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last_px, px(10004));  // at the new ask, better than the limit
  EXPECT_EQ(r[0].last_qty, sh(40));
  EXPECT_EQ(r[0].leaves_qty, sh(60));
}

TEST_F(MatcherTest, PassiveFillOnlyWhenATradePrintsThroughTheLimit) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("B", '1', sh(100), px(10005)));
  submit(order("S", '2', sh(100), px(10008)));
  auto r = run_tape(trade("SPY", 2000, px(10005), sh(500)));  // at the buy's price: no fill
  EXPECT_TRUE(r.empty());
  r = run_tape(trade("SPY", 2100, px(10008), sh(500)));  // at the sell's price: no fill
  EXPECT_TRUE(r.empty());
  r = run_tape(trade("SPY", 3000, px(10004), sh(30)));  // through the buy
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].cl_ord_id, "B");
  EXPECT_EQ(r[0].last_px, px(10005));                     // at the order's limit
  EXPECT_EQ(r[0].last_qty, sh(30));                       // up to the trade's size
  r = run_tape(trade("SPY", 4000, px(10009), sh(1000)));  // through the sell
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].cl_ord_id, "S");
  EXPECT_EQ(r[0].last_px, px(10008));
  EXPECT_EQ(r[0].last_qty, sh(100));
  EXPECT_EQ(r[0].ord_status, '2');
}

TEST_F(MatcherTest, TradeSizeIsSharedInTimePriority) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("B1", '1', sh(100), px(10005)));
  submit(order("B2", '1', sh(100), px(10006)));  // better price, but later
  submit(order("B3", '1', sh(100), px(10005)));
  auto r = run_tape(trade("SPY", 2000, px(10001), sh(150)));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].cl_ord_id, "B1");
  EXPECT_EQ(r[0].last_qty, sh(100));
  EXPECT_EQ(r[1].cl_ord_id, "B2");
  EXPECT_EQ(r[1].last_qty, sh(50));
  EXPECT_EQ(r[1].last_px, px(10006));
}

TEST_F(MatcherTest, MarketOrderTakesTheAskOrWaitsForOne) {
  auto r = submit(order("M", '1', sh(100), 0, '1'));
  ASSERT_EQ(r.size(), 1u);  // no quote yet: rests
  r = run_tape(trade("SPY", 500, px(9000), sh(1000)));
  EXPECT_TRUE(r.empty()) << "market orders fill against quotes only";
  r = run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(60)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last_px, px(10010));
  EXPECT_EQ(r[0].last_qty, sh(60));
  EXPECT_EQ(r[0].price, 0);
}

TEST_F(MatcherTest, PartialFillsAccumulateWithExactAveragePrice) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10100), sh(100)));
  submit(order("A", '1', sh(300), px(10150)));
  auto r = run_tape(quote("SPY", 2000, px(10000), sh(200), px(10150), sh(200)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].cum_qty, sh(300));
  EXPECT_EQ(r[0].leaves_qty, 0);
  EXPECT_EQ(r[0].ord_status, '2');
  // (101.00 * 100 + 101.50 * 200) / 300 = 101.3333333333..., rounded to 1e-9
  EXPECT_EQ(r[0].avg_px, 101333333333LL);
  EXPECT_EQ(m.resting(), 0u);
}

TEST_F(MatcherTest, CancelRemovesTheOrderAndRejectsUnknownOrClosed) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("A", '1', sh(100), px(10005)));
  out.clear();
  m.cancel(CancelOrderRequest{"S1", "A-c", "A", "SPY", '1'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kCanceled);
  EXPECT_EQ(out[0].cl_ord_id, "A-c");
  EXPECT_EQ(out[0].orig_cl_ord_id, "A");
  EXPECT_EQ(out[0].ord_status, '4');
  EXPECT_EQ(out[0].leaves_qty, 0);
  EXPECT_EQ(m.resting(), 0u);
  EXPECT_TRUE(run_tape(trade("SPY", 2000, px(9000), sh(1000))).empty())
      << "cancelled orders never fill";

  out.clear();
  m.cancel(CancelOrderRequest{"S1", "A-c2", "A-c", "SPY", '1'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kCancelReject);
  EXPECT_EQ(out[0].reason, RejectReason::kTooLate);
  EXPECT_EQ(out[0].ord_status, '4');
  EXPECT_EQ(out[0].response_to, '1');

  out.clear();
  m.cancel(CancelOrderRequest{"S1", "X-c", "X", "SPY", '1'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kCancelReject);
  EXPECT_EQ(out[0].reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(out[0].order_id, "NONE");

  out.clear();  // ClOrdIDs are per session: session S2 does not know A
  m.cancel(CancelOrderRequest{"S2", "A-c3", "A", "SPY", '1'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, RejectReason::kUnknownOrder);
}

TEST_F(MatcherTest, ReplaceChangesQtyAndPriceAndRechecksMarketability) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(50)));
  submit(order("A", '1', sh(100), px(10010)));  // 50 fill, 50 rest
  out.clear();
  m.replace(ReplaceOrderRequest{"S1", "A2", "A", "SPY", '1', '2', sh(50), px(10020)}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kCancelReject);
  EXPECT_EQ(out[0].reason, RejectReason::kQtyNotAboveCum);
  EXPECT_EQ(out[0].response_to, '2');
  EXPECT_EQ(out[0].ord_status, '1');

  run_tape(quote("SPY", 2000, px(10000), sh(200), px(10012), sh(500)));
  out.clear();
  m.replace(ReplaceOrderRequest{"S1", "A2", "A", "SPY", '1', '2', sh(80), px(10012)}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type, ReportType::kReplaced);
  EXPECT_EQ(out[0].cl_ord_id, "A2");
  EXPECT_EQ(out[0].orig_cl_ord_id, "A");
  EXPECT_EQ(out[0].order_qty, sh(80));
  EXPECT_EQ(out[0].leaves_qty, sh(30));
  EXPECT_EQ(out[1].type, ReportType::kTrade);
  EXPECT_EQ(out[1].cl_ord_id, "A2");
  EXPECT_EQ(out[1].last_qty, sh(30));
  EXPECT_EQ(out[1].last_px, px(10012));
  EXPECT_EQ(out[1].ord_status, '2');
  EXPECT_EQ(out[0].order_id, out[1].order_id);

  out.clear();
  m.replace(ReplaceOrderRequest{"S1", "A3", "A2", "SPY", '1', '2', sh(200), px(10012)}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, RejectReason::kTooLate);
  out.clear();
  m.replace(ReplaceOrderRequest{"S1", "Z2", "Z", "SPY", '1', '2', sh(200), px(10012)}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, RejectReason::kUnknownOrder);
}

TEST_F(MatcherTest, ReplaceKeepsPriorityOnlyWhenQtyShrinksAtTheSamePrice) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  submit(order("A", '1', sh(100), px(10005)));
  submit(order("B", '1', sh(100), px(10005)));
  out.clear();
  m.replace(ReplaceOrderRequest{"S1", "A2", "A", "SPY", '1', '2', sh(90), px(10005)}, out);
  auto r = run_tape(trade("SPY", 2000, px(10000), sh(90)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].cl_ord_id, "A2") << "a smaller quantity keeps time priority";

  Matcher m2{MatcherConfig{}};
  m2.on_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)), out);
  m2.new_order(order("A", '1', sh(100), px(10005)), out);
  m2.new_order(order("B", '1', sh(100), px(10005)), out);
  m2.replace(ReplaceOrderRequest{"S1", "A2", "A", "SPY", '1', '2', sh(150), px(10005)}, out);
  out.clear();
  m2.on_tape(trade("SPY", 2000, px(10000), sh(100)), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cl_ord_id, "B") << "a larger quantity loses time priority";
}

TEST_F(MatcherTest, StatusReportsCurrentStateOrUnknown) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(30)));
  submit(order("A", '1', sh(100), px(10010)));
  out.clear();
  m.status(StatusOrderRequest{"S1", "A", "SPY", '1'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kStatus);
  EXPECT_EQ(out[0].ord_status, '1');
  EXPECT_EQ(out[0].cum_qty, sh(30));
  EXPECT_EQ(out[0].leaves_qty, sh(70));
  EXPECT_EQ(out[0].avg_px, px(10010));
  EXPECT_EQ(out[0].last_qty, 0);

  out.clear();
  m.status(StatusOrderRequest{"S1", "nope", "SPY", '2'}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReportType::kStatus);
  EXPECT_EQ(out[0].ord_status, '8');
  EXPECT_EQ(out[0].reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(out[0].order_id, "NONE");
  EXPECT_EQ(out[0].side, '2');
}

TEST_F(MatcherTest, InvalidAndDuplicateOrdersAreRejected) {
  auto r = submit(order("A", '1', 0, px(10000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].type, ReportType::kRejected);
  EXPECT_EQ(r[0].reason, RejectReason::kInvalid);
  EXPECT_EQ(r[0].ord_status, '8');
  r = submit(order("B", '1', sh(10), 0));  // limit without price
  EXPECT_EQ(r[0].reason, RejectReason::kInvalid);
  r = submit(order("C", '1', sh(10), px(10000)));
  EXPECT_EQ(r[0].type, ReportType::kNew);
  r = submit(order("C", '1', sh(10), px(10000)));
  EXPECT_EQ(r[0].type, ReportType::kRejected);
  EXPECT_EQ(r[0].reason, RejectReason::kDuplicateClOrdId);
  EXPECT_EQ(m.resting(), 1u);
}

TEST_F(MatcherTest, IocCancelsTheRestAndFokNeedsTheWholeQuantity) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(300)));
  auto r = submit(order("I", '1', sh(500), px(10010), '2', '3'));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].last_qty, sh(300));
  EXPECT_EQ(r[2].type, ReportType::kCanceled);
  EXPECT_EQ(r[2].cum_qty, sh(300));
  EXPECT_EQ(r[2].leaves_qty, 0);
  r = submit(order("F", '2', sh(300), px(10000), '2', '4'));  // only 200 bid
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].type, ReportType::kCanceled);
  EXPECT_EQ(r[1].cum_qty, 0);
  r = submit(order("F2", '2', sh(200), px(10000), '2', '4'));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].type, ReportType::kTrade);
  EXPECT_EQ(r[1].ord_status, '2');
  EXPECT_EQ(m.resting(), 0u);
}

TEST_F(MatcherTest, ExecIdsAndOrderIdsAreUnique) {
  run_tape(quote("SPY", 1000, px(10000), sh(200), px(10010), sh(1)));
  std::set<std::string> exec_ids, order_ids;
  std::size_t reports = 0;
  for (int i = 0; i < 50; ++i) {
    auto r = submit(order("O" + std::to_string(i), '1', sh(2), px(10010)));
    for (const auto& x : r) {
      exec_ids.insert(x.exec_id);
      order_ids.insert(x.order_id);
      ++reports;
    }
    auto t = run_tape(quote("SPY", 1000 + i, px(10000), sh(200), px(10010), sh(1 + i % 2)));
    for (const auto& x : t) {
      exec_ids.insert(x.exec_id);
      ++reports;
    }
  }
  EXPECT_EQ(exec_ids.size(), reports);
  EXPECT_EQ(order_ids.size(), 50u);
}

std::vector<bool> reject_pattern(std::uint64_t seed, double rate, int n) {
  MatcherConfig cfg;
  cfg.seed = seed;
  cfg.reject_rate = rate;
  Matcher m(cfg);
  std::vector<bool> rejected;
  std::vector<Report> out;
  for (int i = 0; i < n; ++i) {
    out.clear();
    m.new_order(order("O" + std::to_string(i), '1', sh(1), px(10000)), out);
    rejected.push_back(out.at(0).type == ReportType::kRejected);
    if (out[0].type == ReportType::kRejected) {
      EXPECT_EQ(out[0].reason, RejectReason::kRandom);
    }
  }
  return rejected;
}

TEST(MatcherRates, RejectRateIsReproduciblePerSeed) {
  const auto a = reject_pattern(42, 0.3, 1000);
  const auto b = reject_pattern(42, 0.3, 1000);
  const auto c = reject_pattern(43, 0.3, 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const long n = std::count(a.begin(), a.end(), true);
  EXPECT_GT(n, 240);  // binomial(1000, 0.3): mean 300, sd 14.5
  EXPECT_LT(n, 360);
  const auto none = reject_pattern(42, 0.0, 200);
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
  const auto all = reject_pattern(42, 1.0, 200);
  EXPECT_EQ(std::count(all.begin(), all.end(), true), 200);
}

std::vector<std::string> unsolicited(std::uint64_t seed) {
  MatcherConfig cfg;
  cfg.seed = seed;
  cfg.unsolicited_cancel_rate = 0.05;
  Matcher m(cfg);
  std::vector<Report> out;
  m.on_tape(quote("SPY", 1, px(10000), sh(200), px(10010), sh(300)), out);
  for (int i = 0; i < 100; ++i)
    m.new_order(order("O" + std::to_string(i), '1', sh(1), px(9000)), out);
  out.clear();
  for (int t = 0; t < 20; ++t) m.on_tape(trade("SPY", 10 + t, px(10005), sh(1)), out);
  std::vector<std::string> ids;
  for (const auto& r : out) {
    EXPECT_EQ(r.type, ReportType::kCanceled);
    EXPECT_TRUE(r.unsolicited);
    EXPECT_EQ(r.ord_status, '4');
    ids.push_back(r.cl_ord_id);
  }
  return ids;
}

TEST(MatcherRates, UnsolicitedCancelsAreReproduciblePerSeed) {
  const auto a = unsolicited(7);
  EXPECT_EQ(a, unsolicited(7));
  EXPECT_NE(a, unsolicited(8));
  EXPECT_GT(a.size(), 30u);  // 1 - 0.95^20 = 64% of 100 orders on average
  EXPECT_LT(a.size(), 95u);
}

}  // namespace
}  // namespace sim
}  // namespace fix
}  // namespace ballast
