// Random rebalancing problems (feasible and infeasible on purpose) and an independent check of a
// returned point: constraint violations and KKT residual written plainly from docs/optimizer.md,
// sharing no code with the optimizer. Used by the property test (tests/engine) and the cvxopt
// comparison (tests/scenario).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "ballast/engine/optimizer.hpp"

namespace ballast::test {

/// How a random problem was built.
enum class Built {
  kFeasible,
  kCapBelowNeed,      ///< turnover_cap below the least turnover the buffer and bounds need
  kEmptyBox,          ///< an instrument that must sell and may not (or the reverse)
  kLowerSumTooLarge,  ///< sum of lower bounds + cash buffer > 1
  kUpperSumTooSmall,  ///< sum of upper bounds + cash_max < 1
};

/// Per-instrument box [lo, hi] with no-buy / no-sell / band folded in.
inline void box_of(const RebalanceProblem& p, Eigen::Index i, double& lo, double& hi) {
  lo = p.lower.size() ? p.lower[i] : 0.0;
  hi = p.upper.size() ? p.upper[i] : 1.0;
  if (!p.no_sell.empty() && p.no_sell[static_cast<std::size_t>(i)]) lo = std::max(lo, p.current[i]);
  if (!p.no_buy.empty() && p.no_buy[static_cast<std::size_t>(i)]) hi = std::min(hi, p.current[i]);
  if (p.mode == RebalanceMode::kBandEdge) {
    lo = std::max(lo, p.target[i] - p.band[i]);
    hi = std::min(hi, p.target[i] + p.band[i]);
  }
}

/// The least turnover of a point meeting the boxes and the budget with cash in [buffer,
/// cash_max]; +inf when the boxes and the budget alone conflict. As a function of the invested
/// sum S, the cheapest point starts from w0 clamped into its box (sum s0) and moves |S - s0|
/// more, each unit costing one unit of turnover; S ranges over the budget's window.
inline double least_turnover(const RebalanceProblem& p) {
  const Eigen::Index n = p.size();
  double lo_sum = 0, hi_sum = 0, base = 0, s0 = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    double lo, hi;
    box_of(p, i, lo, hi);
    if (lo > hi + 1e-12) return std::numeric_limits<double>::infinity();
    lo_sum += lo;
    hi_sum += hi;
    const double c = std::min(std::max(p.current[i], lo), hi);
    base += std::fabs(c - p.current[i]);
    s0 += c;
  }
  const double s_lo = std::max(1.0 - p.cash_max, lo_sum);
  const double s_hi = std::min(1.0 - p.cash_buffer, hi_sum);
  if (s_lo > s_hi + 1e-12) return std::numeric_limits<double>::infinity();
  // Turnover as a function of S: base + |S - s0| (every unit moved away from the clamped point
  // costs one), convex; its minimum over [s_lo, s_hi] is at the point of the interval nearest s0.
  const double s = std::min(std::max(s0, s_lo), s_hi);
  return base + std::fabs(s - s0);
}

/// The check of a returned point, computed here (not by the optimizer).
struct PointCheck {
  double primal = 0;  ///< largest constraint violation, absolute
  double kkt = 0;     ///< largest scaled stationarity / complementarity violation
};

inline PointCheck check_point(const RebalanceProblem& p, const Eigen::VectorXd& w, double cash,
                              double nu, double mu) {
  const Eigen::Index n = p.size();
  const bool band = p.mode == RebalanceMode::kBandEdge;
  const double lte = band ? 0.0 : p.tracking_weight;
  const double eps = band || p.tracking_weight == 0 ? 1e-6 : 0.0;  // docs: proximity term
  Eigen::MatrixXd sigma;
  if (p.sigma.is_factor()) {
    sigma = p.sigma.loadings * p.sigma.factor_cov * p.sigma.loadings.transpose();
    sigma.diagonal() += p.sigma.specific;
  } else {
    sigma = p.sigma.dense;
  }
  const Eigen::VectorXd grad = 2.0 * lte * (sigma * (w - p.target));
  const double scale = 1.0 + grad.cwiseAbs().maxCoeff();
  PointCheck c;
  c.primal = std::fabs(w.sum() + cash - 1.0);
  c.primal = std::max({c.primal, p.cash_buffer - cash, cash - p.cash_max});
  double turnover = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double dw = w[i] - p.current[i];
    turnover += std::fabs(dw);
    double lo, hi;
    box_of(p, i, lo, hi);
    c.primal = std::max({c.primal, lo - w[i], w[i] - hi});
    double g = grad[i] + nu + 2.0 * eps * dw;
    if (p.impact.size()) g += 2.0 * p.impact_weight * p.impact[i] * dw;
    if (p.alpha.size()) g -= p.alpha[i];
    const double s = p.cost_weight * p.cost[i] + mu;
    // -g must lie in s * subdifferential of |dw| plus the normal cone of the box.
    double a = dw > 1e-10 ? s : -s;
    double b = dw < -1e-10 ? -s : s;
    if (w[i] <= lo + 1e-10) a = -1e300;
    if (w[i] >= hi - 1e-10) b = 1e300;
    c.kkt = std::max(c.kkt, std::max(a + g, -g - b) / scale);
  }
  {
    double a = 0, b = 0;
    if (cash <= p.cash_buffer + 1e-10) a = -1e300;
    if (cash >= p.cash_max - 1e-10) b = 1e300;
    c.kkt = std::max(c.kkt, std::max(a + nu, -nu - b) / scale);
  }
  if (std::isfinite(p.turnover_cap)) {
    c.primal = std::max(c.primal, turnover - p.turnover_cap);
    c.kkt = std::max(c.kkt, mu * std::fabs(p.turnover_cap - turnover) / scale);
  }
  if (mu < 0) c.kkt = std::max(c.kkt, -mu);
  if (!std::isfinite(c.primal)) c.primal = 1e300;
  if (!std::isfinite(c.kkt)) c.kkt = 1e300;
  return c;
}

