// Allocation models without a constrained QP: ERC, unconstrained closed forms, volatility
// targeting, glide path.
#include "ballast/risk/allocation.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <string>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

namespace {

Status check_cov(const Eigen::MatrixXd& cov, const char* what) {
  if (cov.rows() == 0 || cov.rows() != cov.cols()) {
    return Error{concat({what, ": the covariance must be square and non-empty, got ",
                         std::to_string(cov.rows()), " x ", std::to_string(cov.cols())})};
  }
  if (!cov.allFinite()) return Error{concat({what, ": the covariance has a non-finite value"})};
  return Ok{};
}

Status check_vector(const Eigen::VectorXd& v, Eigen::Index n, const char* what, const char* name) {
  if (v.size() != n) {
    return Error{concat(
        {what, ": expected ", std::to_string(n), " ", name, ", got ", std::to_string(v.size())})};
  }
  if (!v.allFinite()) return Error{concat({what, ": a value of ", name, " is not finite"})};
  return Ok{};
}

/// The Cholesky factor of (cov + cov') / 2, or an error when it is not positive definite.
Result<Eigen::LLT<Eigen::MatrixXd>> factorise(const Eigen::MatrixXd& cov, const char* what) {
  if (auto ok = check_cov(cov, what); !ok) return Error{ok.error()};
  Eigen::LLT<Eigen::MatrixXd> llt(0.5 * (cov + cov.transpose()));
  if (llt.info() != Eigen::Success) {
    return Error{concat({what, ": the covariance is not positive definite (repair it first)"})};
  }
  return llt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Equal risk contribution / risk budgeting

Result<ErcResult> equal_risk_contribution(const Eigen::MatrixXd& cov, const ErcOptions& options) {
  constexpr const char* kWhat = "equal_risk_contribution";
  if (auto ok = check_cov(cov, kWhat); !ok) return Error{ok.error()};
  const Eigen::Index n = cov.rows();
  if ((cov.diagonal().array() <= 0.0).any()) {
    return Error{concat({kWhat, ": every asset needs a positive variance"})};
  }
  Eigen::VectorXd b;
  if (options.budgets.size() == 0) {
    b = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  } else {
    if (auto ok = check_vector(options.budgets, n, kWhat, "risk budgets"); !ok) {
      return Error{ok.error()};
    }
    if ((options.budgets.array() <= 0.0).any()) {
      return Error{concat({kWhat, ": every risk budget must be > 0"})};
    }
    b = options.budgets / options.budgets.sum();
  }
  if (!(options.tolerance > 0.0)) {
    return Error{
        concat({kWhat, ": tolerance must be > 0, got ", format_double(options.tolerance)})};
  }

  const Eigen::MatrixXd sym = 0.5 * (cov + cov.transpose());
  // Scaled to unit mean variance so the tolerances mean the same for any units.
  const Eigen::MatrixXd c = sym / sym.diagonal().mean();
  // Dividing f by min b makes every log term's coefficient >= 1, so f / b_min is
  // self-concordant and the Newton decrement below has its usual meaning: damped steps
  // 1 / (1 + lambda) stay inside x > 0 and decrease f; below 0.25 full steps converge
  // quadratically.
  const double b_min = b.minCoeff();

  // Start from inverse-volatility weights scaled so x' C x = sum b = 1 (true at the optimum).
  Eigen::VectorXd x = c.diagonal().cwiseSqrt().cwiseInverse();
  x /= std::sqrt(x.dot(c * x));

  ErcResult res;
  Eigen::VectorXd cx(n);
  Eigen::VectorXd g(n);
  Eigen::MatrixXd h(n, n);
  Eigen::VectorXd step(n);
  Eigen::LLT<Eigen::MatrixXd> llt(n);
  auto deviation = [&](const Eigen::VectorXd& y, const Eigen::VectorXd& cy) {
    return ((y.cwiseProduct(cy) / y.dot(cy)) - b).cwiseAbs().maxCoeff();
  };
  for (;;) {
    cx.noalias() = c * x;
    res.max_deviation = deviation(x, cx);
    if (res.max_deviation <= options.tolerance) break;
    if (res.iterations >= options.max_iterations) {
      return Error{
          concat({kWhat, ": no convergence in ", std::to_string(options.max_iterations),
                  " Newton steps (largest risk-share deviation ", format_double(res.max_deviation),
                  ", tolerance ", format_double(options.tolerance), ")"})};
    }
    g = cx - b.cwiseQuotient(x);
    h = c;
    h.diagonal() += b.cwiseQuotient(x.cwiseAbs2());
    llt.compute(h);
    if (llt.info() != Eigen::Success) {
      return Error{concat({kWhat, ": the Newton system is not positive definite"})};
    }
    step = llt.solve(g);
    const double decrement = std::sqrt(std::max(0.0, g.dot(step)) / b_min);
    double t = decrement > 0.25 ? 1.0 / (1.0 + decrement) : 1.0;
    // Guard against rounding at the boundary: never leave x > 0.
    while (((x - t * step).array() <= 0.0).any() && t > 1e-12) t *= 0.5;
    if (((x - t * step).array() <= 0.0).any()) {
      return Error{concat({kWhat, ": a Newton step left the positive orthant"})};
    }
    x -= t * step;
    ++res.iterations;
  }

  res.weights = x / x.sum();
  const Eigen::VectorXd sw = sym * res.weights;
  res.max_deviation = deviation(res.weights, sw);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Unconstrained closed forms

Result<Eigen::VectorXd> minimum_variance_unconstrained(const Eigen::MatrixXd& cov) {
  auto llt = factorise(cov, "minimum_variance_unconstrained");
  if (!llt) return Error{llt.error()};
  Eigen::VectorXd z = llt.value().solve(Eigen::VectorXd::Ones(cov.rows()));
  z /= z.sum();  // 1' Sigma^-1 1 > 0 for a positive definite Sigma
  return z;
}

Result<Eigen::VectorXd> max_sharpe_unconstrained(const Eigen::MatrixXd& cov,
                                                 const Eigen::VectorXd& expected_returns,
                                                 double risk_free) {
  constexpr const char* kWhat = "max_sharpe_unconstrained";
  auto llt = factorise(cov, kWhat);
  if (!llt) return Error{llt.error()};
  if (auto ok = check_vector(expected_returns, cov.rows(), kWhat, "expected returns"); !ok) {
    return Error{ok.error()};
  }
  if (!std::isfinite(risk_free))
    return Error{concat({kWhat, ": the risk-free rate is not finite"})};
  const Eigen::VectorXd excess = expected_returns.array() - risk_free;
  Eigen::VectorXd z = llt.value().solve(excess);
  const double total = z.sum();
  if (!(total > 0.0)) {
    return Error{concat({kWhat, ": 1' Sigma^-1 (mu - rf) is ", format_double(total),
                         "; the risk-free rate is not below the minimum-variance portfolio's "
                         "expected return, so no fully invested portfolio maximises a positive "
                         "Sharpe ratio"})};
  }
  z /= total;
  return z;
}

Result<Eigen::VectorXd> mean_variance_unconstrained(const Eigen::MatrixXd& cov,
                                                    const Eigen::VectorXd& expected_returns,
                                                    double risk_aversion) {
  constexpr const char* kWhat = "mean_variance_unconstrained";
  auto llt = factorise(cov, kWhat);
  if (!llt) return Error{llt.error()};
  if (auto ok = check_vector(expected_returns, cov.rows(), kWhat, "expected returns"); !ok) {
    return Error{ok.error()};
  }
  if (!(risk_aversion > 0.0) || !std::isfinite(risk_aversion)) {
    return Error{
        concat({kWhat, ": risk_aversion must be > 0, got ", format_double(risk_aversion)})};
  }
  const Eigen::VectorXd z1 = llt.value().solve(Eigen::VectorXd::Ones(cov.rows()));
  const Eigen::VectorXd zmu = llt.value().solve(expected_returns);
  // The budget constraint's multiplier eta makes 1' w = 1.
  const double eta = (zmu.sum() - risk_aversion) / z1.sum();
  Eigen::VectorXd w = (zmu - eta * z1) / risk_aversion;
  return w;
}

// ---------------------------------------------------------------------------------------------
// Volatility targeting

Result<VolatilityTargetResult> volatility_target(const Eigen::MatrixXd& cov,
                                                 const Eigen::VectorXd& weights,
                                                 const VolatilityTargetOptions& options) {
  constexpr const char* kWhat = "volatility_target";
  if (auto ok = check_cov(cov, kWhat); !ok) return Error{ok.error()};
  if (auto ok = check_vector(weights, cov.rows(), kWhat, "weights"); !ok) {
    return Error{ok.error()};
  }
  if (!(options.target_volatility > 0.0) || !std::isfinite(options.target_volatility)) {
    return Error{concat({kWhat, ": target_volatility must be > 0, got ",
                         format_double(options.target_volatility)})};
  }
  if (!(options.min_scale >= 0.0) || !std::isfinite(options.max_scale) ||
      !(options.max_scale >= options.min_scale)) {
    return Error{
        concat({kWhat, ": need 0 <= min_scale <= max_scale, got ", format_double(options.min_scale),
                " and ", format_double(options.max_scale)})};
  }
  const double var = weights.dot(cov * weights);
  if (!(var >= 0.0)) {
    return Error{concat({kWhat, ": the sleeve variance is ", format_double(var),
                         "; the covariance is not positive semi-definite"})};
  }
  VolatilityTargetResult r;
  r.sleeve_volatility = std::sqrt(var);
  const double raw = r.sleeve_volatility > 0.0 ? options.target_volatility / r.sleeve_volatility
                                               : options.max_scale;
  r.scale = std::clamp(raw, options.min_scale, options.max_scale);
  r.clamped = r.scale != raw;
  r.weights = r.scale * weights;
  r.cash_weight = 1.0 - r.weights.sum();
  r.volatility = r.scale * r.sleeve_volatility;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Glide path

Result<double> glide_path_growth_share(const std::vector<GlidePoint>& path,
                                       double years_to_target) {
  constexpr const char* kWhat = "glide path";
  if (path.empty()) return Error{concat({kWhat, ": no points"})};
  if (!std::isfinite(years_to_target)) {
    return Error{concat({kWhat, ": years_to_target is not finite"})};
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const GlidePoint& p = path[i];
    const std::string at = concat({kWhat, ": point ", std::to_string(i)});
    if (!std::isfinite(p.years_to_target)) {
      return Error{concat({at, ": years_to_target is not finite"})};
    }
    if (!(p.growth_share >= 0.0 && p.growth_share <= 1.0)) {
      return Error{
          concat({at, ": growth_share must be in [0, 1], got ", format_double(p.growth_share)})};
    }
    if (i > 0 && !(p.years_to_target > path[i - 1].years_to_target)) {
      return Error{concat({at, ": years_to_target must increase strictly, got ",
                           format_double(p.years_to_target), " after ",
                           format_double(path[i - 1].years_to_target)})};
    }
  }
  if (years_to_target <= path.front().years_to_target) return path.front().growth_share;
  if (years_to_target >= path.back().years_to_target) return path.back().growth_share;
  const auto hi =
      std::upper_bound(path.begin(), path.end(), years_to_target,
                       [](double y, const GlidePoint& p) { return y < p.years_to_target; });
  const GlidePoint& p1 = *hi;
  const GlidePoint& p0 = *(hi - 1);
  const double u =
      (years_to_target - p0.years_to_target) / (p1.years_to_target - p0.years_to_target);
  return p0.growth_share + u * (p1.growth_share - p0.growth_share);
}

Result<Eigen::VectorXd> glide_path_weights(const std::vector<GlidePoint>& path,
                                           double years_to_target, const Eigen::VectorXd& growth,
                                           const Eigen::VectorXd& defensive) {
  auto share = glide_path_growth_share(path, years_to_target);
  if (!share) return Error{share.error()};
  if (auto ok = check_vector(growth, growth.size(), "glide path", "growth weights"); !ok) {
    return Error{ok.error()};
  }
  if (auto ok = check_vector(defensive, growth.size(), "glide path", "defensive weights"); !ok) {
    return Error{ok.error()};
  }
  const double s = share.value();
  Eigen::VectorXd w = s * growth + (1.0 - s) * defensive;
  return w;
}

}  // namespace ballast
