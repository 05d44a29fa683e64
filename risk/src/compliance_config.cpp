// Compliance limits: validation rules.
#include "ballast/risk/compliance_config.hpp"

#include <set>

namespace ballast {

ConfigViolations ComplianceConfig::validate(const InstrumentTable& instruments) const {
  ConfigViolations out;
  ConfigCheck check(out);
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < restricted.size(); ++i) {
    const std::string p = concat({"restricted[", std::to_string(i), "]"});
    check.instrument(p, restricted[i], instruments);
    if (!seen.insert(restricted[i]).second) {
      check.fail(p, concat({"instrument '", restricted[i], "' is listed twice"}));
    }
  }
  if (max_order_qty && !max_order_qty->is_positive()) {
    check.fail("max_order_qty", concat({"must be > 0, got ", max_order_qty->to_string()}));
  }
  if (max_order_notional && !max_order_notional->is_positive()) {
    check.fail("max_order_notional",
               concat({"must be > 0, got ", max_order_notional->to_string()}));
  }
  if (daily_gross_notional_limit && !daily_gross_notional_limit->is_positive()) {
    check.fail("daily_gross_notional_limit",
               concat({"must be > 0, got ", daily_gross_notional_limit->to_string()}));
  }
  if (max_order_notional && daily_gross_notional_limit &&
      *daily_gross_notional_limit < *max_order_notional) {
    check.fail("daily_gross_notional_limit",
               concat({"is smaller than max_order_notional (", max_order_notional->to_string(),
                       "), so no order of the largest allowed size could ever be sent"}));
  }
  check.real("price_collar_bps", price_collar_bps, 0.0, 10'000.0, Interval::kLeftOpen);
  check.duration("reference_stale_after", reference_stale_after, std::chrono::milliseconds(1),
                 std::chrono::hours(24));
  check.real("max_adv_share", max_adv_share, 0.0, 1.0);  // 0: off

  check.real("max_weight.default", max_weight.default_max, 0.0, 1.0, Interval::kLeftOpen);
  std::set<std::string_view> capped;
  for (const auto& l : max_weight.instruments) {
    const std::string p = join_path("max_weight.instruments", l.symbol);
    check.instrument(p, l.symbol, instruments);
    if (!capped.insert(l.symbol).second) {
      check.fail(p, concat({"instrument '", l.symbol, "' is listed twice"}));
    }
    check.real(p, l.max_weight, 0.0, 1.0, Interval::kLeftOpen);
  }
  std::set<AssetClass> classes;
  for (const auto& l : max_weight.asset_classes) {
    const std::string p = join_path("max_weight.asset_classes", to_string(l.asset_class));
    if (!classes.insert(l.asset_class).second) {
      check.fail(p, concat({"asset class '", to_string(l.asset_class), "' is listed twice"}));
    }
    check.real(p, l.max_weight, 0.0, 1.0, Interval::kLeftOpen);
  }

  check.integer("max_open_orders_per_instrument", max_open_orders_per_instrument, 1, 10'000);
  check.integer("max_orders_per_second", max_orders_per_second, 1, 100'000);
  check.duration("duplicate_window", duplicate_window, Duration::zero(), std::chrono::hours(1));
  check.integer("kill_switch.reject_storm_count", kill_switch.reject_storm_count, 1, 1'000'000);
  check.duration("kill_switch.reject_storm_window", kill_switch.reject_storm_window,
                 std::chrono::milliseconds(1), std::chrono::hours(24));
  check.integer("kill_switch.order_rate_runaway", kill_switch.order_rate_runaway, 1, 1'000'000);
  check.real("kill_switch.mismatch_tolerance", kill_switch.mismatch_tolerance, 0.0, 1.0);
  return out;
}

}  // namespace ballast