struct RandomProblems {
  std::mt19937_64 rng;
  explicit RandomProblems(std::uint64_t seed) : rng(seed) {}
  double uni(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
  int pick(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); }
  bool coin(double p) { return uni(0, 1) < p; }
  Eigen::VectorXd simplex(Eigen::Index n, double total) {
    Eigen::VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i) v[i] = coin(0.15) ? 0.0 : uni(0.05, 1.0);
    if (v.sum() == 0) v[0] = 1;
    return v / v.sum() * total;
  }

  /// A random problem; `kind` says how it was built (infeasible ones on purpose).
  /// `oracle_friendly`: only what the cvxopt script models (dense covariance with a tracking
  /// term, full mode, no alpha, cash_max 1).
  RebalanceProblem make(Built& kind, bool oracle_friendly = false) {
    RebalanceProblem p;
    const Eigen::Index n = coin(0.1) ? pick(41, 120) : pick(2, 40);
    // Covariance: factor structure with random vols; dense, factor form, a singular PSD dense
    // matrix, or k = n factors with no specific variance.
    const int cov_kind = oracle_friendly ? pick(0, 1) * 2 : pick(0, 3);
    const Eigen::Index k = std::min<Eigen::Index>(n, pick(1, 5));
    Eigen::MatrixXd b(n, k);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < k; ++j) b(i, j) = uni(-0.3, 0.6);
    Eigen::MatrixXd f = Eigen::MatrixXd::Zero(k, k);
    for (Eigen::Index j = 0; j < k; ++j) f(j, j) = uni(0.01, 0.06);
    Eigen::VectorXd d(n);
    for (Eigen::Index i = 0; i < n; ++i) d[i] = uni(0.002, 0.08);
    if (cov_kind == 0) {
      p.sigma.dense = b * f * b.transpose();
      p.sigma.dense.diagonal() += d;
    } else if (cov_kind == 1) {
      p.sigma.loadings = b;
      p.sigma.factor_cov = f;
      p.sigma.specific = d;
    } else if (cov_kind == 2) {
      p.sigma.dense = b * f * b.transpose();  // rank k: singular when k < n
      if (oracle_friendly) p.sigma.dense.diagonal() += d;
    } else {
      // k = n: loadings n x n, no specific variance.
      Eigen::MatrixXd bn(n, n);
      for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) bn(i, j) = uni(-0.3, 0.6);
      p.sigma.loadings = bn;
      p.sigma.factor_cov = Eigen::MatrixXd::Identity(n, n) * uni(0.01, 0.05);
      p.sigma.specific = Eigen::VectorXd::Zero(n);
    }
    p.target = simplex(n, uni(0.8, 1.0));
    p.current = simplex(n, uni(0.7, 1.0));
    p.current_cash = 1.0 - p.current.sum();
    p.cost = Eigen::VectorXd::NullaryExpr(n, [&] { return coin(0.2) ? 0.0 : uni(0.0, 0.003); });
    p.cost_weight = coin(0.3) ? uni(2, 10) : 1.0;
    p.tracking_weight = oracle_friendly ? uni(0.5, 5) : (coin(0.15) ? 0.0 : uni(0.5, 5));
    if (coin(0.4)) {
      p.impact = Eigen::VectorXd::NullaryExpr(n, [&] { return uni(0.0, 0.5); });
      p.impact_weight = 1.0;
    }
    if (!oracle_friendly && coin(0.25))
      p.alpha = Eigen::VectorXd::NullaryExpr(n, [&] { return uni(-0.02, 0.02); });
    p.lower = Eigen::VectorXd::Zero(n);
    p.upper = Eigen::VectorXd::Ones(n);
    if (coin(0.5)) {
      const double cap = std::max(0.06, uni(1.2, 3.0) / static_cast<double>(n));
      for (Eigen::Index i = 0; i < n; ++i) p.upper[i] = cap;
    }
    if (coin(0.1)) {
      for (Eigen::Index i = 0; i < n; ++i) p.lower[i] = coin(0.3) ? -uni(0, 0.05) : 0.0;
    }
    if (coin(0.4)) {
      p.no_buy.assign(static_cast<std::size_t>(n), 0);
      p.no_sell.assign(static_cast<std::size_t>(n), 0);
      for (Eigen::Index i = 0; i < n; ++i) {
        if (coin(0.1)) p.no_buy[static_cast<std::size_t>(i)] = 1;
        if (coin(0.1)) p.no_sell[static_cast<std::size_t>(i)] = 1;
      }
    }
    p.cash_buffer = coin(0.3) ? 0.0 : uni(0.0, 0.1);
    if (!oracle_friendly && coin(0.2)) p.cash_max = std::min(1.0, p.cash_buffer + uni(0.02, 0.3));
    if (!oracle_friendly && coin(0.15)) {
      p.mode = RebalanceMode::kBandEdge;
      p.band = Eigen::VectorXd::NullaryExpr(n, [&] { return uni(0.0, 0.05); });
    }
    // Make the boxes and the budget consistent (upper bounds that cover a holding that must stay,
    // bands that the no-buy/no-sell instruments can meet), then pick the turnover cap.
    for (Eigen::Index i = 0; i < n; ++i) {
      double lo, hi;
      box_of(p, i, lo, hi);
      if (lo > hi) {
        // Widen the upper bound / band so the box holds the holding.
        p.upper[i] = std::max(p.upper[i], p.current[i]);
        if (p.mode == RebalanceMode::kBandEdge)
          p.band[i] = std::max(p.band[i], std::fabs(p.current[i] - p.target[i]) + 0.001);
      }
    }
    double need = least_turnover(p);
    if (!std::isfinite(need)) {
      // Budget vs boxes conflict by chance: relax the bounds.
      p.upper = Eigen::VectorXd::Ones(n);
      p.lower = Eigen::VectorXd::Zero(n);
      if (p.mode == RebalanceMode::kBandEdge) p.band = Eigen::VectorXd::Constant(n, 1.0);
      p.no_buy.clear();
      p.no_sell.clear();
      need = least_turnover(p);
    }
    const double r = uni(0, 1);
    if (r < 0.45) {
      p.turnover_cap = std::numeric_limits<double>::infinity();
    } else {
      // At least the need (with a margin), sometimes barely above it.
      p.turnover_cap =
          need + (coin(oracle_friendly ? 0.05 : 0.3) ? uni(1e-6, 1e-3) : uni(0.01, 0.5));
    }
    kind = Built::kFeasible;
    if (oracle_friendly) return p;
    // About one in five infeasible, on purpose.
    const double q = uni(0, 1);
    if (q < 0.08) {
      // The cash buffer needs selling the cap does not allow.
      p.cash_buffer = std::max(p.cash_buffer, p.current_cash + uni(0.02, 0.08));
      p.cash_max = 1;
      p.no_sell.clear();
      if (p.mode == RebalanceMode::kBandEdge) p.band = Eigen::VectorXd::Constant(n, 1.0);
      const double nd = least_turnover(p);
      if (std::isfinite(nd) && nd > 1e-3) {
        p.turnover_cap = nd * uni(0.2, 0.97);
        kind = Built::kCapBelowNeed;
      }
    } else if (q < 0.12) {
      const Eigen::Index i = pick(0, static_cast<int>(n) - 1);
      p.current[i] = std::max(p.current[i], 0.02);
      p.current_cash = 1.0 - p.current.sum();
      if (p.no_sell.empty()) p.no_sell.assign(static_cast<std::size_t>(n), 0);
      p.no_sell[static_cast<std::size_t>(i)] = 1;
      p.upper[i] = p.current[i] * uni(0.1, 0.9);
      kind = Built::kEmptyBox;
    } else if (q < 0.16) {
      p.lower = Eigen::VectorXd::Constant(
          n, (1.0 - p.cash_buffer) / static_cast<double>(n) * uni(1.01, 1.3));
      p.upper = p.upper.cwiseMax(p.lower);
      kind = Built::kLowerSumTooLarge;
    } else if (q < 0.2) {
      p.cash_max = std::max(p.cash_buffer, uni(0.0, 0.05));
      p.upper = Eigen::VectorXd::Constant(
          n, (1.0 - p.cash_max) / static_cast<double>(n) * uni(0.7, 0.99));
      p.lower = p.lower.cwiseMin(p.upper);
      kind = Built::kUpperSumTooSmall;
    }
    return p;
  }
};

}  // namespace ballast::test
