// What the kernel knows of the market before the session it trades: the risk model, each
// instrument's average daily volume and intraday volume profile. One loader for every command
// (run, demo, replay, check-config), from the configuration and its data files, and never from
// the session itself: ADV uses days strictly before the session date (no look-ahead).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/core/fixed_point.hpp"
#include "ballast/core/result.hpp"
#include "ballast/execution/slicer.hpp"

namespace ballast::kernel {

struct MarketContext {
  /// Annualised covariance over the instrument universe (instrument id order), n x n.
  Eigen::MatrixXd covariance;
  /// Average daily volume per instrument (compliance.max_adv_share); Qty{} where unknown: the
  /// ADV rule then denies the instrument's orders (kAdvShare), as the gate intends.
  std::vector<Qty> adv;
  /// Intraday volume profile per instrument (VWAP schedules); empty: flat over the regular
  /// session (TWAP's shape, and what `execution.volume_profile` left out means).
  std::vector<VolumeProfile> profiles;
  /// Commission in basis points of traded value (the rebalancer's explicit cost; no
  /// configuration key sets it yet: 1 bp, as before the kernel).
  double commission_bps = 1.0;
  /// The session date the context was built for (the run manifest records it).
  CivilDate session_date{};
  /// ADV days actually used per instrument (rows with a volume among the last lookback_days).
  std::vector<int> adv_days;
  /// What a desk should know before trading on this context: an instrument without ADV (its
  /// orders will be denied), stale volumes. run and check-config print them.
  std::vector<std::string> warnings;
};

/// Where the context's inputs come from.
struct MarketContextInputs {
  /// The daily closes the risk model is estimated from (the first `daily_closes` source of
  /// `market_data.sources` for run; the demo's own file). Rows on or after the session date are
  /// left out of the estimate.
  std::string closes_path;
  /// The trading date of the session (US/Eastern): ADV averages the `lookback_days` rows strictly
  /// before it.
  CivilDate session_date{};
  /// Prefix of error messages (e.g. "config.yaml: market_data.sources[0].path: 'x.csv': ").
  std::string closes_where;
};

/// Builds the context. Errors name the file (and the configuration key) and what is wrong:
/// a closes column missing for an instrument, too few returns for the estimator, an ADV file
/// that does not load, a volume profile without rows for an instrument when the algo needs it,
/// `compliance.max_adv_share` checked with no `market_data.adv` to check it against.
Result<MarketContext> load_market_context(const config::Settings& s, const MarketContextInputs& in);

}  // namespace ballast::kernel
