// Allocation models that need no constrained QP: equal risk contribution (risk budgeting),
// unconstrained minimum variance, maximum Sharpe and mean-variance (fully invested, shorts
// allowed), volatility targeting and a target-date glide path. Fixed-weight models (60/40,
// all-weather, core-satellite) are configuration only (`models` in the config file).
// Long-only minimum variance / maximum Sharpe need the optimizer's QP solver and are not here.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "ballast/core/result.hpp"

namespace ballast {

/// Settings of equal_risk_contribution.
struct ErcOptions {
  /// Risk budgets b_i > 0 (normalised to sum 1); empty: equal budgets 1/n (risk parity).
  Eigen::VectorXd budgets{};
  /// Stop when max_i |w_i (Sigma w)_i / w' Sigma w - b_i| <= tolerance.
  double tolerance = 1e-12;
  int max_iterations = 100;  ///< Newton steps
};

/// A long-only risk-budgeting portfolio.
struct ErcResult {
  Eigen::VectorXd weights;     ///< > 0, sum 1
  int iterations = 0;          ///< Newton steps taken
  double max_deviation = 0.0;  ///< max_i |relative risk contribution_i - b_i| at the end
};

/// Returns the long-only portfolio whose relative risk contributions w_i (Sigma w)_i / w'Sigma w
/// equal the budgets b (equal risk contribution for equal budgets). Solves Spinu's (2013) convex
/// problem min_x 1/2 x' Sigma x - sum_i b_i ln x_i (x > 0), whose optimum has
/// x_i (Sigma x)_i = b_i, by damped Newton steps with a backtracking line search; w = x / sum x.
/// Errors: cov not square, empty, non-finite or with a non-positive diagonal; budgets of the
/// wrong length, non-finite or not positive; tolerance <= 0; no convergence within
/// max_iterations (names the deviation reached).
Result<ErcResult> equal_risk_contribution(const Eigen::MatrixXd& cov,
                                          const ErcOptions& options = {});

/// Returns the global minimum-variance portfolio, fully invested with shorts allowed:
/// w = Sigma^-1 1 / (1' Sigma^-1 1). Errors: cov not square, empty, non-finite or not positive
/// definite.
Result<Eigen::VectorXd> minimum_variance_unconstrained(const Eigen::MatrixXd& cov);

/// Returns the maximum-Sharpe (tangency) portfolio, fully invested with shorts allowed:
/// z = Sigma^-1 (mu - rf 1), w = z / (1' z). `expected_returns` and `risk_free` are in the
/// covariance's units (annual for an annualised covariance). Errors: as
/// minimum_variance_unconstrained, mismatched or non-finite inputs, and 1' z <= 0 (the
/// risk-free rate is at or above the minimum-variance portfolio's expected return, so no fully
/// invested portfolio has the maximum positive Sharpe ratio).
Result<Eigen::VectorXd> max_sharpe_unconstrained(const Eigen::MatrixXd& cov,
                                                 const Eigen::VectorXd& expected_returns,
                                                 double risk_free = 0.0);

/// Returns the mean-variance portfolio max w'mu - (gamma/2) w'Sigma w subject to 1'w = 1,
/// shorts allowed: w = Sigma^-1 (mu - eta 1) / gamma, eta = (1'Sigma^-1 mu - gamma) /
/// (1'Sigma^-1 1). Errors: as minimum_variance_unconstrained, mismatched or non-finite inputs,
/// risk_aversion <= 0.
Result<Eigen::VectorXd> mean_variance_unconstrained(const Eigen::MatrixXd& cov,
                                                    const Eigen::VectorXd& expected_returns,
                                                    double risk_aversion);

/// Settings of volatility_target.
struct VolatilityTargetOptions {
  double target_volatility = 0.10;  ///< in the covariance's units (annual), > 0
  double min_scale = 0.0;           ///< the sleeve is scaled by a factor in [min, max]
  double max_scale = 1.0;           ///< > 1 means leverage
};

/// A risky sleeve scaled to a volatility target, the rest in cash (zero risk).
struct VolatilityTargetResult {
  Eigen::VectorXd weights;         ///< scale x sleeve weights
  double cash_weight = 0.0;        ///< 1 - sum(weights); negative when leveraged
  double scale = 0.0;              ///< clamp(target / sleeve_volatility, min, max)
  double sleeve_volatility = 0.0;  ///< sqrt(w' Sigma w) of the unscaled sleeve
  double volatility = 0.0;         ///< scale x sleeve_volatility
  bool clamped = false;            ///< the scale hit min_scale or max_scale
};

/// Returns the sleeve `weights` scaled so the portfolio volatility is the target, within
/// [min_scale, max_scale]; a sleeve with zero volatility gets max_scale. Errors: cov not square or
/// non-finite, weights of the wrong length or non-finite, target <= 0, min_scale < 0,
/// max_scale < min_scale.
Result<VolatilityTargetResult> volatility_target(const Eigen::MatrixXd& cov,
                                                 const Eigen::VectorXd& weights,
                                                 const VolatilityTargetOptions& options);

/// One point of a glide path: the growth (equity) share at a number of years before the target
/// date.
struct GlidePoint {
  double years_to_target = 0.0;  ///< may be negative (after the target date)
  double growth_share = 0.0;     ///< in [0, 1]
};

/// Returns the growth share at `years_to_target` on the glide path: linear between points, flat
/// before the first and after the last. Errors: no points, years not strictly increasing, a share
/// outside [0, 1], a non-finite value.
Result<double> glide_path_growth_share(const std::vector<GlidePoint>& path, double years_to_target);

/// Returns s x growth + (1 - s) x defensive with s = glide_path_growth_share(path, years):
/// target weights of a target-date portfolio built from a growth and a defensive sleeve (each
/// usually summing to 1). Errors: those of glide_path_growth_share, sleeves of different
/// lengths or with non-finite weights.
Result<Eigen::VectorXd> glide_path_weights(const std::vector<GlidePoint>& path,
                                           double years_to_target, const Eigen::VectorXd& growth,
                                           const Eigen::VectorXd& defensive);

}  // namespace ballast

namespace ballast {

/// Bounds for the long-only allocation models: per-asset weight bounds (empty = 0 and 1).
/// Fully invested: the weights sum to 1.
struct LongOnlyOptions {
  Eigen::VectorXd lower{};
  Eigen::VectorXd upper{};
};

/// Minimum variance, long-only and fully invested: min w' cov w s.t. sum w = 1, l <= w <= u.
/// Solved exactly by the rebalancing optimizer (target 0, no costs, no cash).
Result<Eigen::VectorXd> minimum_variance(const Eigen::MatrixXd& cov, const LongOnlyOptions& = {});

/// Mean-variance, long-only and fully invested: max mu'w - (risk_aversion / 2) w' cov w.
Result<Eigen::VectorXd> mean_variance(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mu,
                                      double risk_aversion, const LongOnlyOptions& = {});

/// Maximum Sharpe ratio (mu'w - risk_free) / sqrt(w' cov w), long-only and fully invested: the
/// tangency portfolio, found on the long-only mean-variance frontier (golden-section search over
/// the risk aversion, on which the Sharpe ratio is unimodal). Error when no portfolio has an
/// expected return above risk_free.
Result<Eigen::VectorXd> max_sharpe(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mu,
                                   double risk_free = 0.0, const LongOnlyOptions& = {});

}  // namespace ballast
