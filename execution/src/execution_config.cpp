// Execution settings: names and validation rules.
#include "ballast/execution/execution_config.hpp"

namespace ballast {

// Each name falls back to what the switch it replaced returned for a value outside the enum.
const char* to_string(ExecAlgo v) noexcept {
  return kExecAlgoNames.name_or(v, "twap");
}
const char* to_string(LimitPolicy v) noexcept {
  return kLimitPolicyNames.name_or(v, "touch");
}
const char* to_string(HorizonEnd v) noexcept {
  return kHorizonEndNames.name_or(v, "cross");
}

ConfigViolations ExecutionConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  const bool horizon_ok =
      check.duration("horizon", horizon, std::chrono::seconds(1), std::chrono::hours(24));
  if (check.duration("interval", interval, std::chrono::milliseconds(1), std::chrono::hours(24)) &&
      horizon_ok && interval > horizon) {
    check.fail("interval", concat({"must not be longer than horizon (", format_duration(horizon),
                                   "), got ", format_duration(interval)}));
  }
  check.real("jitter.fraction", jitter.fraction, 0.0, 0.5);
  if (algo == ExecAlgo::kVwap && volume_profile.empty()) {
    check.fail("volume_profile", "algo vwap needs a volume_profile file");
  }
  const bool target_ok =
      check.real("pov.target_rate", pov.target_rate, 0.0, 1.0, Interval::kLeftOpen);
  const bool min_ok = check.real("pov.min_rate", pov.min_rate, 0.0, 1.0, Interval::kLeftOpen);
  const bool max_ok = check.real("pov.max_rate", pov.max_rate, 0.0, 1.0, Interval::kLeftOpen);
  const bool rates_ok = target_ok && min_ok && max_ok;
  if (rates_ok && !(pov.min_rate <= pov.target_rate && pov.target_rate <= pov.max_rate)) {
    check.fail(
        "pov.target_rate",
        concat({"must lie between min_rate (", format_double(pov.min_rate), ") and max_rate (",
                format_double(pov.max_rate), "), got ", format_double(pov.target_rate)}));
  }
  check.integer("limit.cross_ticks", limit.cross_ticks, 1, 1'000);
  check.real("limit.arrival_cap_bps", limit.arrival_cap_bps, 0.0, 10'000.0, Interval::kLeftOpen);
  if (!min_child_qty.is_positive()) {
    check.fail("min_child_qty", concat({"must be > 0, got ", min_child_qty.to_string()}));
  }
  if (check.real("participation_cap", participation_cap, 0.0, 1.0, Interval::kLeftOpen) &&
      rates_ok && algo == ExecAlgo::kPov && pov.max_rate > participation_cap) {
    check.fail("pov.max_rate",
               concat({"must not exceed participation_cap (", format_double(participation_cap),
                       "), got ", format_double(pov.max_rate)}));
  }
  check.real("cash_allowance", cash_allowance, 0.0, 1.0);
  // At most a day: the ExecID ledger remembers two trading days, so a fill of a child closed within
  // the retention is still there when its bust comes (orders are day orders).
  check.duration("retention", retention, std::chrono::minutes(1), std::chrono::hours(24));
  return out;
}

}  // namespace ballast
