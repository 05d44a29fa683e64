// The pure compliance check, rule by rule: just inside passes, just outside fails with its reason.
#include <gtest/gtest.h>

#include <chrono>

#include "compliance_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;
using namespace std::chrono_literals;

class ComplianceCheck : public ::testing::Test {
 protected:
  std::optional<DenyReason> run() const { return check(o, s, lim, kNow); }
  ChildOrderProposed o = passing_order();
  ComplianceState s = passing_state();
  ComplianceLimits lim = default_limits();
};

TEST_F(ComplianceCheck, PassesAnOrderInsideEveryLimit) {
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesEverythingWhileAKillSwitchIsOn) {
  s.kill_global = true;
  EXPECT_EQ(run(), DenyReason::kKillSwitch);
  s.kill_global = false;
  s.kill_account = true;
  EXPECT_EQ(run(), DenyReason::kKillSwitch);
}

TEST_F(ComplianceCheck, DeniesRestrictedNoBuyAndNoSell) {
  s.restrictions = kComplianceRestricted;
  EXPECT_EQ(run(), DenyReason::kRestricted);
  s.restrictions = kComplianceNoBuy;
  EXPECT_EQ(run(), DenyReason::kNoBuy);
  o.side = Side::kSell;
  EXPECT_EQ(run(), std::nullopt);  // no-buy does not stop a sell
  s.restrictions = kComplianceNoSell;
  EXPECT_EQ(run(), DenyReason::kNoSell);
  o.side = Side::kBuy;
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesQuantityAboveMaxAndNonPositive) {
  lim.max_order_qty_raw = o.qty.raw;
  EXPECT_EQ(run(), std::nullopt);
  lim.max_order_qty_raw = o.qty.raw - 1;
  EXPECT_EQ(run(), DenyReason::kMaxQuantity);
  lim = default_limits();
  o.qty = Qty{0};
  EXPECT_EQ(run(), DenyReason::kMaxQuantity);
}

TEST_F(ComplianceCheck, DeniesNotionalAboveMaxExactly) {
  o.qty = qty("100.000001");  // notional 10000.0001 exactly
  lim.max_order_notional_raw = cash("10000.0001").raw;
  EXPECT_EQ(run(), std::nullopt);
  lim.max_order_notional_raw = cash("10000.000099").raw;
  EXPECT_EQ(run(), DenyReason::kMaxNotional);
}

TEST_F(ComplianceCheck, MarketOrderNotionalUsesTheReference) {
  o.type = OrdType::kMarket;
  o.limit = Price{};
  lim.max_order_notional_raw = cash("10000").raw;
  EXPECT_EQ(run(), std::nullopt);
  s.reference = px("100.000000001");
  EXPECT_EQ(run(), DenyReason::kMaxNotional);
}

TEST_F(ComplianceCheck, DeniesMissingAndStaleReference) {
  s.reference = Price{};
  EXPECT_EQ(run(), DenyReason::kReferencePriceMissing);
  s = passing_state();
  s.reference_time = kNow - lim.reference_stale_after;
  EXPECT_EQ(run(), std::nullopt);
  s.reference_time = kNow - lim.reference_stale_after - 1ns;
  EXPECT_EQ(run(), DenyReason::kReferencePriceStale);
}

TEST_F(ComplianceCheck, DeniesLimitOutsideTheCollarOnEitherSide) {
  lim.collar_ppb = 50'000'000;  // 500 bps of 100 = 5.00
  o.limit = px("105");
  EXPECT_EQ(run(), std::nullopt);
  o.limit = px("105.000000001");
  EXPECT_EQ(run(), DenyReason::kPriceCollar);
  o.side = Side::kSell;
  o.limit = px("95");
  EXPECT_EQ(run(), std::nullopt);
  o.limit = px("94.999999999");
  EXPECT_EQ(run(), DenyReason::kPriceCollar);
  o.limit = Price{};
  lim.collar_ppb = kPpb;
  EXPECT_EQ(run(), DenyReason::kPriceCollar);  // a limit order needs a positive limit
}

TEST_F(ComplianceCheck, DeniesAdvShareAboveMaxAndUnknownAdv) {
  s.adv = qty("1000");  // 10 % of 1000 = 100
  EXPECT_EQ(run(), std::nullopt);
  s.adv = qty("999.999999");
  EXPECT_EQ(run(), DenyReason::kAdvShare);
  s.adv = Qty{};
  EXPECT_EQ(run(), DenyReason::kAdvShare);
}

