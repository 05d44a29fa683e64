// RiskModel (estimator selection, lookback, repair, annualisation), analytics and the
// tracking-error model the drift monitor uses.
#include "ballast/risk/risk_model.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <vector>

#include "ballast/engine/tracking_error.hpp"
#include "ballast/risk/covariance.hpp"
#include "ballast/risk/risk_analytics.hpp"
#include "ballast/risk/risk_tracking_error.hpp"
#include "etf_data.hpp"

namespace ballast {
namespace {

const Eigen::MatrixXd& returns12() {
  return test::classic12_returns_2016_2019();
}

RiskModelOptions options(CovarianceEstimator e, int lookback = 252) {
  RiskModelOptions o;
  o.config.estimator = e;
  o.config.lookback_days = lookback;
  return o;
}

RiskModel model(CovarianceEstimator e, int lookback = 252) {
  auto m = RiskModel::estimate(returns12(), options(e, lookback));
  EXPECT_TRUE(m.ok()) << m.error().message;
  return std::move(m).value();
}

Eigen::VectorXd equal_weights(Eigen::Index n) {
  return Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
}

// ---------------------------------------------------------------------------------------------
// Estimation

TEST(RiskModel, SampleIsTheAnnualisedSampleCovarianceOfTheLookback) {
  const RiskModel m = model(CovarianceEstimator::kSample);
  const Eigen::MatrixXd expected = sample_covariance(returns12().bottomRows(252)).value() * 252.0;
  EXPECT_EQ(m.covariance, expected);
  EXPECT_EQ(m.observations, 252);
  EXPECT_FALSE(m.repair.changed);
  EXPECT_FALSE(m.factors.has_value());
  EXPECT_TRUE(std::isnan(m.shrinkage_intensity));
}

TEST(RiskModel, EwmaUsesTheConfiguredDecay) {
  RiskModelOptions o = options(CovarianceEstimator::kEwma, 500);
  o.config.ewma_decay = 0.97;
  o.periods_per_year = 260.0;
  const RiskModel m = RiskModel::estimate(returns12(), o).value();
  const Eigen::MatrixXd expected =
      ewma_covariance(returns12().bottomRows(500), EwmaOptions{0.97, false}).value() * 260.0;
  EXPECT_EQ(m.covariance, expected);
}

TEST(RiskModel, LedoitWolfRecordsTheIntensity) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  const LedoitWolfEstimate lw = ledoit_wolf(returns12().bottomRows(252)).value();
  EXPECT_EQ(m.covariance, lw.covariance * 252.0);
  EXPECT_EQ(m.shrinkage_intensity, lw.intensity);
  EXPECT_FALSE(m.repair.changed);
}

TEST(RiskModel, FactorFormIsConsistentWithItsFullMatrix) {
  RiskModelOptions o = options(CovarianceEstimator::kFactor);
  o.config.factors = 3;
  const RiskModel m = RiskModel::estimate(returns12(), o).value();
  ASSERT_TRUE(m.factors.has_value());
  EXPECT_EQ(m.factors->factors(), 3);
  EXPECT_EQ(m.covariance, m.factors->covariance());
  EXPECT_FALSE(std::isnan(m.shrinkage_intensity));  // Ledoit-Wolf base by default
  // The diagonal is the Ledoit-Wolf base's.
  const RiskModel lw = model(CovarianceEstimator::kLedoitWolf);
  for (Eigen::Index i = 0; i < 12; ++i) {
    EXPECT_NEAR(m.covariance(i, i), lw.covariance(i, i), 1e-14 * lw.covariance(i, i));
  }
  EXPECT_EQ(Eigen::LLT<Eigen::MatrixXd>(m.covariance).info(), Eigen::Success);
}

TEST(RiskModel, FactorModelCanUseTheSampleBase) {
  RiskModelOptions o = options(CovarianceEstimator::kFactor);
  o.factor_base = CovarianceEstimator::kSample;
  o.config.factors = 12;
  const RiskModel m = RiskModel::estimate(returns12(), o).value();
  const RiskModel s = model(CovarianceEstimator::kSample);
  EXPECT_LT((m.covariance - s.covariance).cwiseAbs().maxCoeff(), 1e-12 * s.covariance.maxCoeff());
}

TEST(RiskModel, FromAnIncrementalEwmaMatchesTheBatchEstimate) {
  RiskModelOptions o = options(CovarianceEstimator::kEwma, 400);
  auto est = EwmaCovariance::create(12, EwmaOptions{o.config.ewma_decay, false}).value();
  Eigen::VectorXd bar(12);
  for (Eigen::Index t = returns12().rows() - 400; t < returns12().rows(); ++t) {
    bar = returns12().row(t).transpose();
    ASSERT_TRUE(est.update(bar).ok());
  }
  auto m = RiskModel::from_covariance(est.covariance(), CovarianceEstimator::kEwma);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m.value().covariance, RiskModel::estimate(returns12(), o).value().covariance);
}

