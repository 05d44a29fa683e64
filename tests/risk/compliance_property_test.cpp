// Property test: the check against a plain, independent statement of every rule, on random
// orders, states and limits that sit on and around every boundary.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "compliance_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;
using Big = __int128;
constexpr Big kE9 = 1'000'000'000;
constexpr int kRules = static_cast<int>(DenyReason::kCount);

/// Every rule written out on its own, each as "is this rule broken?"; the answer is the first
/// broken one in enum order. Money compares are done with both sides in 1e-15 units.
std::optional<DenyReason> reference_decision(const ChildOrderProposed& o, const ComplianceState& s,
                                             const ComplianceLimits& lim, Timestamp now) {
  std::array<bool, kRules> broken{};
  auto mark = [&](DenyReason r) { broken[static_cast<int>(r)] = true; };
  const bool is_buy = o.side == Side::kBuy;
  const bool is_sell = !is_buy;
  const Big qty = o.qty.raw;
  const Big ref = s.reference.raw;
  const Big price = o.type == OrdType::kMarket ? ref : Big{o.limit.raw};
  const Big order_value = qty * price;
  const bool unlimited_notional = lim.max_order_notional_raw == kComplianceNoLimit;
  const bool unlimited_daily = lim.daily_gross_limit_raw == kComplianceNoLimit;

  if (s.kill_account) mark(DenyReason::kKillSwitch);
  if (s.kill_global) mark(DenyReason::kKillSwitch);
  if ((s.restrictions & 1) != 0) mark(DenyReason::kRestricted);
  if (is_buy && (s.restrictions & 2) != 0) mark(DenyReason::kNoBuy);
  if (is_sell && (s.restrictions & 4) != 0) mark(DenyReason::kNoSell);
  if (!(qty > 0)) mark(DenyReason::kMaxQuantity);
  if (qty > lim.max_order_qty_raw) mark(DenyReason::kMaxQuantity);
  if (!unlimited_notional && order_value > Big{lim.max_order_notional_raw} * kE9)
    mark(DenyReason::kMaxNotional);
  if (!(ref > 0)) mark(DenyReason::kReferencePriceMissing);
  if ((now.ns - s.reference_time.ns) > lim.reference_stale_after.count())
    mark(DenyReason::kReferencePriceStale);
  if (o.type == OrdType::kLimit) {
    Big gap = Big{o.limit.raw} - ref;
    if (gap < 0) gap = -gap;
    // gap / ref <= collar_ppb / 1e9, cross-multiplied (ref > 0 whenever this rule can be first).
    if (o.limit.raw <= 0) mark(DenyReason::kPriceCollar);
    if (gap * kE9 > ref * lim.collar_ppb) mark(DenyReason::kPriceCollar);
  }
  if (s.adv.raw <= 0)
    mark(DenyReason::kAdvShare);
  else if (qty * kE9 > Big{s.adv.raw} * lim.max_adv_share_ppb)
    mark(DenyReason::kAdvShare);
  if (is_buy) {
    const Big projected_qty = Big{s.position.raw} + Big{s.pending_buy.raw} + qty;
    const Big own = projected_qty * ref;
    const Big nav = s.nav.raw;
    std::int64_t cap = lim.default_weight_ppb;
    if (o.instrument.value < lim.instrument_weight_count)
      cap = lim.instrument_weight_ppb[o.instrument.value];
    if (own > nav * cap) mark(DenyReason::kInstrumentWeightLimit);
    const std::int64_t class_cap = lim.class_weight_ppb[static_cast<int>(s.asset_class)];
    if (class_cap != kComplianceNoLimit && own + s.class_other_value_e15 > nav * class_cap)
      mark(DenyReason::kAssetClassWeightLimit);
    if (order_value + s.pending_buy_notional_e15 > Big{s.cash.raw} * kE9)
      mark(DenyReason::kCashInsufficient);
  }
  if (is_sell) {
    if (s.position.raw <= 0) mark(DenyReason::kShortSale);
    const Big available = Big{s.position.raw} - Big{s.pending_sell.raw};
    if (qty > available) mark(DenyReason::kOversell);
  }
  if (!(s.open_orders < lim.max_open_orders)) mark(DenyReason::kMaxOpenOrders);
  if (!(s.session_orders_last_s < lim.max_orders_per_second)) mark(DenyReason::kOrderRate);
  for (std::uint32_t k = 0; k < s.recent_count; ++k) {
    const RecentOrder& r = s.recent[k];
    const bool same = r.account.value == o.account.value &&
                      r.instrument.value == o.instrument.value && r.side == o.side &&
                      r.qty.raw == o.qty.raw && r.limit.raw == o.limit.raw;
    const bool inside = (now.ns - r.time.ns) < lim.duplicate_window.count();
    if (same && inside) mark(DenyReason::kDuplicate);
  }
  if (!unlimited_daily && s.daily_gross_e15 + order_value > Big{lim.daily_gross_limit_raw} * kE9)
    mark(DenyReason::kDailyGrossNotional);

  for (int r = 0; r < kRules; ++r)
    if (broken[r]) return static_cast<DenyReason>(r);
  return std::nullopt;
}

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}
  std::int64_t in(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool chance(int pct) { return in(0, 99) < pct; }
  /// A value at, just under or just over `edge` (by one raw unit), or anywhere in [lo, hi].
  std::int64_t near(std::int64_t edge, std::int64_t lo, std::int64_t hi) {
    switch (in(0, 3)) {
      case 0:
        return edge;
      case 1:
        return edge - 1;
      case 2:
        return edge + 1;
      default:
        return in(lo, hi);
    }
  }

 private:
  std::mt19937_64 rng_;
};

