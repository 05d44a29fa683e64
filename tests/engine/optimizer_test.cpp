// The rebalancing optimizer: closed forms, KKT on randomized problems with every constraint type,
// warm starts, factor vs dense covariance, infeasibility.
#include "ballast/engine/optimizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ballast {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

/// A random problem: factor-model covariance (annualised vols ~10-40%), random targets and
/// current weights summing to <= 1, costs of 2-20 bps.
struct Gen {
  std::mt19937_64 rng;
  explicit Gen(std::uint64_t seed) : rng(seed) {}
  double uni(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
  VectorXd simplex(Eigen::Index n, double total) {
    VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i) v[i] = uni(0.1, 1.0);
    return v / v.sum() * total;
  }
  RebalanceProblem problem(Eigen::Index n, bool factor) {
    RebalanceProblem p;
    const Eigen::Index k = std::min<Eigen::Index>(3, n);
    MatrixXd b(n, k);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < k; ++j) b(i, j) = uni(-0.3, 0.5);
    }
    MatrixXd f = MatrixXd::Identity(k, k) * 0.04;
    VectorXd d(n);
    for (Eigen::Index i = 0; i < n; ++i) d[i] = uni(0.005, 0.05);
    if (factor) {
      p.sigma.loadings = b;
      p.sigma.factor_cov = f;
      p.sigma.specific = d;
    } else {
      p.sigma.dense = b * f * b.transpose();
      p.sigma.dense.diagonal() += d;
    }
    p.target = simplex(n, 0.98);
    p.current = simplex(n, uni(0.9, 1.0));
    p.current_cash = 1.0 - p.current.sum();
    p.cost = VectorXd::NullaryExpr(n, [&] { return uni(0.0002, 0.002); });
    return p;
  }
};

/// Independent KKT check, written plainly from docs/optimizer.md (not the library's function).
double kkt(const RebalanceProblem& p, const RebalanceSolution& s) {
  const Eigen::Index n = p.size();
  const bool band = p.mode == RebalanceMode::kBandEdge;
  const double lte = band ? 0.0 : p.tracking_weight;
  VectorXd grad =
      band ? VectorXd::Zero(n) : VectorXd(2.0 * lte * p.sigma.multiply(s.weights - p.target));
  const double scale = 1.0 + grad.cwiseAbs().maxCoeff();
  double worst = std::fabs(s.weights.sum() + s.cash - 1.0);
  double turnover = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double dw = s.weights[i] - p.current[i];
    turnover += std::fabs(dw);
    double g = grad[i] + s.budget_multiplier;
    if (p.impact.size()) g += 2.0 * p.impact_weight * p.impact[i] * dw;
    if (band) g += 2e-6 * dw;
    if (p.alpha.size()) g -= p.alpha[i];
    double lo = p.lower.size() ? p.lower[i] : 0.0, hi = p.upper.size() ? p.upper[i] : 1.0;
    if (!p.no_sell.empty() && p.no_sell[i]) lo = std::max(lo, p.current[i]);
    if (!p.no_buy.empty() && p.no_buy[i]) hi = std::min(hi, p.current[i]);
    if (band) {
      lo = std::max(lo, p.target[i] - p.band[i]);
      hi = std::min(hi, p.target[i] + p.band[i]);
    }
    worst = std::max({worst, lo - s.weights[i], s.weights[i] - hi});
    const double c = p.cost_weight * p.cost[i] + s.turnover_multiplier;
    // Allowed values of -g: c*sign(dw) (an interval [-c, c] when not traded), extended to -inf
    // at the lower bound and +inf at the upper bound.
    double a = dw > 1e-10 ? c : -c, b = dw < -1e-10 ? -c : c;
    if (s.weights[i] <= lo + 1e-10) a = -1e300;
    if (s.weights[i] >= hi - 1e-10) b = 1e300;
    worst = std::max(worst, std::max(a + g, -g - b) / scale);
  }
  double a = 0, b = 0;
  if (s.cash <= p.cash_buffer + 1e-10) a = -1e300;
  worst = std::max(worst, std::max(a + s.budget_multiplier, -s.budget_multiplier - b) / scale);
  if (std::isfinite(p.turnover_cap)) {
    worst = std::max(worst, turnover - p.turnover_cap);
    worst = std::max(worst, s.turnover_multiplier * std::fabs(p.turnover_cap - turnover) / scale);
  }
  return worst;
}

