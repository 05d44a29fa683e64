// Pre-trade compliance limits (section `compliance`). Plain structs with defaults; no YAML.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/fixed_point.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/core/time.hpp"
#include "ballast/engine/engine_config.hpp"

namespace ballast {

/// A cap on one instrument's weight in any account.
struct InstrumentWeightLimit {
  std::string symbol;
  double max_weight = 1.0;
};

/// A cap on the total weight of one asset class in any account.
struct AssetClassWeightLimit {
  AssetClass asset_class = AssetClass::kEquity;
  double max_weight = 1.0;
};

/// Concentration limits, checked on the post-trade weights of an account.
struct WeightLimits {
  double default_max = 1.0;  ///< every instrument without its own entry
  std::vector<InstrumentWeightLimit> instruments;
  std::vector<AssetClassWeightLimit> asset_classes;

  /// The cap of the instrument `symbol`: its own entry (the last, if repeated), else the default.
  double cap_of(std::string_view symbol) const noexcept {
    double cap = default_max;
    for (const auto& l : instruments)
      if (l.symbol == symbol) cap = l.max_weight;
    return cap;
  }
};

/// What a rebalance plans buys to under a weight cap: 99 % of it (the gate values a buy at the
/// slicer's reference price, the plan at the mark); 1 with no cap. A target above it is refused
/// (config), since the account could never reach it.
inline double planned_weight_bound(double cap) noexcept {
  return cap < 1.0 ? (cap > 0.0 ? cap : 0.0) * 0.99 : 1.0;
}

/// Conditions that trip the kill switch by themselves (it then cancels and blocks all orders).
struct KillSwitchConfig {
  std::uint32_t reject_storm_count = 20;                    ///< this many rejects ...
  Duration reject_storm_window = std::chrono::seconds(10);  ///< ... within this window
  std::uint32_t order_rate_runaway = 200;  ///< orders per second across all sessions
  /// |sent - intended| / intended quantity above which an order is a mismatch (0 = exact).
  double mismatch_tolerance = 0.0;
};

/// Every limit the compliance gate checks before an order leaves. An absent optional limit is not
/// checked.
struct ComplianceConfig {
  std::vector<std::string> restricted;  ///< never traded by any account
  std::optional<Qty> max_order_qty;
  std::optional<Money> max_order_notional;
  std::optional<Money> daily_gross_notional_limit;           ///< sum of |notional| sent per day
  double price_collar_bps = 500.0;                           ///< limit price vs reference price
  Duration reference_stale_after = std::chrono::seconds(5);  ///< older reference: deny
  /// Max order quantity / average daily volume; 0 (YAML `off`): not checked.
  double max_adv_share = 0.10;
  WeightLimits max_weight{};
  std::uint32_t max_open_orders_per_instrument = 5;
  std::uint32_t max_orders_per_second = 50;             ///< per FIX session
  Duration duplicate_window = std::chrono::seconds(1);  ///< same side/instrument/qty: duplicate
  KillSwitchConfig kill_switch{};

  /// Checks ranges and that every symbol named is a known instrument.
  ConfigViolations validate(const InstrumentTable& instruments) const;
};

}  // namespace ballast
