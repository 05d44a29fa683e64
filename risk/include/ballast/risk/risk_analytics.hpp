// Portfolio risk analytics on a covariance matrix (dense or factor form): variance, volatility,
// risk contributions, diversification ratio, tracking error. Units follow the covariance
// (annualised for a RiskModel).
#pragma once

#include <Eigen/Core>

#include "ballast/core/result.hpp"
#include "ballast/risk/factor_model.hpp"
#include "ballast/risk/risk_model.hpp"

namespace ballast {

/// A covariance to compute with: a dense symmetric matrix or a factor model. Refers to, never
/// owns, the matrix: pass it as a parameter, do not store it.
class CovarianceView {
 public:
  CovarianceView(const Eigen::MatrixXd& dense) noexcept : dense_(&dense) {}    // NOLINT: implicit
  CovarianceView(const FactorModel& factors) noexcept : factors_(&factors) {}  // NOLINT: implicit
  /// The factor form when the model has one, else the dense matrix.
  CovarianceView(const RiskModel& model) noexcept  // NOLINT: implicit
      : dense_(model.factors ? nullptr : &model.covariance),
        factors_(model.factors ? &*model.factors : nullptr) {}

  /// Returns the number of assets; for a non-square dense matrix, -1.
  Eigen::Index assets() const noexcept;
  /// Writes Sigma w into `out` (resized to n).
  void multiply(const Eigen::VectorXd& w, Eigen::VectorXd& out) const;
  /// Returns w' Sigma w.
  double quad_form(const Eigen::VectorXd& w) const;
  /// Returns Sigma_ii.
  double variance(Eigen::Index i) const;

 private:
  const Eigen::MatrixXd* dense_ = nullptr;
  const FactorModel* factors_ = nullptr;
};

// Every function below fails (never crashes) on: a non-square covariance, weights of the wrong
// length or non-finite, and a non-finite result (a NaN in the covariance).

/// Returns the portfolio variance w' Sigma w.
Result<double> portfolio_variance(CovarianceView cov, const Eigen::VectorXd& w);
/// Returns the portfolio volatility sqrt(w' Sigma w). Errors also: a negative variance.
Result<double> portfolio_volatility(CovarianceView cov, const Eigen::VectorXd& w);

/// Returns each asset's contribution to portfolio volatility, RC_i = w_i (Sigma w)_i / sigma_p
/// (Euler allocation); they sum to sigma_p. Errors also: zero portfolio variance.
Result<Eigen::VectorXd> risk_contributions(CovarianceView cov, const Eigen::VectorXd& w);
/// Returns each asset's share of portfolio variance, w_i (Sigma w)_i / w' Sigma w; they sum to 1.
/// Errors also: zero portfolio variance.
Result<Eigen::VectorXd> relative_risk_contributions(CovarianceView cov, const Eigen::VectorXd& w);

/// Returns the diversification ratio sum_i |w_i| sigma_i / sigma_p (>= 1 for long-only weights;
/// 1 for a single asset). Errors also: zero portfolio variance.
Result<double> diversification_ratio(CovarianceView cov, const Eigen::VectorXd& w);

/// Returns the tracking error sqrt(a' Sigma a) of active weights a (portfolio minus benchmark).
Result<double> tracking_error(CovarianceView cov, const Eigen::VectorXd& active);
/// Returns the tracking error of `w` against `benchmark`: tracking_error(cov, w - benchmark).
Result<double> tracking_error(CovarianceView cov, const Eigen::VectorXd& w,
                              const Eigen::VectorXd& benchmark);

}  // namespace ballast