RebalanceSolution solve(const RebalanceProblem& p) {
  RebalanceOptimizer opt;
  auto st = opt.load(p);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  auto r = opt.solve();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.value();
}

TEST(Optimizer, WithNothingBindingTheSolutionIsTheTarget) {
  Gen g(1);
  RebalanceProblem p = g.problem(12, false);
  p.cost.setZero();
  const auto s = solve(p);
  EXPECT_TRUE(s.polished);
  EXPECT_LT((s.weights - p.target).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(s.cash, 1.0 - p.target.sum(), 1e-12);
  EXPECT_NEAR(s.tracking_term, 0.0, 1e-20);
}

TEST(Optimizer, PureCostWithNoTrackingTermTradesNothing) {
  Gen g(2);
  RebalanceProblem p = g.problem(12, false);
  p.tracking_weight = 0;
  const auto s = solve(p);
  EXPECT_LT((s.weights - p.current).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(s.turnover, 0.0, 1e-12);
  EXPECT_NEAR(s.cost_term, 0.0, 1e-15);
}

TEST(Optimizer, CostsStopSmallTradesAndTheKktConditionsHold) {
  Gen g(3);
  RebalanceProblem p = g.problem(20, false);
  p.cost_weight = 5;  // expensive: some instruments stay put
  const auto s = solve(p);
  EXPECT_TRUE(s.polished);
  EXPECT_LT(kkt(p, s), 1e-8);
  int untouched = 0;
  for (auto st : s.status) untouched += st == WeightStatus::kNoTrade;
  EXPECT_GT(untouched, 0);
}

TEST(Optimizer, RandomizedProblemsWithEveryConstraintTypeMeetKkt) {
  Gen g(4);
  int n_cases = 0;
  for (Eigen::Index n : {5, 10, 50, 200, 500}) {
    for (int rep = 0; rep < (n >= 200 ? 2 : 6); ++rep) {
      RebalanceProblem p = g.problem(n, n >= 50);
      p.lower = VectorXd::Zero(n);
      p.upper = VectorXd::Constant(n, 2.0 / static_cast<double>(n) + 0.05);
      p.cash_buffer = g.uni(0.0, 0.03);
      p.impact = VectorXd::NullaryExpr(n, [&] { return g.uni(0.0, 0.5); });
      p.impact_weight = rep % 2 ? 1.0 : 0.0;
      if (rep % 3 == 1) p.alpha = VectorXd::NullaryExpr(n, [&] { return g.uni(-0.01, 0.01); });
      p.no_buy.assign(n, 0);
      p.no_sell.assign(n, 0);
      p.no_buy[1] = 1;
      p.no_sell[2] = 1;
      p.turnover_cap = rep % 2 ? 0.5 * (p.current - p.target).cwiseAbs().sum() : 1.0;
      if (rep % 3 == 2) {
        p.mode = RebalanceMode::kBandEdge;
        p.band = VectorXd::Constant(n, 0.2 / static_cast<double>(n));
        // The no-buy and no-sell instruments must be able to reach their bands.
        for (Eigen::Index i : {1, 2}) p.band[i] = std::fabs(p.current[i] - p.target[i]) + 0.01;
        p.turnover_cap = std::numeric_limits<double>::infinity();
      }
      const auto s = solve(p);
      EXPECT_TRUE(s.polished) << "n=" << n << " rep=" << rep;
      EXPECT_LT(kkt(p, s), 1e-8) << "n=" << n << " rep=" << rep;
      EXPECT_LT(s.kkt_residual, 1e-8);
      EXPECT_LE(s.turnover, p.turnover_cap + 1e-9);
      EXPECT_GE(s.cash, p.cash_buffer - 1e-12);
      EXPECT_LE(s.weights[1], p.current[1] + 1e-12);
      EXPECT_GE(s.weights[2], p.current[2] - 1e-12);
      ++n_cases;
    }
  }
  EXPECT_EQ(n_cases, 6 * 3 + 2 * 2);
}

TEST(Optimizer, FactorAndDenseCovarianceGiveTheSameSolution) {
  Gen g(5);
  RebalanceProblem f = g.problem(40, true);
  RebalanceProblem d = f;
  d.sigma.dense = f.sigma.loadings * f.sigma.factor_cov * f.sigma.loadings.transpose();
  d.sigma.dense.diagonal() += f.sigma.specific;
  d.sigma.loadings.resize(0, 0);
  d.sigma.factor_cov.resize(0, 0);
  d.sigma.specific.resize(0);
  const auto a = solve(f);
  const auto b = solve(d);
  EXPECT_LT((a.weights - b.weights).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(a.objective, b.objective, 1e-12);
}

TEST(Optimizer, WarmReSolveAfterAPriceMoveMatchesAColdSolve) {
  Gen g(6);
  RebalanceProblem p = g.problem(100, true);
  RebalanceOptimizer warm;
  ASSERT_TRUE(warm.load(p).ok());
  ASSERT_TRUE(warm.solve().ok());
  // Prices move 1%: current weights move, NAV renormalises.
  VectorXd moved = p.current;
  for (Eigen::Index i = 0; i < moved.size(); ++i) moved[i] *= 1.0 + (i % 2 ? 0.01 : -0.01);
  const double nav = moved.sum() + p.current_cash;
  moved /= nav;
  const double cash = p.current_cash / nav;
  ASSERT_TRUE(warm.update_current(moved, cash).ok());
  auto w = warm.solve();
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w.value().warm);
  RebalanceProblem q = p;
  q.current = moved;
  q.current_cash = cash;
  const auto c = solve(q);
  EXPECT_NEAR(w.value().objective, c.objective, 1e-10 * (1 + std::fabs(c.objective)));
  EXPECT_LT((w.value().weights - c.weights).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_EQ(warm.counters().factorizations, 1u);
}

TEST(Optimizer, BandsAndCashBoundsUpdatedInPlaceMatchAColdSolve) {
  Gen g(8);
  RebalanceProblem p = g.problem(30, false);
  p.mode = RebalanceMode::kBandEdge;
  p.band = VectorXd::Constant(30, 0.02);
  RebalanceOptimizer warm;
  ASSERT_TRUE(warm.load(p).ok());
  ASSERT_TRUE(warm.solve().ok());
  // Tighter bands on a third of the names, a cash range around 3 %.
  VectorXd band = p.band;
  for (Eigen::Index i = 0; i < band.size(); i += 3) band[i] = 0.005;
  ASSERT_TRUE(warm.update_bands(band).ok());
  ASSERT_TRUE(warm.update_cash_bounds(0.01, 0.05).ok());
  auto w = warm.solve();
  ASSERT_TRUE(w.ok()) << w.error().message;
  RebalanceProblem q = p;
  q.band = band;
  q.cash_buffer = 0.01;
  q.cash_max = 0.05;
  const auto c = solve(q);
  EXPECT_LT(kkt(q, w.value()), 1e-7);
  EXPECT_LT((w.value().weights - c.weights).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_GE(w.value().cash, 0.01 - 1e-9);
  EXPECT_LE(w.value().cash, 0.05 + 1e-9);
  // Bad values are refused with the field named, and the solver keeps its problem.
  band[4] = -1;
  const auto bad = warm.update_bands(band);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("band[4]"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(warm.update_cash_bounds(0.2, 0.1).ok());
  EXPECT_EQ(warm.problem().cash_max, 0.05);
  RebalanceOptimizer full;
  ASSERT_TRUE(full.load(g.problem(5, false)).ok());
  EXPECT_FALSE(full.update_bands(VectorXd::Zero(5)).ok()) << "bands need band-edge mode";
}

TEST(Optimizer, SaysWhyAProblemIsInfeasible) {
  Gen g(7);
  RebalanceProblem p = g.problem(5, false);
  p.no_sell.assign(5, 0);
  p.no_sell[3] = 1;
  p.upper = VectorXd::Constant(5, 1.0);
  p.upper[3] = p.current[3] / 2;  // must sell, may not sell
  RebalanceOptimizer opt;
  ASSERT_TRUE(opt.load(p).ok());
  auto r = opt.solve();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("instrument 3"), std::string::npos) << r.error().message;
  RebalanceProblem bad = g.problem(5, false);
  bad.cost[2] = -1;
  EXPECT_NE(RebalanceOptimizer().load(bad).error().message.find("cost[2]"), std::string::npos);
}

}  // namespace
}  // namespace ballast
