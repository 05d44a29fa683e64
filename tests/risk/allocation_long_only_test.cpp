// Long-only minimum variance, mean-variance and max Sharpe on the real 12-ETF covariance.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ballast/risk/allocation.hpp"
#include "ballast/risk/covariance.hpp"
#include "etf_data.hpp"

namespace ballast {
namespace {

Eigen::MatrixXd real_cov() {
  const Eigen::MatrixXd& rets = test::classic12_returns_2016_2019();
  return sample_covariance(rets).value() * 252.0;
}

double var(const Eigen::MatrixXd& c, const Eigen::VectorXd& w) {
  return w.dot(c * w);
}

/// Random long-only fully invested portfolios within [0, upper].
std::vector<Eigen::VectorXd> random_portfolios(Eigen::Index n, int count, double upper) {
  std::mt19937_64 rng(5);
  std::gamma_distribution<double> g(0.5);
  std::vector<Eigen::VectorXd> out;
  while (static_cast<int>(out.size()) < count) {
    Eigen::VectorXd w(n);
    for (Eigen::Index i = 0; i < n; ++i) w[i] = g(rng);
    w /= w.sum();
    if (w.maxCoeff() <= upper) out.push_back(w);
  }
  return out;
}

TEST(LongOnlyAllocation, MinimumVarianceIsFeasibleAndBeatsEveryRandomPortfolio) {
  const auto cov = real_cov();
  const Eigen::Index n = cov.rows();
  auto w = minimum_variance(cov);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_NEAR(w.value().sum(), 1.0, 1e-12);
  EXPECT_GE(w.value().minCoeff(), -1e-12);
  // Long-only binds on this data: the unconstrained minimum has short positions.
  EXPECT_LT(minimum_variance_unconstrained(cov).value().minCoeff(), 0.0);
  for (const auto& r : random_portfolios(n, 5'000, 1.0))
    ASSERT_LE(var(cov, w.value()), var(cov, r) + 1e-15);
  // With an upper bound of 30% per asset.
  LongOnlyOptions capped;
  capped.upper = Eigen::VectorXd::Constant(n, 0.3);
  auto wc = minimum_variance(cov, capped);
  ASSERT_TRUE(wc.ok());
  EXPECT_LE(wc.value().maxCoeff(), 0.3 + 1e-12);
  EXPECT_GE(var(cov, wc.value()), var(cov, w.value()) - 1e-15);
}

TEST(LongOnlyAllocation, MatchesTheClosedFormWhenNoBoundBinds) {
  // Two uncorrelated assets: the minimum-variance weights are inversely proportional to variance.
  Eigen::MatrixXd cov(2, 2);
  cov << 0.04, 0.0, 0.0, 0.01;
  auto w = minimum_variance(cov);
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR(w.value()[0], 0.2, 1e-12);
  EXPECT_NEAR(w.value()[1], 0.8, 1e-12);
  Eigen::VectorXd mu(2);
  mu << 0.08, 0.04;
  // Tangency portfolio, closed form: proportional to cov^-1 mu = (2, 4) -> (1/3, 2/3).
  auto t = max_sharpe(cov, mu);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t.value()[0], 1.0 / 3.0, 1e-6);
  EXPECT_NEAR(t.value()[1], 2.0 / 3.0, 1e-6);
}

TEST(LongOnlyAllocation, MaxSharpeBeatsEveryRandomPortfolioAndMeanVarianceTracesTheFrontier) {
  const auto cov = real_cov();
  const Eigen::Index n = cov.rows();
  Eigen::VectorXd mu(n);
  for (Eigen::Index i = 0; i < n; ++i) mu[i] = 0.02 + 0.06 * std::sqrt(cov(i, i));
  auto sr = [&](const Eigen::VectorXd& w) { return (mu.dot(w) - 0.01) / std::sqrt(var(cov, w)); };
  auto t = max_sharpe(cov, mu, 0.01);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_NEAR(t.value().sum(), 1.0, 1e-12);
  for (const auto& r : random_portfolios(n, 5'000, 1.0)) ASSERT_GE(sr(t.value()) + 1e-9, sr(r));
  // Higher risk aversion: lower variance and lower expected return.
  auto bold = mean_variance(cov, mu, 2.0);
  auto timid = mean_variance(cov, mu, 50.0);
  ASSERT_TRUE(bold.ok() && timid.ok());
  EXPECT_GT(var(cov, bold.value()), var(cov, timid.value()));
  EXPECT_GT(mu.dot(bold.value()), mu.dot(timid.value()));
  EXPECT_FALSE(mean_variance(cov, mu, 0.0).ok());
  EXPECT_FALSE(max_sharpe(cov, mu, 1.0).ok());  // nothing returns more than 100%
}

}  // namespace
}  // namespace ballast
