// Execution settings (section `execution`): how a parent order is sliced and priced. No YAML.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ballast/base/enum_names.hpp"
#include "ballast/core/fixed_point.hpp"
#include "ballast/core/time.hpp"
#include "ballast/engine/engine_config.hpp"

namespace ballast {

/// twap: equal slices per interval. vwap: slices follow a volume profile. pov: a share of the
/// traded volume.
enum class ExecAlgo : std::uint8_t { kTwap, kVwap, kPov };
/// How a child order's limit price is set. touch: our side's best price. mid: the mid. cross_ticks:
/// N ticks through the far touch. arrival_cap: the far touch, capped at arrival +- N bps.
enum class LimitPolicy : std::uint8_t { kTouch, kMid, kCrossTicks, kArrivalCap };
/// What happens to the unfilled rest when the horizon ends.
enum class HorizonEnd : std::uint8_t { kCross, kLeave };

// Names (to_string() and config/'s parser read these tables), in each enum's order.
constexpr EnumNames<ExecAlgo, ExecAlgo::kPov> kExecAlgoNames{{"twap", "vwap", "pov"}};
constexpr EnumNames<LimitPolicy, LimitPolicy::kArrivalCap> kLimitPolicyNames{
    {"touch", "mid", "cross_ticks", "arrival_cap"}};
constexpr EnumNames<HorizonEnd, HorizonEnd::kLeave> kHorizonEndNames{{"cross", "leave"}};

const char* to_string(ExecAlgo v) noexcept;
const char* to_string(LimitPolicy v) noexcept;
const char* to_string(HorizonEnd v) noexcept;

/// Randomises slice times by +-fraction x interval (0 = none); a fixed seed keeps replays equal.
struct JitterConfig {
  double fraction = 0.0;
  std::uint64_t seed = 0;
};

/// Participation rates of the pov algorithm: min <= target <= max, each in (0, 1].
struct PovConfig {
  double target_rate = 0.10;
  double min_rate = 0.05;
  double max_rate = 0.20;
};

/// Limit price rule; cross_ticks and arrival_cap_bps apply to their policy only.
struct LimitConfig {
  LimitPolicy policy = LimitPolicy::kTouch;
  std::uint32_t cross_ticks = 1;
  double arrival_cap_bps = 25.0;
};

/// Defaults for every parent order the engine works.
struct ExecutionConfig {
  ExecAlgo algo = ExecAlgo::kTwap;
  Duration horizon = std::chrono::minutes(30);  ///< time to complete a parent order
  Duration interval = std::chrono::minutes(1);  ///< time between slices
  JitterConfig jitter{};
  std::string volume_profile;  ///< CSV of volume shares per bucket; required by vwap
  PovConfig pov{};
  LimitConfig limit{};
  Qty min_child_qty = Qty::from_units(1);  ///< smaller slices are merged into the next
  HorizonEnd on_horizon_end = HorizonEnd::kCross;
  double participation_cap = 0.25;  ///< max share of traded volume, any algo
  /// How far buys may run ahead of sell proceeds, as a share of account NAV (0 = buys wait for
  /// the sells that fund them).
  double cash_allowance = 0.0;
  /// How long a closed child order stays in the order manager's working tables (a late bust or
  /// correction finds it there); after that only the journal holds it.
  Duration retention = std::chrono::hours(2);

  ConfigViolations validate() const;
};

}  // namespace ballast
