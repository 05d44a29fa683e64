// Portfolio risk analytics.
#include "ballast/risk/risk_analytics.hpp"

#include <cmath>
#include <string>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

Eigen::Index CovarianceView::assets() const noexcept {
  if (factors_ != nullptr) return factors_->assets();
  return dense_->rows() == dense_->cols() ? dense_->rows() : -1;
}

void CovarianceView::multiply(const Eigen::VectorXd& w, Eigen::VectorXd& out) const {
  if (factors_ != nullptr) {
    factors_->multiply(w, out);
  } else {
    out.noalias() = *dense_ * w;
  }
}

double CovarianceView::quad_form(const Eigen::VectorXd& w) const {
  if (factors_ != nullptr) return factors_->quad_form(w);
  return w.dot(*dense_ * w);
}

double CovarianceView::variance(Eigen::Index i) const {
  return factors_ != nullptr ? factors_->variance(i) : (*dense_)(i, i);
}

namespace {

Status check_weights(const CovarianceView& cov, const Eigen::VectorXd& w, const char* what) {
  const Eigen::Index n = cov.assets();
  if (n <= 0) return Error{concat({what, ": the covariance must be square and non-empty"})};
  if (w.size() != n) {
    return Error{concat(
        {what, ": expected ", std::to_string(n), " weights, got ", std::to_string(w.size())})};
  }
  if (!w.allFinite()) return Error{concat({what, ": a weight is not finite"})};
  return Ok{};
}

/// Returns w' Sigma w after checking the weights; fails when it is not finite.
Result<double> checked_variance(const CovarianceView& cov, const Eigen::VectorXd& w,
                                const char* what) {
  if (auto ok = check_weights(cov, w, what); !ok) return Error{ok.error()};
  const double v = cov.quad_form(w);
  if (!std::isfinite(v)) {
    return Error{concat({what, ": the variance is not finite (a NaN in the covariance?)"})};
  }
  return v;
}

/// Returns Sigma w and w' Sigma w for a portfolio that must have positive variance.
Result<double> positive_variance(const CovarianceView& cov, const Eigen::VectorXd& w,
                                 Eigen::VectorXd& sigma_w, const char* what) {
  if (auto ok = check_weights(cov, w, what); !ok) return Error{ok.error()};
  cov.multiply(w, sigma_w);
  const double v = w.dot(sigma_w);
  if (!std::isfinite(v) || !sigma_w.allFinite()) {
    return Error{concat({what, ": the variance is not finite (a NaN in the covariance?)"})};
  }
  if (!(v > 0.0)) {
    return Error{concat({what, ": the portfolio variance is ", format_double(v),
                         "; risk shares are undefined without positive variance"})};
  }
  return v;
}

}  // namespace

Result<double> portfolio_variance(CovarianceView cov, const Eigen::VectorXd& w) {
  return checked_variance(cov, w, "portfolio_variance");
}

Result<double> portfolio_volatility(CovarianceView cov, const Eigen::VectorXd& w) {
  auto v = checked_variance(cov, w, "portfolio_volatility");
  if (!v) return v;
  if (v.value() < 0.0) {
    return Error{
        concat({"portfolio_volatility: the variance is negative (", format_double(v.value()),
                "); the covariance is not positive semi-definite"})};
  }
  return std::sqrt(v.value());
}

Result<Eigen::VectorXd> risk_contributions(CovarianceView cov, const Eigen::VectorXd& w) {
  Eigen::VectorXd sw;
  auto v = positive_variance(cov, w, sw, "risk_contributions");
  if (!v) return Error{v.error()};
  Eigen::VectorXd rc = w.cwiseProduct(sw) / std::sqrt(v.value());
  return rc;
}

Result<Eigen::VectorXd> relative_risk_contributions(CovarianceView cov, const Eigen::VectorXd& w) {
  Eigen::VectorXd sw;
  auto v = positive_variance(cov, w, sw, "relative_risk_contributions");
  if (!v) return Error{v.error()};
  Eigen::VectorXd rc = w.cwiseProduct(sw) / v.value();
  return rc;
}

Result<double> diversification_ratio(CovarianceView cov, const Eigen::VectorXd& w) {
  Eigen::VectorXd sw;
  auto v = positive_variance(cov, w, sw, "diversification_ratio");
  if (!v) return v;
  double weighted = 0.0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const double var = cov.variance(i);
    if (var < 0.0) {
      return Error{concat({"diversification_ratio: asset ", std::to_string(i),
                           " has negative variance ", format_double(var)})};
    }
    weighted += std::abs(w[i]) * std::sqrt(var);
  }
  return weighted / std::sqrt(v.value());
}

Result<double> tracking_error(CovarianceView cov, const Eigen::VectorXd& active) {
  auto v = checked_variance(cov, active, "tracking_error");
  if (!v) return v;
  if (v.value() < 0.0) {
    return Error{
        concat({"tracking_error: the active variance is negative (", format_double(v.value()),
                "); the covariance is not positive semi-definite"})};
  }
  return std::sqrt(v.value());
}

Result<double> tracking_error(CovarianceView cov, const Eigen::VectorXd& w,
                              const Eigen::VectorXd& benchmark) {
  if (w.size() != benchmark.size()) {
    return Error{concat({"tracking_error: ", std::to_string(w.size()), " weights but ",
                         std::to_string(benchmark.size()), " benchmark weights"})};
  }
  return tracking_error(cov, Eigen::VectorXd(w - benchmark));
}

}  // namespace ballast