TEST(RiskModel, RepairsASingularEwma) {
  // 12 assets, 5 bars: the EWMA has rank 5; the model floors it.
  RiskModelOptions o = options(CovarianceEstimator::kEwma, 5);
  auto m = RiskModel::estimate(returns12(), o);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m.value().repair.changed);
  EXPECT_GE(m.value().repair.clipped, 7);
  EXPECT_EQ(Eigen::LLT<Eigen::MatrixXd>(m.value().covariance).info(), Eigen::Success);
}

TEST(RiskModel, ReportsEveryKindOfBadInput) {
  auto message = [](const Eigen::MatrixXd& r, const RiskModelOptions& o) {
    auto m = RiskModel::estimate(r, o);
    return m.ok() ? std::string("ok") : m.error().message;
  };
  EXPECT_NE(message(returns12().topRows(100), options(CovarianceEstimator::kLedoitWolf, 252))
                .find("lookback_days is 252 but only 100 rows"),
            std::string::npos);
  EXPECT_NE(message(returns12(), options(CovarianceEstimator::kSample, 10))
                .find("needs more than 12 return rows"),
            std::string::npos);
  EXPECT_NE(message(returns12(), options(CovarianceEstimator::kLedoitWolf, 1))
                .find("lookback_days must be >= 2"),
            std::string::npos);
  RiskModelOptions o = options(CovarianceEstimator::kEwma);
  o.config.ewma_decay = 1.0;
  EXPECT_NE(message(returns12(), o).find("ewma_decay must be in (0, 1)"), std::string::npos);
  o = options(CovarianceEstimator::kFactor);
  o.config.factors = 13;
  EXPECT_NE(message(returns12(), o).find("factors must be in 1..12"), std::string::npos);
  o = options(CovarianceEstimator::kFactor);
  o.factor_base = CovarianceEstimator::kFactor;
  EXPECT_NE(message(returns12(), o).find("factor_base"), std::string::npos);
  o = options(CovarianceEstimator::kSample);
  o.periods_per_year = 0.0;
  EXPECT_NE(message(returns12(), o).find("periods_per_year"), std::string::npos);
  o = options(CovarianceEstimator::kSample);
  o.repair_epsilon = 2.0;
  EXPECT_NE(message(returns12(), o).find("repair_epsilon"), std::string::npos);
  Eigen::MatrixXd r = returns12();
  r(r.rows() - 3, 7) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(message(r, options(CovarianceEstimator::kLedoitWolf)).find("returns[249][7] is nan"),
            std::string::npos)
      << message(r, options(CovarianceEstimator::kLedoitWolf));
  EXPECT_NE(message(Eigen::MatrixXd(300, 0), options(CovarianceEstimator::kLedoitWolf))
                .find("no columns"),
            std::string::npos);
  // A NaN outside the lookback does not matter.
  Eigen::MatrixXd early = returns12();
  early(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(message(early, options(CovarianceEstimator::kLedoitWolf)), "ok");
}

// ---------------------------------------------------------------------------------------------
// Analytics

TEST(RiskAnalytics, RiskContributionsSumToVolatility) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  Eigen::VectorXd w(12);
  w << 0.3, 0.1, 0.05, 0.2, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.03, 0.02;
  const double vol = portfolio_volatility(m, w).value();
  EXPECT_NEAR(vol * vol, portfolio_variance(m, w).value(), 1e-16);
  const Eigen::VectorXd rc = risk_contributions(m, w).value();
  EXPECT_NEAR(rc.sum(), vol, 1e-14);
  const Eigen::VectorXd rel = relative_risk_contributions(m, w).value();
  EXPECT_NEAR(rel.sum(), 1.0, 1e-14);
  for (Eigen::Index i = 0; i < 12; ++i) {
    EXPECT_NEAR(rel[i], w[i] * (m.covariance * w)[i] / w.dot(m.covariance * w), 1e-15);
  }
  // A 60/40-like mix: equity carries far more than 60% of the risk.
  EXPECT_GT(rel[0] / w[0], rel[3] / w[3]);
}

