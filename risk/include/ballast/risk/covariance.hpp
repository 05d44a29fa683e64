// Covariance estimators from a returns matrix (T x n, rows = periods oldest first): sample,
// EWMA (batch and incremental per bar) and Ledoit-Wolf shrinkage. Results are per period (daily
// for daily returns); RiskModel annualises. Formulas: docs/risk_model.md.
#pragma once

#include <Eigen/Core>

#include "ballast/core/result.hpp"

namespace ballast {

/// Returns an error naming the first non-finite cell ("returns[r][c] is nan"), or Ok.
Status check_finite_returns(const Eigen::MatrixXd& returns);

/// Returns the unbiased sample covariance S = X'X / (T - 1) of the demeaned returns X.
/// Errors: no columns, a non-finite cell, T <= n (the matrix would be singular: T returns span
/// at most T - 1 dimensions once demeaned).
Result<Eigen::MatrixXd> sample_covariance(const Eigen::MatrixXd& returns);

/// Settings of the EWMA estimator.
struct EwmaOptions {
  double decay = 0.94;  ///< lambda in (0, 1); RiskMetrics uses 0.94 for daily returns
  /// false: returns are taken as zero-mean (RiskMetrics). true: the estimate is centred on the
  /// exponentially weighted mean of the same weights.
  bool demean = false;
};

/// RiskMetrics-style exponentially weighted covariance, one bar at a time.
///
/// The t-th bar gets weight proportional to lambda^(T - t); the weights are normalised to sum to
/// 1 for any number of bars T (no seed matrix), which is the recursion
///   W_t = lambda W_{t-1} + (1 - lambda),  W_0 = 0   (so W_t = 1 - lambda^t)
///   a_t = (1 - lambda) / W_t                         (a_1 = 1)
///   M_t = (1 - a_t) M_{t-1} + a_t r_t r_t'           (weighted second moment)
///   m_t = (1 - a_t) m_{t-1} + a_t r_t                (weighted mean, demean only)
/// and the covariance is M_t (zero-mean) or M_t - m_t m_t' (demean). For long histories
/// W_t -> 1 and this is exactly S_t = lambda S_{t-1} + (1 - lambda) r_t r_t'.
///
/// Thread: one owner. update() does not allocate.
class EwmaCovariance {
 public:
  /// Returns an estimator over n assets with no observations. Errors: n < 1, decay outside (0, 1).
  static Result<EwmaCovariance> create(Eigen::Index n, EwmaOptions options = {});

  /// Adds one bar's returns (length n). Errors, with the state unchanged: wrong length, a
  /// non-finite value. Does not allocate on success.
  Status update(const Eigen::VectorXd& r);

  /// Writes the current covariance (per period) into `out`, which must be n x n. Does not
  /// allocate. Before the first update it is the zero matrix.
  void covariance_into(Eigen::MatrixXd& out) const noexcept;
  /// Returns the current covariance (per period).
  Eigen::MatrixXd covariance() const;

  /// The weighted second moment M_t (equal to covariance() when not demeaning).
  const Eigen::MatrixXd& second_moment() const noexcept { return second_moment_; }
  /// The weighted mean m_t (zero when not demeaning).
  const Eigen::VectorXd& mean() const noexcept { return mean_; }
  /// Number of bars added.
  Eigen::Index observations() const noexcept { return observations_; }
  Eigen::Index assets() const noexcept { return second_moment_.rows(); }
  const EwmaOptions& options() const noexcept { return options_; }

 private:
  EwmaCovariance(Eigen::Index n, EwmaOptions options);

  EwmaOptions options_;
  Eigen::MatrixXd second_moment_;
  Eigen::VectorXd mean_;
  double weight_sum_ = 0.0;
  Eigen::Index observations_ = 0;
};

/// Returns the EWMA covariance (per period) of all rows of `returns`, oldest first: the same
/// recursion as EwmaCovariance::update, so it equals the incremental result exactly.
/// Errors: no rows or columns, a non-finite cell, decay outside (0, 1).
Result<Eigen::MatrixXd> ewma_covariance(const Eigen::MatrixXd& returns, EwmaOptions options = {});

/// Ledoit-Wolf (2004) shrinkage toward a scaled identity, and its ingredients.
struct LedoitWolfEstimate {
  Eigen::MatrixXd covariance;  ///< (1 - intensity) S + intensity mu I, per period
  Eigen::MatrixXd sample;      ///< S = X'X / T of the demeaned returns (the paper's 1/T form)
  double intensity = 0.0;      ///< delta* = b^2 / d^2, in [0, 1]
  double mu = 0.0;             ///< m = tr(S) / n, the target's variance
  double d2 = 0.0;             ///< d^2 = ||S - m I||^2
  double b2_bar = 0.0;         ///< bbar^2 = (1/T^2) sum_t ||x_t x_t' - S||^2
  double b2 = 0.0;             ///< b^2 = min(bbar^2, d^2)
};

/// Returns the Ledoit-Wolf estimate of "A well-conditioned estimator for large-dimensional
/// covariance matrices" (J. Multivariate Analysis 88, 2004), Lemmas 3.2-3.4 and Theorem 3.3:
/// target F = m I, norm ||A||^2 = tr(A A') / n. Works for n > T.
/// Errors: fewer than 2 rows, no columns, a non-finite cell.
Result<LedoitWolfEstimate> ledoit_wolf(const Eigen::MatrixXd& returns);

}  // namespace ballast
