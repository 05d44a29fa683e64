// Covariance estimators: sample, EWMA, Ledoit-Wolf.
#include "ballast/risk/covariance.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

namespace {

std::string rows_cols(const Eigen::MatrixXd& m) {
  return concat({std::to_string(m.rows()), " x ", std::to_string(m.cols())});
}

/// Copies the lower triangle onto the upper one, so the result is exactly symmetric.
void mirror_lower(Eigen::MatrixXd& m) {
  m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
}

/// Returns the returns with each column's mean subtracted.
Eigen::MatrixXd demeaned(const Eigen::MatrixXd& returns) {
  const Eigen::RowVectorXd mean = returns.colwise().mean();
  return returns.rowwise() - mean;
}

/// Returns X'X (n x n, exactly symmetric).
Eigen::MatrixXd cross_product(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd s = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  s.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  mirror_lower(s);
  return s;
}

Status check_decay(double decay) {
  if (!(decay > 0.0 && decay < 1.0)) {
    return Error{concat({"ewma decay must be in (0, 1), got ", format_double(decay)})};
  }
  return Ok{};
}

}  // namespace

Status check_finite_returns(const Eigen::MatrixXd& returns) {
  for (Eigen::Index c = 0; c < returns.cols(); ++c) {
    for (Eigen::Index r = 0; r < returns.rows(); ++r) {
      if (!std::isfinite(returns(r, c))) {
        return Error{concat({"returns[", std::to_string(r), "][", std::to_string(c), "] is ",
                             format_double(returns(r, c)), "; every return must be finite"})};
      }
    }
  }
  return Ok{};
}

Result<Eigen::MatrixXd> sample_covariance(const Eigen::MatrixXd& returns) {
  const Eigen::Index t = returns.rows();
  const Eigen::Index n = returns.cols();
  if (n == 0) return Error{"sample covariance: the returns have no columns"};
  if (t <= n) {
    return Error{concat({"sample covariance of ", std::to_string(n), " assets needs more than ",
                         std::to_string(n), " return rows (it is singular otherwise), got ",
                         std::to_string(t), "; use ledoit_wolf or a longer lookback"})};
  }
  if (auto ok = check_finite_returns(returns); !ok) return Error{ok.error()};
  Eigen::MatrixXd s = cross_product(demeaned(returns));
  s /= static_cast<double>(t - 1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// EWMA

EwmaCovariance::EwmaCovariance(Eigen::Index n, EwmaOptions options)
    : options_(options),
      second_moment_(Eigen::MatrixXd::Zero(n, n)),
      mean_(Eigen::VectorXd::Zero(n)) {}

Result<EwmaCovariance> EwmaCovariance::create(Eigen::Index n, EwmaOptions options) {
  if (n < 1) return Error{concat({"ewma: need at least 1 asset, got ", std::to_string(n)})};
  if (auto ok = check_decay(options.decay); !ok) return Error{ok.error()};
  return EwmaCovariance(n, options);
}

Status EwmaCovariance::update(const Eigen::VectorXd& r) {
  const Eigen::Index n = assets();
  if (r.size() != n) {
    return Error{concat(
        {"ewma update: expected ", std::to_string(n), " returns, got ", std::to_string(r.size())})};
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(r[i])) {
      return Error{concat({"ewma update: return ", std::to_string(i), " is ", format_double(r[i]),
                           "; every return must be finite"})};
    }
  }
  const double lambda = options_.decay;
  weight_sum_ = lambda * weight_sum_ + (1.0 - lambda);
  // a = (1 - lambda) / W_t renormalises the weights to sum 1 (a_1 = 1 exactly: no seed matrix).
  const double a = (1.0 - lambda) / weight_sum_;
  const double keep = 1.0 - a;
  // Plain loops: no temporaries (no allocation), and r_i r_j == r_j r_i keeps M exactly symmetric.
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      second_moment_(i, j) = keep * second_moment_(i, j) + a * (r[i] * r[j]);
    }
  }
  if (options_.demean) {
    for (Eigen::Index i = 0; i < n; ++i) mean_[i] = keep * mean_[i] + a * r[i];
  }
  ++observations_;
  return Ok{};
}

void EwmaCovariance::covariance_into(Eigen::MatrixXd& out) const noexcept {
  const Eigen::Index n = assets();
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      out(i, j) = second_moment_(i, j) - mean_[i] * mean_[j];
    }
  }
}

Eigen::MatrixXd EwmaCovariance::covariance() const {
  Eigen::MatrixXd out(assets(), assets());
  covariance_into(out);
  return out;
}

Result<Eigen::MatrixXd> ewma_covariance(const Eigen::MatrixXd& returns, EwmaOptions options) {
  if (returns.rows() == 0 || returns.cols() == 0) {
    return Error{concat({"ewma covariance: need at least one row and column of returns, got ",
                         rows_cols(returns)})};
  }
  if (auto ok = check_finite_returns(returns); !ok) return Error{ok.error()};
  auto est = EwmaCovariance::create(returns.cols(), options);
  if (!est) return Error{est.error()};
  Eigen::VectorXd r(returns.cols());
  for (Eigen::Index t = 0; t < returns.rows(); ++t) {
    r = returns.row(t).transpose();
    if (auto ok = est.value().update(r); !ok) return Error{ok.error()};
  }
  return est.value().covariance();
}

// ---------------------------------------------------------------------------------------------
// Ledoit-Wolf

Result<LedoitWolfEstimate> ledoit_wolf(const Eigen::MatrixXd& returns) {
  const Eigen::Index t = returns.rows();
  const Eigen::Index n = returns.cols();
  if (n == 0) return Error{"ledoit_wolf: the returns have no columns"};
  if (t < 2) {
    return Error{concat({"ledoit_wolf: need at least 2 return rows, got ", std::to_string(t)})};
  }
  if (auto ok = check_finite_returns(returns); !ok) return Error{ok.error()};

  const double td = static_cast<double>(t);
  const double nd = static_cast<double>(n);
  const Eigen::MatrixXd x = demeaned(returns);

  LedoitWolfEstimate e;
  e.sample = cross_product(x);
  e.sample /= td;
  e.mu = e.sample.trace() / nd;
  // d^2 = ||S - m I||^2 with the paper's normalised Frobenius norm ||A||^2 = tr(AA') / n.
  Eigen::MatrixXd centred = e.sample;
  centred.diagonal().array() -= e.mu;
  e.d2 = centred.squaredNorm() / nd;
  // bbar^2 = (1/T^2) sum_t ||x_t x_t' - S||^2. Expanding, and using sum_t x_t' S x_t =
  // T ||S||_F^2, sum_t ||x_t x_t' - S||_F^2 = sum_t ||x_t||^4 - T ||S||_F^2: O(Tn + n^2).
  const double fourth = x.rowwise().squaredNorm().squaredNorm();
  const double spread = std::max(0.0, fourth - td * e.sample.squaredNorm());
  e.b2_bar = spread / (nd * td * td);
  e.b2 = std::min(e.b2_bar, e.d2);
  // d^2 = 0: S already is the target, and any intensity gives the same matrix.
  e.intensity = e.d2 > 0.0 ? std::clamp(e.b2 / e.d2, 0.0, 1.0) : 0.0;

  e.covariance = (1.0 - e.intensity) * e.sample;
  e.covariance.diagonal().array() += e.intensity * e.mu;
  return e;
}

}  // namespace ballast