TEST(RiskAnalytics, FactorViewAgreesWithItsDenseMatrix) {
  RiskModelOptions o = options(CovarianceEstimator::kFactor);
  o.config.factors = 4;
  const RiskModel m = RiskModel::estimate(returns12(), o).value();
  const Eigen::VectorXd w = equal_weights(12);
  const Eigen::MatrixXd& dense = m.covariance;
  EXPECT_NEAR(portfolio_variance(m, w).value(), portfolio_variance(dense, w).value(), 1e-16);
  EXPECT_LT((risk_contributions(m, w).value() - risk_contributions(dense, w).value())
                .cwiseAbs()
                .maxCoeff(),
            1e-14);
  EXPECT_NEAR(diversification_ratio(m, w).value(), diversification_ratio(dense, w).value(), 1e-12);
}

TEST(RiskAnalytics, DiversificationRatioOfOneAssetIsOne) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  for (Eigen::Index i = 0; i < 12; ++i) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(12);
    w[i] = 0.7;
    EXPECT_NEAR(diversification_ratio(m, w).value(), 1.0, 1e-14);
  }
  EXPECT_GT(diversification_ratio(m, equal_weights(12)).value(), 1.2);
}

TEST(RiskAnalytics, TrackingErrorOfActiveWeights) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  Eigen::VectorXd w = equal_weights(12);
  Eigen::VectorXd bench = equal_weights(12);
  w[0] += 0.02;
  w[3] -= 0.02;
  const Eigen::VectorXd a = w - bench;
  const double te = tracking_error(m, w, bench).value();
  EXPECT_NEAR(te * te, a.dot(m.covariance * a), 1e-18);
  EXPECT_EQ(tracking_error(m, a).value(), te);
  EXPECT_EQ(tracking_error(m, bench, bench).value(), 0.0);
}

TEST(RiskAnalytics, RejectsBadWeightsWithoutCrashing) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  EXPECT_FALSE(portfolio_variance(m, Eigen::VectorXd::Ones(11)).ok());
  Eigen::VectorXd nan = equal_weights(12);
  nan[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(portfolio_volatility(m, nan).ok());
  auto zero = risk_contributions(m, Eigen::VectorXd::Zero(12));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("positive variance"), std::string::npos);
  EXPECT_FALSE(diversification_ratio(m, Eigen::VectorXd::Zero(12)).ok());
  EXPECT_FALSE(tracking_error(m, Eigen::VectorXd::Ones(12), Eigen::VectorXd::Ones(3)).ok());
  const Eigen::MatrixXd rect = Eigen::MatrixXd::Ones(3, 4);
  EXPECT_FALSE(portfolio_variance(rect, Eigen::VectorXd::Ones(3)).ok());
  Eigen::MatrixXd bad = m.covariance;
  bad(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(portfolio_variance(bad, equal_weights(12)).ok());
  EXPECT_FALSE(relative_risk_contributions(bad, equal_weights(12)).ok());
  Eigen::MatrixXd indefinite = -Eigen::MatrixXd::Identity(2, 2);
  EXPECT_FALSE(portfolio_volatility(indefinite, Eigen::VectorXd::Ones(2)).ok());
}

// ---------------------------------------------------------------------------------------------
// Tracking-error model for the drift monitor

