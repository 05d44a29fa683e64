// Allocation models: ERC / risk budgeting, unconstrained minimum variance, maximum Sharpe and
// mean-variance, volatility targeting, glide path.
#include "ballast/risk/allocation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ballast/risk/covariance.hpp"
#include "ballast/risk/risk_analytics.hpp"
#include "etf_data.hpp"

namespace ballast {
namespace {

using test::cov12;

/// The annualised sample covariance of the classic 12 over 2006-2023 (includes 2008 and 2020).
const Eigen::MatrixXd& cov12_long() {
  static const Eigen::MatrixXd c = []() -> Eigen::MatrixXd {
    const test::PriceTable t = test::load_etf_prices(test::kClassic12, 20060203, 20231231);
    return sample_covariance(returns_from_prices(t.prices).value().values).value() * 252.0;
  }();
  return c;
}

Eigen::VectorXd relative_rc(const Eigen::MatrixXd& cov, const Eigen::VectorXd& w) {
  return relative_risk_contributions(cov, w).value();
}

// ---------------------------------------------------------------------------------------------
// Equal risk contribution

TEST(EqualRiskContribution, EqualisesRiskContributionsOnRealEtfCovariance) {
  for (const Eigen::MatrixXd* cov : {&cov12(), &cov12_long()}) {
    auto erc = equal_risk_contribution(*cov);
    ASSERT_TRUE(erc.ok()) << erc.error().message;
    const Eigen::VectorXd& w = erc.value().weights;
    EXPECT_NEAR(w.sum(), 1.0, 1e-14);
    EXPECT_GT(w.minCoeff(), 0.0);
    const Eigen::VectorXd rc = risk_contributions(*cov, w).value();
    const double vol = portfolio_volatility(*cov, w).value();
    for (Eigen::Index i = 0; i < 12; ++i) {
      EXPECT_NEAR(rc[i], vol / 12.0, 1e-10 * vol) << "asset " << i;
      EXPECT_NEAR(relative_rc(*cov, w)[i], 1.0 / 12.0, 1e-10);
    }
    EXPECT_LE(erc.value().max_deviation, 1e-12);
    EXPECT_LT(erc.value().iterations, 30);
  }
}

TEST(EqualRiskContribution, LeansTowardLowVolatilityAssets) {
  const Eigen::VectorXd w = equal_risk_contribution(cov12()).value().weights;
  // SHY (index 11) is the least volatile ETF and gets the most weight; EEM (2) very little.
  Eigen::Index top = 0;
  w.maxCoeff(&top);
  EXPECT_EQ(top, 11);
  EXPECT_LT(w[2], 1.0 / 12.0);
}

TEST(EqualRiskContribution, TwoAssetsGetInverseVolatilityWeights) {
  // For two assets ERC is inverse volatility whatever the correlation.
  Eigen::MatrixXd c(2, 2);
  c << 0.04, 0.6 * 0.2 * 0.05,  //
      0.6 * 0.2 * 0.05, 0.0025;
  const Eigen::VectorXd w = equal_risk_contribution(c).value().weights;
  EXPECT_NEAR(w[0], 0.05 / 0.25, 1e-13);
  EXPECT_NEAR(w[1], 0.20 / 0.25, 1e-13);
}

TEST(EqualRiskContribution, MeetsGivenRiskBudgets) {
  ErcOptions o;
  o.budgets = Eigen::VectorXd::LinSpaced(12, 1.0, 12.0);  // normalised inside
  auto erc = equal_risk_contribution(cov12(), o);
  ASSERT_TRUE(erc.ok()) << erc.error().message;
  const Eigen::VectorXd rel = relative_rc(cov12(), erc.value().weights);
  const Eigen::VectorXd b = o.budgets / o.budgets.sum();
  EXPECT_LT((rel - b).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(EqualRiskContribution, IsUnaffectedByCovarianceUnits) {
  const Eigen::VectorXd a = equal_risk_contribution(cov12()).value().weights;
  const Eigen::VectorXd b = equal_risk_contribution(cov12() / 252.0).value().weights;
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(EqualRiskContribution, RejectsBadInput) {
  EXPECT_FALSE(equal_risk_contribution(Eigen::MatrixXd(2, 3)).ok());
  Eigen::MatrixXd zero_var = cov12();
  zero_var(4, 4) = 0.0;
  EXPECT_FALSE(equal_risk_contribution(zero_var).ok());
  ErcOptions o;
  o.budgets = Eigen::VectorXd::Ones(11);
  EXPECT_FALSE(equal_risk_contribution(cov12(), o).ok());
  o.budgets = Eigen::VectorXd::Ones(12);
  o.budgets[3] = 0.0;
  EXPECT_FALSE(equal_risk_contribution(cov12(), o).ok());
  ErcOptions few;
  few.max_iterations = 1;
  auto r = equal_risk_contribution(cov12_long(), few);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no convergence in 1 Newton steps"), std::string::npos)
      << r.error().message;
}

// ---------------------------------------------------------------------------------------------
// Unconstrained closed forms

TEST(MinimumVarianceUnconstrained, SatisfiesTheFirstOrderCondition) {
  auto mv = minimum_variance_unconstrained(cov12());
  ASSERT_TRUE(mv.ok()) << mv.error().message;
  const Eigen::VectorXd& w = mv.value();
  EXPECT_NEAR(w.sum(), 1.0, 1e-12);
  // Sigma w is the same for every asset (the budget constraint's multiplier).
  const Eigen::VectorXd g = cov12() * w;
  EXPECT_LT((g.array() - g.mean()).abs().maxCoeff(), 1e-12 * std::abs(g.mean()));
  // No fully invested portfolio has lower variance: try perturbations that keep the sum.
  const double v = w.dot(cov12() * w);
  std::srand(5);
  for (int k = 0; k < 50; ++k) {
    Eigen::VectorXd d = Eigen::VectorXd::Random(12) * 0.01;
    d.array() -= d.mean();
    const Eigen::VectorXd p = w + d;
    EXPECT_GT(p.dot(cov12() * p), v);
  }
  // It shorts something here (the long-only version needs the QP solver).
  EXPECT_LT(w.minCoeff(), 0.0);
}

TEST(MaxSharpeUnconstrained, IsTheTangencyPortfolio) {
  Eigen::VectorXd mu(12);
  mu << 0.07, 0.06, 0.08, 0.03, 0.035, 0.03, 0.035, 0.03, 0.04, 0.06, 0.04, 0.02;
  const double rf = 0.01;
  auto ms = max_sharpe_unconstrained(cov12(), mu, rf);
  ASSERT_TRUE(ms.ok()) << ms.error().message;
  const Eigen::VectorXd& w = ms.value();
  EXPECT_NEAR(w.sum(), 1.0, 1e-12);
  // Sigma w is proportional to the excess returns.
  const Eigen::VectorXd excess = mu.array() - rf;
  const Eigen::VectorXd g = cov12() * w;
  const double k = g.dot(excess) / excess.dot(excess);
  EXPECT_LT((g - k * excess).cwiseAbs().maxCoeff(), 1e-12 * g.cwiseAbs().maxCoeff());
  auto sharpe = [&](const Eigen::VectorXd& p) {
    return (p.dot(mu) - rf) / std::sqrt(p.dot(cov12() * p));
  };
  std::srand(9);
  for (int i = 0; i < 50; ++i) {
    Eigen::VectorXd d = Eigen::VectorXd::Random(12) * 0.02;
    d.array() -= d.mean();
    EXPECT_GT(sharpe(w), sharpe(w + d));
  }
}

TEST(MaxSharpeUnconstrained, RejectsARiskFreeRateAboveTheMinimumVarianceReturn) {
  const Eigen::VectorXd mu = Eigen::VectorXd::Constant(12, 0.03);
  auto ms = max_sharpe_unconstrained(cov12(), mu, 0.05);
  ASSERT_FALSE(ms.ok());
  EXPECT_NE(ms.error().message.find("risk-free rate"), std::string::npos);
  EXPECT_FALSE(max_sharpe_unconstrained(cov12(), Eigen::VectorXd::Ones(5), 0.0).ok());
}

TEST(MeanVarianceUnconstrained, TendsToMinimumVarianceAsRiskAversionGrows) {
  Eigen::VectorXd mu = Eigen::VectorXd::LinSpaced(12, 0.02, 0.08);
  const Eigen::VectorXd mv = minimum_variance_unconstrained(cov12()).value();
  const Eigen::VectorXd w = mean_variance_unconstrained(cov12(), mu, 1e9).value();
  EXPECT_LT((w - mv).cwiseAbs().maxCoeff(), 1e-6);
  // First-order condition mu - gamma Sigma w = eta 1, and the budget.
  const double gamma = 4.0;
  const Eigen::VectorXd w4 = mean_variance_unconstrained(cov12(), mu, gamma).value();
  EXPECT_NEAR(w4.sum(), 1.0, 1e-12);
  const Eigen::VectorXd eta = mu - gamma * cov12() * w4;
  EXPECT_LT((eta.array() - eta.mean()).abs().maxCoeff(), 1e-12);
  EXPECT_FALSE(mean_variance_unconstrained(cov12(), mu, 0.0).ok());
}

TEST(UnconstrainedClosedForms, RejectANonPositiveDefiniteCovariance) {
  Eigen::MatrixXd c(2, 2);
  c << 1.0, 2.0,  //
      2.0, 1.0;
  auto r = minimum_variance_unconstrained(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not positive definite"), std::string::npos);
  EXPECT_FALSE(max_sharpe_unconstrained(c, Eigen::VectorXd::Ones(2), 0.0).ok());
  Eigen::MatrixXd nan = cov12();
  nan(0, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(minimum_variance_unconstrained(nan).ok());
}

// ---------------------------------------------------------------------------------------------
// Volatility targeting

TEST(VolatilityTarget, ScalesTheSleeveToTheTarget) {
  Eigen::VectorXd sleeve = Eigen::VectorXd::Zero(12);
  sleeve[0] = 0.6;  // SPY
  sleeve[3] = 0.4;  // AGG
  const double sleeve_vol = portfolio_volatility(cov12(), sleeve).value();
  VolatilityTargetOptions o;
  o.target_volatility = 0.5 * sleeve_vol;
  auto r = volatility_target(cov12(), sleeve, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r.value().scale, 0.5, 1e-14);
  EXPECT_NEAR(r.value().volatility, o.target_volatility, 1e-15);
  EXPECT_NEAR(portfolio_volatility(cov12(), r.value().weights).value(), o.target_volatility, 1e-15);
  EXPECT_NEAR(r.value().cash_weight, 0.5, 1e-14);
  EXPECT_FALSE(r.value().clamped);
}

TEST(VolatilityTarget, ClampsTheScale) {
  Eigen::VectorXd sleeve = Eigen::VectorXd::Zero(12);
  sleeve[11] = 1.0;  // SHY: far below any equity-like target
  VolatilityTargetOptions o{0.10, 0.2, 1.5};
  const VolatilityTargetResult up = volatility_target(cov12(), sleeve, o).value();
  EXPECT_EQ(up.scale, 1.5);
  EXPECT_TRUE(up.clamped);
  EXPECT_NEAR(up.cash_weight, -0.5, 1e-15);
  sleeve.setZero();
  sleeve[2] = 1.0;  // EEM
  o.target_volatility = 0.001;
  const VolatilityTargetResult down = volatility_target(cov12(), sleeve, o).value();
  EXPECT_EQ(down.scale, 0.2);
  EXPECT_TRUE(down.clamped);
  const VolatilityTargetResult none =
      volatility_target(cov12(), Eigen::VectorXd::Zero(12), VolatilityTargetOptions{}).value();
  EXPECT_EQ(none.scale, 1.0);
  EXPECT_EQ(none.cash_weight, 1.0);
}

TEST(VolatilityTarget, RejectsBadSettings) {
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(12, 1.0 / 12);
  EXPECT_FALSE(volatility_target(cov12(), w, VolatilityTargetOptions{0.0, 0.0, 1.0}).ok());
  EXPECT_FALSE(volatility_target(cov12(), w, VolatilityTargetOptions{0.1, -0.1, 1.0}).ok());
  EXPECT_FALSE(volatility_target(cov12(), w, VolatilityTargetOptions{0.1, 1.0, 0.5}).ok());
  EXPECT_FALSE(volatility_target(cov12(), Eigen::VectorXd::Ones(3), {}).ok());
}

// ---------------------------------------------------------------------------------------------
// Glide path

/// A typical target-date path: 90% growth until 25 years out, down to 50% at the target date,
/// 30% seven years after it.
const std::vector<GlidePoint> kPath = {{-7.0, 0.30}, {0.0, 0.50}, {25.0, 0.90}};

TEST(GlidePath, InterpolatesLinearlyAndIsFlatBeyondTheEnds) {
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, 40.0).value(), 0.90);
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, 25.0).value(), 0.90);
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, 12.5).value(), 0.70);
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, 0.0).value(), 0.50);
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, -3.5).value(), 0.40);
  EXPECT_DOUBLE_EQ(glide_path_growth_share(kPath, -20.0).value(), 0.30);
}