TEST(ComplianceProperty, MatchesAnIndependentImplementationOnRandomOrders) {
  Gen g(20'261'121);
  const Timestamp now = kNow;
  std::array<std::int64_t, 4> caps{};
  std::array<RecentOrder, 4> recent{};
  std::array<std::uint64_t, kRules + 1> seen{};
  std::uint64_t false_accepts = 0, false_denials = 0, wrong_reason = 0;
  constexpr int kOrders = 200'000;

  for (int n = 0; n < kOrders; ++n) {
    ChildOrderProposed o = passing_order();
    ComplianceState s = passing_state();
    ComplianceLimits lim = default_limits();
    // Rarely broken switches keep most orders deep in the rule list.
    o.side = g.chance(50) ? Side::kBuy : Side::kSell;
    o.type = g.chance(15) ? OrdType::kMarket : OrdType::kLimit;
    o.instrument = InstrumentId{static_cast<std::uint32_t>(g.in(0, 5))};
    o.account = AccountId{static_cast<std::uint32_t>(g.in(0, 2))};
    s.kill_global = g.chance(2);
    s.kill_account = g.chance(2);
    s.restrictions = g.chance(10) ? static_cast<std::uint8_t>(g.in(0, 7)) : 0;
    s.asset_class = static_cast<AssetClass>(g.in(0, 5));

    const std::int64_t ref =
        g.chance(3) ? g.in(-5, 0) : g.in(1, 500) * 1'000'000'000 + g.in(0, 999'999'999);
    s.reference = Price{ref};
    const std::int64_t q =
        g.chance(2) ? g.in(-3, 0) : g.in(1, 20'000) * 1'000'000 + g.in(0, 999'999) * g.in(0, 1);
    o.qty = Qty{q};
    const std::int64_t collar = g.in(1, 2000) * 100'000;  // 1..2000 bps
    lim.collar_ppb = collar;
    const std::int64_t collar_edge =
        ref > 0 ? static_cast<std::int64_t>(static_cast<Big>(ref) * collar / kE9) : 0;
    o.limit = Price{g.near(ref + (g.chance(50) ? collar_edge : -collar_edge), -2, ref * 2 + 2)};
    if (o.type == OrdType::kMarket && g.chance(50)) o.limit = Price{};
    const Big price = o.type == OrdType::kMarket ? Big{ref} : Big{o.limit.raw};
    const Big value = Big{q} * price;

    lim.max_order_qty_raw = g.chance(10) ? kComplianceNoLimit : g.near(q, 1, 30'000'000'000);
    lim.max_order_notional_raw =
        g.chance(10) ? kComplianceNoLimit
                     : g.near(static_cast<std::int64_t>(value / kE9), 1, 5'000'000'000'000);
    s.reference_time =
        Timestamp{now.ns - g.near(lim.reference_stale_after.count(), -10, 10'000'000'000)};
    lim.max_adv_share_ppb = g.in(1, kPpb);
    s.adv =
        Qty{g.chance(3) ? g.in(-2, 0)
                        : g.near(static_cast<std::int64_t>(Big{q} * kE9 / lim.max_adv_share_ppb), 1,
                                 1'000'000'000'000'000)};
    s.position = Qty{g.chance(10) ? g.in(-1'000'000'000, 0) : g.in(1, 30'000'000'000)};
    s.pending_buy = Qty{g.in(0, 5'000'000'000)};
    s.pending_sell = Qty{g.chance(50) ? g.near(s.position.raw - q, 0, s.position.raw + 1) : 0};
    // NAV near the instrument-weight edge for the chosen cap.
    const Big own = (Big{s.position.raw} + s.pending_buy.raw + q) * ref;
    const std::int64_t cap = g.in(1, kPpb);
    for (auto& c : caps) c = g.chance(50) ? cap : g.in(1, kPpb);
    lim.instrument_weight_ppb = caps.data();
    lim.instrument_weight_count = static_cast<std::size_t>(g.in(0, 4));
    lim.default_weight_ppb = g.chance(50) ? cap : g.in(1, kPpb);
    const std::int64_t nav_edge = own > 0 ? static_cast<std::int64_t>(own / cap) : 0;
    s.nav = Money{g.chance(3) ? g.in(-1'000'000, 0) : g.near(nav_edge, 1, nav_edge * 3 + 2)};
    for (auto& c : lim.class_weight_ppb) c = g.chance(40) ? kComplianceNoLimit : g.in(1, kPpb);
    s.class_other_value_e15 = Big{g.in(0, 1'000'000'000'000)} * g.in(0, 1'000'000'000'000'000);
    const Big class_cap_value =
        Big{s.nav.raw} * lim.class_weight_ppb[static_cast<int>(s.asset_class)];
    if (g.chance(30) && lim.class_weight_ppb[static_cast<int>(s.asset_class)] != kComplianceNoLimit)
      s.class_other_value_e15 = class_cap_value - own + g.in(-1, 1);
    s.pending_buy_notional_e15 = Big{g.in(0, 1'000'000'000'000)} * g.in(0, 1'000'000'000);
    s.cash = Money{g.near(static_cast<std::int64_t>((value + s.pending_buy_notional_e15) / kE9), 0,
                          1'000'000'000'000'000)};
    if (g.chance(20)) s.cash = Money{g.in(-1'000'000, 1'000'000)};
    lim.max_open_orders = static_cast<std::uint32_t>(g.in(1, 10));
    s.open_orders = static_cast<std::uint32_t>(g.near(lim.max_open_orders, 0, 12));
    lim.max_orders_per_second = static_cast<std::uint32_t>(g.in(1, 100));
    s.session_orders_last_s = static_cast<std::uint32_t>(g.near(lim.max_orders_per_second, 0, 120));
    lim.duplicate_window = Duration{g.in(1, 5'000'000'000)};
    s.recent_count = static_cast<std::uint32_t>(g.in(0, 4));
    s.recent = recent.data();
    for (auto& r : recent) {
      r = RecentOrder{Timestamp{now.ns - g.near(lim.duplicate_window.count(), 0, 6'000'000'000)},
                      o.account,
                      o.instrument,
                      o.side,
                      o.qty,
                      o.limit};
      if (g.chance(20)) r.account = AccountId{o.account.value + 1};
      if (g.chance(20)) r.instrument = InstrumentId{o.instrument.value + 1};
      if (g.chance(20)) r.side = opposite(o.side);
      if (g.chance(20)) r.qty = Qty{o.qty.raw + 1};
      if (g.chance(20)) r.limit = Price{o.limit.raw - 1};
    }
    lim.daily_gross_limit_raw = g.chance(10) ? kComplianceNoLimit : g.in(1, 1'000'000'000'000'000);
    s.daily_gross_e15 = g.chance(50) ? Big{lim.daily_gross_limit_raw} * kE9 - value + g.in(-1, 1)
                                     : Big{g.in(0, 1'000'000'000'000'000)} * 1000;

    if (g.chance(25)) {
      // Deep: the early rules all pass, so the later ones (open orders, rate, duplicate, daily
      // gross) decide often enough.
      s.kill_global = s.kill_account = false;
      s.restrictions = 0;
      lim.max_order_qty_raw = lim.max_order_notional_raw = kComplianceNoLimit;
      if (o.qty.raw <= 0) o.qty = Qty{1};
      if (s.reference.raw <= 0) s.reference = px("10");
      s.reference_time = now;
      lim.collar_ppb = kPpb;
      if (o.type == OrdType::kLimit) o.limit = Price{s.reference.raw};
      s.adv = Qty{o.qty.raw * 20};
      lim.default_weight_ppb = kPpb;
      lim.instrument_weight_count = 0;
      lim.class_weight_ppb.fill(kComplianceNoLimit);
      s.nav = Money{INT64_MAX / 4};
      s.position = Qty{o.qty.raw * 2};
      s.pending_sell = Qty{};
      s.pending_buy_notional_e15 = 0;
      s.cash = Money{INT64_MAX / 4};
      for (auto& r : recent) r.limit = Price{o.limit.raw - (g.chance(20) ? 1 : 0)};
      const Big v = Big{o.qty.raw} * notional_price(o, s).raw;
      if (g.chance(50)) s.daily_gross_e15 = Big{lim.daily_gross_limit_raw} * kE9 - v + g.in(-1, 1);
    }
    const auto got = check(o, s, lim, now);
    const auto want = reference_decision(o, s, lim, now);
    ++seen[want ? static_cast<int>(*want) : kRules];
    if (got.has_value() && !want.has_value()) ++false_denials;
    if (!got.has_value() && want.has_value()) ++false_accepts;
    if (got.has_value() && want.has_value() && *got != *want) ++wrong_reason;
    if (got != want && false_accepts + false_denials + wrong_reason <= 5) {
      ADD_FAILURE() << "order " << n << ": check says " << (got ? to_string(*got) : "accept")
                    << ", reference says " << (want ? to_string(*want) : "accept");
    }
  }
  EXPECT_EQ(false_accepts, 0u);
  EXPECT_EQ(false_denials, 0u);
  EXPECT_EQ(wrong_reason, 0u);
  // The generator must reach every outcome, including acceptance, often enough to mean something.
  for (int r = 0; r <= kRules; ++r) {
    EXPECT_GE(seen[r], 200u) << (r < kRules ? to_string(static_cast<DenyReason>(r)) : "accept");
  }
}

}  // namespace
}  // namespace ballast
