// Rebalancing problems and market moves for the optimizer benchmarks (optimizer_bench and
// micro_bench): n = 20 on the sample covariance of 20 real ETFs, larger n on a 5-factor model
// fitted to the real 50-asset covariance (tests/support/real_covariance.hpp), test variant 1
// (costs, impact, bounds, cash buffer, no-buy/no-sell).
#pragma once

#include <Eigen/Dense>
#include <random>
#include <utility>
#include <vector>

#include "ballast/engine/optimizer.hpp"
#include "support/real_covariance.hpp"

namespace ballast::bench {

/// The n = 20 problem on `real20`, then one factor-model problem per size in `sizes`.
inline std::vector<RebalanceProblem> optimizer_bench_problems(const Eigen::MatrixXd& real20,
                                                              const Eigen::MatrixXd& real50,
                                                              const std::vector<int>& sizes,
                                                              std::mt19937_64& rng) {
  std::vector<RebalanceProblem> problems;
  Covariance c20;
  c20.dense = real20;
  problems.push_back(test::make_problem(c20, 20, 1, rng));
  for (int n : sizes)
    problems.push_back(test::make_problem(test::factor_from_real(real50, n, rng), n, 1, rng));
  return problems;
}

/// A 1 % price move (each holding's value x (1 + up to +-1 %)) from `p`'s current holdings:
/// the new current weights and cash, renormalised to the new NAV.
inline std::pair<Eigen::VectorXd, double> price_move(const RebalanceProblem& p,
                                                     std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  Eigen::VectorXd m = p.current;
  for (Eigen::Index i = 0; i < m.size(); ++i) m[i] *= 1.0 + 0.01 * u(rng);
  const double nav = m.sum() + p.current_cash;
  return {m / nav, p.current_cash / nav};
}

}  // namespace ballast::bench
