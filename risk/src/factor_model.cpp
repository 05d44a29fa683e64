// Statistical factor model and positive-definite repair.
#include "ballast/risk/factor_model.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

namespace {

Status check_square_finite(const Eigen::MatrixXd& m, std::string_view what) {
  if (m.rows() == 0 || m.rows() != m.cols()) {
    return Error{concat({what, ": the matrix must be square and non-empty, got ",
                         std::to_string(m.rows()), " x ", std::to_string(m.cols())})};
  }
  if (!m.allFinite()) return Error{concat({what, ": the matrix has a non-finite value"})};
  return Ok{};
}

bool exactly_symmetric(const Eigen::MatrixXd& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = j + 1; i < m.rows(); ++i) {
      if (m(i, j) != m(j, i)) return false;
    }
  }
  return true;
}

}  // namespace

Result<FactorModel> FactorModel::principal_components(const Eigen::MatrixXd& cov, Eigen::Index k) {
  if (auto ok = check_square_finite(cov, "factor model"); !ok) return Error{ok.error()};
  const Eigen::Index n = cov.rows();
  if (k < 1 || k > n) {
    return Error{concat({"factor model: factors must be in 1..", std::to_string(n),
                         " (the number of assets), got ", std::to_string(k)})};
  }
  // Only the lower triangle is read: an asymmetric input is taken as its lower half.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  if (eig.info() != Eigen::Success) {
    return Error{"factor model: the eigenvalue decomposition did not converge"};
  }
  // Eigenvalues come in increasing order; the factors are the last k, largest first.
  Eigen::MatrixXd b(n, k);
  Eigen::MatrixXd f = Eigen::MatrixXd::Zero(k, k);
  for (Eigen::Index j = 0; j < k; ++j) {
    const Eigen::Index src = n - 1 - j;
    Eigen::VectorXd v = eig.eigenvectors().col(src);
    Eigen::Index arg = 0;
    v.cwiseAbs().maxCoeff(&arg);
    if (v[arg] < 0.0) v = -v;  // a deterministic sign: the largest entry positive
    b.col(j) = v;
    f(j, j) = std::max(0.0, eig.eigenvalues()[src]);
  }
  Eigen::VectorXd d(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double common = b.row(i).cwiseAbs2().dot(f.diagonal());
    d[i] = std::max(0.0, cov(i, i) - common);
  }
  return FactorModel(std::move(b), std::move(f), std::move(d));
}

Result<FactorModel> FactorModel::from_parts(Eigen::MatrixXd loadings, Eigen::MatrixXd factor_cov,
                                            Eigen::VectorXd specific) {
  const Eigen::Index n = loadings.rows();
  const Eigen::Index k = loadings.cols();
  if (n == 0 || k == 0) return Error{"factor model: the loadings are empty"};
  if (factor_cov.rows() != k || factor_cov.cols() != k) {
    return Error{
        concat({"factor model: the factor covariance must be ", std::to_string(k), " x ",
                std::to_string(k), " (one row per loading column), got ",
                std::to_string(factor_cov.rows()), " x ", std::to_string(factor_cov.cols())})};
  }
  if (specific.size() != n) {
    return Error{concat({"factor model: need ", std::to_string(n),
                         " specific variances (one per loading row), got ",
                         std::to_string(specific.size())})};
  }
  if (!loadings.allFinite() || !factor_cov.allFinite() || !specific.allFinite()) {
    return Error{"factor model: a part has a non-finite value"};
  }
  if (!exactly_symmetric(factor_cov)) {
    return Error{"factor model: the factor covariance is not symmetric"};
  }
  if ((specific.array() < 0.0).any()) {
    return Error{"factor model: a specific variance is negative"};
  }
  return FactorModel(std::move(loadings), std::move(factor_cov), std::move(specific));
}

Eigen::MatrixXd FactorModel::covariance() const {
  Eigen::MatrixXd s = loadings_ * factor_cov_ * loadings_.transpose();
  // The product is symmetric only to rounding; make it exact.
  s = 0.5 * (s + s.transpose()).eval();
  s.diagonal() += specific_;
  return s;
}

double FactorModel::quad_form(const Eigen::VectorXd& w) const {
  const Eigen::VectorXd e = loadings_.transpose() * w;
  return e.dot(factor_cov_ * e) + (specific_.array() * w.array().square()).sum();
}

void FactorModel::multiply(const Eigen::VectorXd& w, Eigen::VectorXd& out) const {
  const Eigen::VectorXd fe = factor_cov_ * (loadings_.transpose() * w);
  out.noalias() = loadings_ * fe;
  out.array() += specific_.array() * w.array();
}

double FactorModel::variance(Eigen::Index i) const {
  const auto bi = loadings_.row(i);
  return bi.dot(factor_cov_ * bi.transpose()) + specific_[i];
}

double FactorModel::explained_share() const {
  double common = 0.0;
  for (Eigen::Index i = 0; i < assets(); ++i) common += variance(i) - specific_[i];
  const double total = common + specific_.sum();
  return total > 0.0 ? std::clamp(common / total, 0.0, 1.0) : 0.0;
}

FactorModel FactorModel::scaled(double factor) const {
  return FactorModel(loadings_, factor * factor_cov_, factor * specific_);
}

// ---------------------------------------------------------------------------------------------

Result<RepairReport> repair_positive_definite(Eigen::MatrixXd& cov, double epsilon) {
  if (auto ok = check_square_finite(cov, "positive-definite repair"); !ok) {
    return Error{ok.error()};
  }
  if (!(epsilon > 0.0 && epsilon < 1.0)) {
    return Error{concat(
        {"positive-definite repair: epsilon must be in (0, 1), got ", format_double(epsilon)})};
  }
  RepairReport rep;
  Eigen::MatrixXd sym;
  const bool symmetric = exactly_symmetric(cov);
  if (!symmetric) sym = 0.5 * (cov + cov.transpose());
  const Eigen::MatrixXd& a = symmetric ? cov : sym;

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(a);
  if (eig.info() != Eigen::Success) {
    return Error{"positive-definite repair: the eigenvalue decomposition did not converge"};
  }
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  rep.min_eigenvalue = lambda.minCoeff();
  rep.max_eigenvalue = lambda.maxCoeff();
  if (!(rep.max_eigenvalue > 0.0)) {
    return Error{
        concat({"positive-definite repair: the matrix has no positive eigenvalue "
                "(largest ",
                format_double(rep.max_eigenvalue), ")"})};
  }
  rep.floor = epsilon * rep.max_eigenvalue;
  rep.clipped = static_cast<int>((lambda.array() < rep.floor).count());
  rep.symmetrised = !symmetric;

  if (rep.clipped == 0) {
    if (!symmetric) {
      cov = sym;
      rep.changed = true;
    }
    return rep;
  }
  const Eigen::VectorXd floored = lambda.cwiseMax(rep.floor);
  const Eigen::MatrixXd& v = eig.eigenvectors();
  Eigen::MatrixXd rebuilt = v * floored.asDiagonal() * v.transpose();
  cov = 0.5 * (rebuilt + rebuilt.transpose());
  rep.changed = true;
  return rep;
}

}  // namespace ballast