/// Instruments 0..19 in the universe; the model's 12 assets are instruments 3, 10, 17, 4, ...
/// ((7i + 3) mod 20: a scrambled mapping that leaves 1, 2, 7, 8, 9, 14, 15, 16 out).
std::vector<InstrumentId> scrambled_columns() {
  std::vector<InstrumentId> ids;
  for (std::uint32_t i = 0; i < 12; ++i) ids.push_back(InstrumentId{(i * 7 + 3) % 20});
  return ids;
}

/// The model's covariance laid out over the 20-instrument universe (zeros elsewhere), row-major.
std::vector<double> universe_matrix(const Eigen::MatrixXd& cov,
                                    const std::vector<InstrumentId>& ids) {
  std::vector<double> out(20 * 20, 0.0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t j = 0; j < ids.size(); ++j) {
      out[ids[i].value * 20 + ids[j].value] =
          cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    }
  }
  return out;
}

TEST(RiskModelTrackingError, DenseFormMatchesTheEngineReference) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  const auto ids = scrambled_columns();
  auto te = RiskModelTrackingError::create(m, ids, 20);
  ASSERT_TRUE(te.ok()) << te.error().message;
  EXPECT_FALSE(te.value().uses_factors());
  const CovarianceTrackingError reference(20, universe_matrix(m.covariance, ids));
  // An account holding 6 of the instruments, in its own order.
  const InstrumentId inst[] = {ids[5], ids[0], ids[11], ids[3], ids[7], ids[9]};
  const double active[] = {0.03, -0.01, 0.0, -0.025, 0.004, 0.001};
  const double got = te.value().active_variance(inst, active, 6);
  const double want = reference.active_variance(inst, active, 6);
  EXPECT_NEAR(got, want, 1e-15 * want);
  EXPECT_GT(got, 0.0);
}

TEST(RiskModelTrackingError, FactorFormMatchesItsDenseMatrix) {
  RiskModelOptions o = options(CovarianceEstimator::kFactor);
  o.config.factors = 3;
  const RiskModel m = RiskModel::estimate(returns12(), o).value();
  const auto ids = scrambled_columns();
  auto te = RiskModelTrackingError::create(m, ids, 20);
  ASSERT_TRUE(te.ok());
  EXPECT_TRUE(te.value().uses_factors());
  const CovarianceTrackingError reference(20, universe_matrix(m.covariance, ids));
  std::vector<InstrumentId> inst(ids.begin(), ids.end());
  std::srand(3);
  const Eigen::VectorXd a = Eigen::VectorXd::Random(12) * 0.05;
  const double got = te.value().active_variance(inst.data(), a.data(), 12);
  const double want = reference.active_variance(inst.data(), a.data(), 12);
  EXPECT_NEAR(got, want, 1e-13 * want);
}

TEST(RiskModelTrackingError, UncoveredInstrumentsCarryNoRisk) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  const auto ids = scrambled_columns();
  const RiskModelTrackingError te = RiskModelTrackingError::create(m, ids, 20).value();
  const InstrumentId outside{1};  // not one of the model's instruments
  ASSERT_FALSE(te.covers(outside));
  EXPECT_TRUE(te.covers(ids[4]));
  EXPECT_FALSE(te.covers(InstrumentId{25}));
  const InstrumentId with[] = {ids[1], outside};
  const double active[] = {0.02, 0.5};
  const InstrumentId alone[] = {ids[1]};
  EXPECT_EQ(te.active_variance(with, active, 2), te.active_variance(alone, active, 1));
}

TEST(RiskModelTrackingError, RejectsBadColumnMaps) {
  const RiskModel m = model(CovarianceEstimator::kLedoitWolf);
  auto ids = scrambled_columns();
  EXPECT_FALSE(RiskModelTrackingError::create(m, {ids.begin(), ids.end() - 1}, 20).ok());
  EXPECT_FALSE(RiskModelTrackingError::create(m, ids, 10).ok());
  ids[3] = ids[4];
  auto dup = RiskModelTrackingError::create(m, ids, 20);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("given for columns 3 and 4"), std::string::npos)
      << dup.error().message;
  ids[3] = InstrumentId{};
  EXPECT_FALSE(RiskModelTrackingError::create(m, ids, 20).ok());
}

}  // namespace
}  // namespace ballast