TEST_F(ComplianceCheck, DeniesProjectedInstrumentWeightAboveLimit) {
  // (1000 + 500 pending + 100) x 100 = 160000 over NAV 1.6M = 10 % exactly.
  s.pending_buy = qty("500");
  s.nav = cash("1600000");
  EXPECT_EQ(run(), std::nullopt);
  s.nav = cash("1599999.999999");
  EXPECT_EQ(run(), DenyReason::kInstrumentWeightLimit);
  o.side = Side::kSell;  // a sell never raises a long weight
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, UsesThePerInstrumentWeightCap) {
  const std::int64_t caps[] = {kPpb / 100};  // 1 %: 110000 / 10M = 1.1 %
  lim.instrument_weight_ppb = caps;
  lim.instrument_weight_count = 1;
  EXPECT_EQ(run(), DenyReason::kInstrumentWeightLimit);
  o.instrument = InstrumentId{1};  // past the table: the default cap
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesProjectedAssetClassWeightAboveLimit) {
  // 110000 own + 890000 other = 1M over 10M = 10 %.
  s.class_other_value_e15 = static_cast<__int128>(890000) * 1'000'000'000'000'000;
  lim.class_weight_ppb[static_cast<std::size_t>(AssetClass::kEquity)] = kPpb / 10;
  EXPECT_EQ(run(), std::nullopt);
  s.class_other_value_e15 += 1;
  EXPECT_EQ(run(), DenyReason::kAssetClassWeightLimit);
  s.asset_class = AssetClass::kFixedIncome;  // no cap on that class
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesShortSaleAndOversell) {
  o.side = Side::kSell;
  s.position = Qty{};
  EXPECT_EQ(run(), DenyReason::kShortSale);
  s.position = qty("-5");
  EXPECT_EQ(run(), DenyReason::kShortSale);
  s.position = qty("1000");
  s.pending_sell = qty("900");
  EXPECT_EQ(run(), std::nullopt);  // 100 <= 1000 - 900
  s.pending_sell = qty("900.000001");
  EXPECT_EQ(run(), DenyReason::kOversell);
}

TEST_F(ComplianceCheck, DeniesBuyBeyondCashNetOfWorkingBuys) {
  s.cash = cash("10000");
  EXPECT_EQ(run(), std::nullopt);
  s.pending_buy_notional_e15 = 1;  // 1e-15 over
  EXPECT_EQ(run(), DenyReason::kCashInsufficient);
  o.side = Side::kSell;  // sells need no cash
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesAtMaxOpenOrders) {
  s.open_orders = lim.max_open_orders - 1;
  EXPECT_EQ(run(), std::nullopt);
  s.open_orders = lim.max_open_orders;
  EXPECT_EQ(run(), DenyReason::kMaxOpenOrders);
}

TEST_F(ComplianceCheck, DeniesAtTheSessionRate) {
  s.session_orders_last_s = lim.max_orders_per_second - 1;
  EXPECT_EQ(run(), std::nullopt);
  s.session_orders_last_s = lim.max_orders_per_second;
  EXPECT_EQ(run(), DenyReason::kOrderRate);
}

TEST_F(ComplianceCheck, DeniesADuplicateInsideTheWindowOnly) {
  RecentOrder r{kNow - lim.duplicate_window + 1ns, o.account, o.instrument, o.side, o.qty, o.limit};
  s.recent = &r;
  s.recent_count = 1;
  EXPECT_EQ(run(), DenyReason::kDuplicate);
  r.time = kNow - lim.duplicate_window;
  EXPECT_EQ(run(), std::nullopt);
  r.time = kNow;
  r.qty = qty("100.000001");
  EXPECT_EQ(run(), std::nullopt);
  r.qty = o.qty;
  r.side = Side::kSell;
  EXPECT_EQ(run(), std::nullopt);
  r.side = o.side;
  r.account = AccountId{7};
  EXPECT_EQ(run(), std::nullopt);
}

TEST_F(ComplianceCheck, DeniesDailyGrossAboveLimit) {
  lim.daily_gross_limit_raw = cash("1000000").raw;
  s.daily_gross_e15 = static_cast<__int128>(990000) * 1'000'000'000'000'000;
  EXPECT_EQ(run(), std::nullopt);  // 990000 + 10000 = limit
  s.daily_gross_e15 += 1;
  EXPECT_EQ(run(), DenyReason::kDailyGrossNotional);
}

TEST_F(ComplianceCheck, ReportsTheFirstRuleBrokenInEnumOrder) {
  s.daily_gross_e15 = static_cast<__int128>(1) << 100;
  s.open_orders = 1000;
  EXPECT_EQ(run(), DenyReason::kMaxOpenOrders);
  s.cash = Money{};
  EXPECT_EQ(run(), DenyReason::kCashInsufficient);
  s.reference_time = kNow - 1h;
  EXPECT_EQ(run(), DenyReason::kReferencePriceStale);
  s.restrictions = kComplianceNoBuy;
  EXPECT_EQ(run(), DenyReason::kNoBuy);
  s.kill_account = true;
  EXPECT_EQ(run(), DenyReason::kKillSwitch);
}

}  // namespace
}  // namespace ballast
