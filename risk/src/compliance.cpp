// The pure compliance check: every rule, in DenyReason order, in exact integer arithmetic.
#include "ballast/risk/compliance.hpp"

namespace ballast {

namespace {
using i128 = __int128;
constexpr i128 kE9 = 1'000'000'000;
}  // namespace

std::optional<DenyReason> check(const ChildOrderProposed& o, const ComplianceState& s,
                                const ComplianceLimits& lim, Timestamp now) noexcept {
  const bool buy = o.side == Side::kBuy;
  if (s.kill_global || s.kill_account) return DenyReason::kKillSwitch;
  if (s.restrictions & kComplianceRestricted) return DenyReason::kRestricted;
  if (buy && (s.restrictions & kComplianceNoBuy)) return DenyReason::kNoBuy;
  if (!buy && (s.restrictions & kComplianceNoSell)) return DenyReason::kNoSell;

  const std::int64_t q = o.qty.raw;
  if (q <= 0 || q > lim.max_order_qty_raw) return DenyReason::kMaxQuantity;
  // Notional kept exact in 1e-15 units (Qty raw x Price raw); limits scaled up, never rounded.
  const i128 notional = static_cast<i128>(q) * notional_price(o, s).raw;
  if (lim.max_order_notional_raw != kComplianceNoLimit &&
      notional > static_cast<i128>(lim.max_order_notional_raw) * kE9)
    return DenyReason::kMaxNotional;

  const std::int64_t ref = s.reference.raw;
  if (ref <= 0) return DenyReason::kReferencePriceMissing;
  if (now - s.reference_time > lim.reference_stale_after) return DenyReason::kReferencePriceStale;
  if (o.type != OrdType::kMarket) {
    const i128 diff = o.limit.raw > ref ? static_cast<i128>(o.limit.raw) - ref
                                        : static_cast<i128>(ref) - o.limit.raw;
    if (o.limit.raw <= 0 || diff * kE9 > static_cast<i128>(ref) * lim.collar_ppb)
      return DenyReason::kPriceCollar;
  }
  if (lim.max_adv_share_ppb != kComplianceNoLimit &&
      (s.adv.raw <= 0 ||
       static_cast<i128>(q) * kE9 > static_cast<i128>(s.adv.raw) * lim.max_adv_share_ppb))
    return DenyReason::kAdvShare;

  if (buy) {
    // Post-trade exposure assumes every working buy fills and no working sell does.
    const i128 value =
        (static_cast<i128>(s.position.raw) + s.pending_buy.raw + q) * static_cast<i128>(ref);
    const i128 nav = s.nav.raw;
    if (value > nav * lim.weight_ppb(o.instrument)) return DenyReason::kInstrumentWeightLimit;
    const std::int64_t cls = lim.class_weight_ppb[static_cast<std::size_t>(s.asset_class)];
    if (cls != kComplianceNoLimit && value + s.class_other_value_e15 > nav * cls)
      return DenyReason::kAssetClassWeightLimit;
  } else {
    if (s.position.raw <= 0) return DenyReason::kShortSale;
    if (static_cast<i128>(q) > static_cast<i128>(s.position.raw) - s.pending_sell.raw)
      return DenyReason::kOversell;
  }
  if (buy && notional + s.pending_buy_notional_e15 >
                 static_cast<i128>(s.cash.raw) * kE9 +
                     (s.nav.raw > 0 ? static_cast<i128>(s.nav.raw) * lim.cash_allowance_ppb : 0))
    return DenyReason::kCashInsufficient;

  if (s.open_orders >= lim.max_open_orders) return DenyReason::kMaxOpenOrders;
  if (s.session_orders_last_s >= lim.max_orders_per_second) return DenyReason::kOrderRate;
  for (std::uint32_t k = 0; k < s.recent_count; ++k) {
    const RecentOrder& r = s.recent[k];
    if (now - r.time < lim.duplicate_window && r.account == o.account &&
        r.instrument == o.instrument && r.side == o.side && r.qty == o.qty && r.limit == o.limit)
      return DenyReason::kDuplicate;
  }
  if (lim.daily_gross_limit_raw != kComplianceNoLimit &&
      s.daily_gross_e15 + notional > static_cast<i128>(lim.daily_gross_limit_raw) * kE9)
    return DenyReason::kDailyGrossNotional;
  return std::nullopt;
}

}  // namespace ballast
