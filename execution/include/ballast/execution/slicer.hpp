// Slicing algorithms (TWAP, VWAP, POV): how much of a parent order should be working now, and at
// what limit. Pure decision logic over a parent's state and a market snapshot; the execution
// component feeds it timers, market data and fills, and turns decisions into ChildOrderProposed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ballast/core/fixed_point.hpp"
#include "ballast/core/result.hpp"
#include "ballast/core/time.hpp"
#include "ballast/execution/execution_config.hpp"

namespace ballast {

/// Intraday volume profile: shares of the regular session's volume per time bucket (New York
/// minutes of day), normalised to sum to 1.
class VolumeProfile {
 public:
  struct Bucket {
    int start_minute = 0;  ///< inclusive
    int end_minute = 0;    ///< exclusive
    double share = 0;
  };

  /// Loads one symbol's profile from a CSV with columns symbol, bucket_start_ET, bucket_end_ET
  /// and a share column (mean_share_of_regular_session_volume or mean_share_of_day_volume), as in
  /// ../shared/data/volume_profiles. `period` selects rows of that period when the file has a
  /// period column (empty = the last period in the file). Errors name file:line and the field.
  static Result<VolumeProfile> load(const std::string& path, const std::string& symbol,
                                    const std::string& period = "");
  /// load() for several symbols, reading the file once: a file-level error (unreadable, bad
  /// header, a malformed row) for all, or one result per symbol (its profile, or why not).
  static Result<std::vector<Result<VolumeProfile>>> load_many(
      const std::string& path, const std::vector<std::string>& symbols,
      const std::string& period = "");
  /// From buckets (validated: increasing, non-overlapping, shares >= 0, sum > 0; normalised).
  static Result<VolumeProfile> from_buckets(std::vector<Bucket> buckets);
  /// A flat profile over [start, end) minutes (TWAP's shape).
  static VolumeProfile flat(int start_minute, int end_minute);

  /// Share of the session's volume traded before `minute_of_day` (fractional minutes allowed):
  /// 0 before the first bucket, 1 after the last, linear within a bucket.
  double cumulative(double minute_of_day) const noexcept;
  const std::vector<Bucket>& buckets() const noexcept { return buckets_; }

 private:
  std::vector<Bucket> buckets_;
  std::vector<double> cum_;  // cumulative share at each bucket's start
};

/// A parent order being worked.
struct ParentState {
  Side side = Side::kBuy;
  Qty quantity{};  ///< parent size (> 0)
  Qty filled{};    ///< executed so far
  Qty working{};   ///< resting in the market (the live child's leaves)
  Price working_limit{};
  Price arrival{};  ///< reference (arrival) price, for the arrival cap and slippage
  Timestamp start{};
  Timestamp end{};          ///< finish-by time (start + horizon)
  double start_minute = 0;  ///< New York minute of day at start (VWAP)
  double end_minute = 0;
  Qty market_volume{};       ///< market volume traded since start (POV and the participation cap)
  std::uint64_t slices = 0;  ///< decisions taken (jitter stream position)
  bool done = false;
};

/// Market snapshot for a decision.
struct MarketSnapshot {
  Price bid{};
  Price ask{};
  Price tick{};  ///< tick size (> 0)
  Qty lot{};     ///< lot size (> 0)
};

/// What to do now.
struct SliceDecision {
  enum class Action : std::uint8_t { kNone, kNew, kReplace, kCancel, kFinished };
  Action action = Action::kNone;
  Qty quantity{};  ///< the child's total quantity to have working (kNew / kReplace)
  Price limit{};
  double schedule_fraction = 0;  ///< where the schedule says the parent should be (0..1)
  Qty target_cum{};              ///< filled + working the schedule asks for
  bool crossing = false;         ///< finishing: priced to execute now
  Qty left_over{};               ///< kFinished with on_horizon_end = leave: what was not done
};

/// The schedule's completed fraction at `now` (0..1) for TWAP and VWAP, including the seeded
/// jitter for TWAP (deterministic for a seed and slice number; never beyond [0, 1], monotone).
double schedule_fraction(const ExecutionConfig& cfg, const VolumeProfile& profile,
                         const ParentState& p, Timestamp now, double now_minute) noexcept;

/// Decides the working child for a parent at `now` (New York minute `now_minute`). Rules
/// (docs/slicing.md): target = schedule x quantity (TWAP/VWAP) or rate x market volume (POV,
/// target rate, never above max_rate, caught up to min_rate); capped by participation_cap x
/// market volume (all algorithms, once volume has been seen); catch-up: the child covers the
/// whole shortfall; rounded toward zero to lots; smaller than min_child_qty -> wait (unless
/// finishing); limit by the policy, rounded to the tick in the account's favour; a working child
/// whose quantity or limit differs is replaced; at or after `end`: kCross sends the remainder
/// crossing the spread, kLeave cancels and reports the rest.
SliceDecision decide(const ExecutionConfig& cfg, const VolumeProfile& profile, ParentState& p,
                     const MarketSnapshot& m, Timestamp now, double now_minute) noexcept;

/// The limit price the policy gives for a child now (tick-rounded in the account's favour).
Price slice_limit(const LimitConfig& cfg, Side side, const MarketSnapshot& m, Price arrival,
                  bool crossing) noexcept;

}  // namespace ballast
