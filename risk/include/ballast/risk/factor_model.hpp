// Statistical factor model (principal components plus specific variance) and the repair step that
// keeps a covariance matrix positive definite.
#pragma once

#include <Eigen/Core>

#include "ballast/core/result.hpp"

namespace ballast {

/// Sigma = B F B' + diag(d): n assets, k factors. Immutable once built.
class FactorModel {
 public:
  /// Returns the k-factor principal-component model of a symmetric covariance `cov` (n x n):
  /// B = the eigenvectors of the k largest eigenvalues (orthonormal columns, each signed so its
  /// largest-magnitude entry is positive), F = diag of those eigenvalues, and
  /// d_i = cov_ii - (B F B')_ii, so the diagonal is reproduced exactly. d_i below zero (rounding;
  /// only possible when cov is not positive semi-definite or k = n) is set to 0, and a negative
  /// eigenvalue among the k to 0. With k = n the model is cov itself (to rounding).
  /// Errors: cov not square, empty or non-finite; k outside 1..n.
  static Result<FactorModel> principal_components(const Eigen::MatrixXd& cov, Eigen::Index k);

  /// Returns the model with the given parts. Errors: mismatched sizes, a non-finite value, a
  /// non-symmetric F, a negative specific variance.
  static Result<FactorModel> from_parts(Eigen::MatrixXd loadings, Eigen::MatrixXd factor_cov,
                                        Eigen::VectorXd specific);

  const Eigen::MatrixXd& loadings() const noexcept { return loadings_; }             ///< B, n x k
  const Eigen::MatrixXd& factor_covariance() const noexcept { return factor_cov_; }  ///< F, k x k
  const Eigen::VectorXd& specific_variances() const noexcept { return specific_; }   ///< d, n
  Eigen::Index assets() const noexcept { return loadings_.rows(); }
  Eigen::Index factors() const noexcept { return loadings_.cols(); }

  /// Returns the dense n x n matrix B F B' + diag(d).
  Eigen::MatrixXd covariance() const;
  /// Returns w' Sigma w in O(nk + k^2) without forming Sigma. w must have length n.
  double quad_form(const Eigen::VectorXd& w) const;
  /// Writes Sigma w into `out` (resized to n) in O(nk + k^2).
  void multiply(const Eigen::VectorXd& w, Eigen::VectorXd& out) const;
  /// Returns Sigma_ii = (B F B')_ii + d_i.
  double variance(Eigen::Index i) const;
  /// Returns the share of total variance (trace) the factors explain, in [0, 1].
  double explained_share() const;
  /// Returns the model with F and d multiplied by `factor` (e.g. periods per year), factor > 0.
  FactorModel scaled(double factor) const;

 private:
  FactorModel(Eigen::MatrixXd loadings, Eigen::MatrixXd factor_cov, Eigen::VectorXd specific)
      : loadings_(std::move(loadings)),
        factor_cov_(std::move(factor_cov)),
        specific_(std::move(specific)) {}

  Eigen::MatrixXd loadings_;
  Eigen::MatrixXd factor_cov_;
  Eigen::VectorXd specific_;
};

/// What repair_positive_definite found and did.
struct RepairReport {
  bool changed = false;         ///< the matrix differs from the input in any bit
  bool symmetrised = false;     ///< the input was not exactly symmetric; it was set to (A + A')/2
  int clipped = 0;              ///< eigenvalues raised to the floor
  double min_eigenvalue = 0.0;  ///< smallest eigenvalue of the symmetrised input
  double max_eigenvalue = 0.0;  ///< largest eigenvalue of the symmetrised input
  double floor = 0.0;           ///< epsilon x max_eigenvalue
};

/// Makes `cov` symmetric positive definite in place: symmetrises it ((A + A') / 2, only if it is
/// not exactly symmetric), then raises every eigenvalue below epsilon x (largest eigenvalue) to
/// that floor and rebuilds V diag(lambda) V'. A matrix that is symmetric with every eigenvalue at
/// or above the floor is left untouched (bit for bit), and the report says changed = false. The
/// result has condition number at most 1 / epsilon.
/// Errors (cov unchanged): not square, empty, a non-finite value, epsilon outside (0, 1), no
/// positive eigenvalue (nothing to scale a floor by).
Result<RepairReport> repair_positive_definite(Eigen::MatrixXd& cov, double epsilon = 1e-10);

}  // namespace ballast
