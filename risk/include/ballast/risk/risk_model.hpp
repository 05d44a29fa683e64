// The risk model: an annualised, positive-definite covariance estimated from daily returns with
// the estimator chosen in RiskModelConfig (optimizer.risk_model), optionally in factor form.
#pragma once

#include <Eigen/Core>
#include <limits>
#include <optional>

#include "ballast/core/result.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/risk/factor_model.hpp"
#include "ballast/risk/returns.hpp"

namespace ballast {

/// Everything estimate() needs besides the returns. `config` is the user-facing part.
struct RiskModelOptions {
  RiskModelConfig config{};                       ///< estimator, ewma_decay, factors, lookback_days
  double periods_per_year = kTradingDaysPerYear;  ///< annualisation factor, > 0
  bool ewma_demean = false;  ///< EWMA only: centre on the weighted mean (EwmaOptions::demean)
  /// Factor only: the covariance the principal components are taken from (kSample, kEwma or
  /// kLedoitWolf). Ledoit-Wolf works for any n, sample needs more return rows than assets.
  CovarianceEstimator factor_base = CovarianceEstimator::kLedoitWolf;
  double repair_epsilon = 1e-10;  ///< eigenvalue floor relative to the largest, (0, 1)
};

/// An estimated covariance of asset returns, annualised and positive definite.
struct RiskModel {
  Eigen::MatrixXd covariance;  ///< n x n, annualised (the full B F B' + D for the factor form)
  std::optional<FactorModel> factors;  ///< annualised; set by the factor estimator
  CovarianceEstimator estimator = CovarianceEstimator::kLedoitWolf;
  Eigen::Index observations = 0;  ///< return rows used (the last lookback_days)
  /// Ledoit-Wolf intensity when Ledoit-Wolf was used (also as the factor base); NaN otherwise.
  double shrinkage_intensity = std::numeric_limits<double>::quiet_NaN();
  /// The repair step on the per-period matrix (for the factor form: on its base, before the
  /// principal components are taken).
  RepairReport repair{};

  Eigen::Index assets() const noexcept { return covariance.rows(); }

  /// Returns the model of `returns` (T x n, rows = periods oldest first): the last
  /// options.config.lookback_days rows, the configured estimator, the repair step, then
  /// annualisation by periods_per_year.
  ///
  /// Errors (each names the setting or cell): T < lookback_days, lookback_days < 2, no columns,
  /// a non-finite return, ewma_decay outside (0, 1), factors outside 1..n, periods_per_year <= 0,
  /// repair_epsilon outside (0, 1), a factor_base of kFactor, and the estimator's own errors
  /// (sample: lookback_days <= n).
  static Result<RiskModel> estimate(const Eigen::MatrixXd& returns,
                                    const RiskModelOptions& options);

  /// Returns a model wrapping a per-period covariance estimated elsewhere (for instance by an
  /// EwmaCovariance fed bar by bar): repaired, then annualised. `estimator` is recorded as is.
  static Result<RiskModel> from_covariance(Eigen::MatrixXd per_period,
                                           CovarianceEstimator estimator,
                                           double periods_per_year = kTradingDaysPerYear,
                                           double repair_epsilon = 1e-10);
};

}  // namespace ballast