TEST(GlidePath, BlendsGrowthAndDefensiveSleeves) {
  Eigen::VectorXd growth(4), defensive(4);
  growth << 0.7, 0.3, 0.0, 0.0;
  defensive << 0.0, 0.0, 0.8, 0.2;
  const Eigen::VectorXd w = glide_path_weights(kPath, 12.5, growth, defensive).value();
  Eigen::VectorXd expected(4);
  expected << 0.49, 0.21, 0.24, 0.06;
  EXPECT_LT((w - expected).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_NEAR(w.sum(), 1.0, 1e-15);
  EXPECT_FALSE(glide_path_weights(kPath, 1.0, growth, Eigen::VectorXd::Ones(3)).ok());
}

TEST(GlidePath, RejectsBadPaths) {
  EXPECT_FALSE(glide_path_growth_share({}, 1.0).ok());
  EXPECT_FALSE(glide_path_growth_share({{5.0, 0.5}, {5.0, 0.6}}, 1.0).ok());
  EXPECT_FALSE(glide_path_growth_share({{5.0, 0.5}, {1.0, 0.6}}, 1.0).ok());
  auto r = glide_path_growth_share({{0.0, 1.2}}, 1.0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("growth_share must be in [0, 1]"), std::string::npos);
  EXPECT_FALSE(glide_path_growth_share(kPath, std::nan("")).ok());
}

}  // namespace
}  // namespace ballast
