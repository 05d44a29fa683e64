// Covariance estimators on the real ETF data against direct computations written plainly here
// (loops, no Eigen shortcuts) and against numpy (tests/risk/ledoit_wolf_reference.py).
#include "ballast/risk/covariance.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <vector>

#include "etf_data.hpp"

namespace ballast {
namespace {

using Matrix = std::vector<std::vector<double>>;

const Eigen::MatrixXd& returns12() {
  return test::classic12_returns_2016_2019();
}

Matrix to_rows(const Eigen::MatrixXd& m) {
  Matrix out(static_cast<std::size_t>(m.rows()),
             std::vector<double>(static_cast<std::size_t>(m.cols())));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      out[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = m(i, j);
    }
  }
  return out;
}

std::vector<double> column_means(const Matrix& r) {
  std::vector<double> mean(r[0].size(), 0.0);
  for (const auto& row : r) {
    for (std::size_t i = 0; i < row.size(); ++i) mean[i] += row[i];
  }
  for (double& m : mean) m /= static_cast<double>(r.size());
  return mean;
}

/// sum_t (r_ti - mean_i)(r_tj - mean_j) / divisor.
Matrix plain_covariance(const Matrix& r, double divisor) {
  const std::size_t n = r[0].size();
  const std::vector<double> mean = column_means(r);
  Matrix s(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (const auto& row : r) acc += (row[i] - mean[i]) * (row[j] - mean[j]);
      s[i][j] = acc / divisor;
    }
  }
  return s;
}

/// Expects |a_ij - b_ij| <= tol x sqrt(b_ii b_jj) for every cell: relative to the scale of the
/// two variances, so near-zero covariances are judged fairly.
void expect_matrix_near(const Eigen::MatrixXd& a, const Matrix& b, double tol) {
  ASSERT_EQ(static_cast<std::size_t>(a.rows()), b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    ASSERT_EQ(static_cast<std::size_t>(a.cols()), b[i].size());
    for (std::size_t j = 0; j < b.size(); ++j) {
      const double scale = std::sqrt(b[i][i] * b[j][j]);
      EXPECT_NEAR(a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), b[i][j],
                  tol * scale)
          << "cell " << i << "," << j;
    }
  }
}

void expect_rel_near(double a, double b, double tol) {
  EXPECT_NEAR(a, b, tol * std::abs(b)) << a << " vs " << b;
}

TEST(RealEtfData, Classic12ReturnsLoadedForFourYears) {
  const Eigen::MatrixXd& r = returns12();
  ASSERT_EQ(r.rows(), 1042);
  ASSERT_EQ(r.cols(), 12);
  EXPECT_TRUE(r.allFinite());
}

// ---------------------------------------------------------------------------------------------
// Sample covariance

TEST(SampleCovariance, MatchesPlainLoopOnRealEtfReturns) {
  auto s = sample_covariance(returns12());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Matrix r = to_rows(returns12());
  expect_matrix_near(s.value(), plain_covariance(r, static_cast<double>(r.size() - 1)), 1e-12);
}

TEST(SampleCovariance, IsExactlySymmetric) {
  const Eigen::MatrixXd s = sample_covariance(returns12()).value();
  EXPECT_EQ(s, s.transpose());
}

TEST(SampleCovariance, MatchesNumpy) {
  // numpy.cov(r, rowvar=False, ddof=1), printed by ledoit_wolf_reference.py.
  const Eigen::MatrixXd s = sample_covariance(returns12()).value();
  expect_rel_near(s(0, 0), 6.375755580885873e-05, 1e-12);
  expect_rel_near(s(0, 4), -1.876379025590461e-05, 1e-12);
  expect_rel_near(s(2, 9), 3.889142753241167e-05, 1e-12);
  expect_rel_near(s(11, 11), 3.7335771808514516e-07, 1e-12);
}

TEST(SampleCovariance, RejectsFewerRowsThanAssets) {
  auto s = sample_covariance(returns12().topRows(12));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("needs more than 12 return rows"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(sample_covariance(returns12().topRows(13)).ok());
}

TEST(SampleCovariance, RejectsNaNNamingTheCell) {
  Eigen::MatrixXd r = returns12().topRows(100);
  r(37, 5) = std::numeric_limits<double>::quiet_NaN();
  auto s = sample_covariance(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("returns[37][5] is nan"), std::string::npos)
      << s.error().message;
}

TEST(SampleCovariance, RejectsNoColumns) {
  EXPECT_FALSE(sample_covariance(Eigen::MatrixXd(10, 0)).ok());
}

// ---------------------------------------------------------------------------------------------
// EWMA

/// sum_t w_t r_t r_t' with w_t = (1 - lambda) lambda^(T-1-t) / (1 - lambda^T), zero mean.
Matrix plain_ewma(const Matrix& r, double lambda) {
  const std::size_t n = r[0].size();
  const std::size_t t_count = r.size();
  const double norm = 1.0 - std::pow(lambda, static_cast<double>(t_count));
  Matrix s(n, std::vector<double>(n, 0.0));
  for (std::size_t t = 0; t < t_count; ++t) {
    const double w = (1.0 - lambda) * std::pow(lambda, static_cast<double>(t_count - 1 - t)) / norm;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) s[i][j] += w * r[t][i] * r[t][j];
    }
  }
  return s;
}

/// As plain_ewma, centred on the weighted mean: sum_t w_t (r_t - m)(r_t - m)', m = sum_t w_t r_t.
Matrix plain_ewma_demeaned(const Matrix& r, double lambda) {
  const std::size_t n = r[0].size();
  const std::size_t t_count = r.size();
  const double norm = 1.0 - std::pow(lambda, static_cast<double>(t_count));
  std::vector<double> w(t_count);
  std::vector<double> m(n, 0.0);
  for (std::size_t t = 0; t < t_count; ++t) {
    w[t] = (1.0 - lambda) * std::pow(lambda, static_cast<double>(t_count - 1 - t)) / norm;
    for (std::size_t i = 0; i < n; ++i) m[i] += w[t] * r[t][i];
  }
  Matrix s(n, std::vector<double>(n, 0.0));
  for (std::size_t t = 0; t < t_count; ++t) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) s[i][j] += w[t] * (r[t][i] - m[i]) * (r[t][j] - m[j]);
    }
  }
  return s;
}

TEST(Ewma, BatchMatchesPlainLoopOnRealEtfReturns) {
  for (double lambda : {0.94, 0.97, 0.995}) {
    auto s = ewma_covariance(returns12(), EwmaOptions{lambda, false});
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_matrix_near(s.value(), plain_ewma(to_rows(returns12()), lambda), 1e-12);
  }
}

TEST(Ewma, DemeanedBatchMatchesPlainLoop) {
  auto s = ewma_covariance(returns12(), EwmaOptions{0.97, true});
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_matrix_near(s.value(), plain_ewma_demeaned(to_rows(returns12()), 0.97), 1e-12);
}

TEST(Ewma, MatchesNumpy) {
  const Eigen::MatrixXd s = ewma_covariance(returns12(), EwmaOptions{0.94, false}).value();
  expect_rel_near(s(0, 0), 1.9087741126863986e-05, 1e-12);
  expect_rel_near(s(0, 4), -9.530723259969234e-06, 1e-12);
  expect_rel_near(s(2, 9), -5.366282088720695e-06, 1e-12);
  expect_rel_near(s(11, 11), 2.883655867176571e-07, 1e-12);
}

TEST(Ewma, IncrementalUpdatesEqualBatchExactly) {
  for (bool demean : {false, true}) {
    const EwmaOptions opt{0.94, demean};
    auto est = EwmaCovariance::create(12, opt);
    ASSERT_TRUE(est.ok());
    Eigen::VectorXd bar(12);
    for (Eigen::Index t = 0; t < returns12().rows(); ++t) {
      bar = returns12().row(t).transpose();
      ASSERT_TRUE(est.value().update(bar).ok());
      if (t == 99) {
        // Mid-stream, the state is the batch estimate of the bars seen so far.
        EXPECT_EQ(est.value().covariance(), ewma_covariance(returns12().topRows(100), opt).value());
      }
    }
    EXPECT_EQ(est.value().observations(), returns12().rows());
    EXPECT_EQ(est.value().covariance(), ewma_covariance(returns12(), opt).value());
  }
}

TEST(Ewma, FirstBarIsItsOwnOuterProduct) {
  auto est = EwmaCovariance::create(2, {}).value();
  Eigen::VectorXd r(2);
  r << 0.01, -0.02;
  ASSERT_TRUE(est.update(r).ok());
  const Eigen::MatrixXd expected = r * r.transpose();
  EXPECT_EQ(est.covariance(), expected);
}

TEST(Ewma, LongHistoryFollowsTheRiskMetricsRecursion) {
  // Once lambda^T is negligible, S_t = lambda S_{t-1} + (1 - lambda) r_t r_t'.
  const double lambda = 0.94;
  auto est = EwmaCovariance::create(12, EwmaOptions{lambda, false}).value();
  Eigen::VectorXd bar(12);
  for (Eigen::Index t = 0; t + 1 < returns12().rows(); ++t) {
    bar = returns12().row(t).transpose();
    ASSERT_TRUE(est.update(bar).ok());
  }
  const Eigen::MatrixXd before = est.covariance();
  bar = returns12().row(returns12().rows() - 1).transpose();
  ASSERT_TRUE(est.update(bar).ok());
  const Eigen::MatrixXd expected = lambda * before + (1 - lambda) * bar * bar.transpose();
  EXPECT_LT((est.covariance() - expected).cwiseAbs().maxCoeff(), 1e-18);
}

TEST(Ewma, RejectsBadBarsAndKeepsState) {
  auto est = EwmaCovariance::create(3, {}).value();
  Eigen::VectorXd good(3);
  good << 0.01, 0.02, -0.01;
  ASSERT_TRUE(est.update(good).ok());
  const Eigen::MatrixXd before = est.covariance();
  Eigen::VectorXd bad = good;
  bad[1] = std::numeric_limits<double>::infinity();
  auto st = est.update(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("return 1 is inf"), std::string::npos) << st.error().message;
  EXPECT_FALSE(est.update(Eigen::VectorXd::Zero(2)).ok());
  EXPECT_EQ(est.covariance(), before);
  EXPECT_EQ(est.observations(), 1);
}

TEST(Ewma, RejectsDecayOutsideOpenUnitInterval) {
  EXPECT_FALSE(EwmaCovariance::create(3, EwmaOptions{1.0, false}).ok());
  EXPECT_FALSE(EwmaCovariance::create(3, EwmaOptions{0.0, false}).ok());
  EXPECT_FALSE(EwmaCovariance::create(0, EwmaOptions{}).ok());
  EXPECT_FALSE(ewma_covariance(returns12(), EwmaOptions{std::nan(""), false}).ok());
  EXPECT_FALSE(ewma_covariance(Eigen::MatrixXd(0, 3), EwmaOptions{}).ok());
}

// ---------------------------------------------------------------------------------------------
// Ledoit-Wolf

/// Ledoit & Wolf (2004), written out: S = X'X/T of demeaned X, m = tr(S)/n,
/// d^2 = ||S - mI||^2, bbar^2 = (1/T^2) sum_t ||x_t x_t' - S||^2 with ||A||^2 = tr(AA')/n,
/// b^2 = min(bbar^2, d^2), delta = b^2/d^2, Sigma = delta m I + (1 - delta) S.
struct PlainLedoitWolf {
  Matrix shrunk;
  double intensity, mu, d2, b2_bar;
};

PlainLedoitWolf plain_ledoit_wolf(const Matrix& r) {
  const std::size_t n = r[0].size();
  const double t = static_cast<double>(r.size());
  const std::vector<double> mean = column_means(r);
  Matrix x = r;
  for (auto& row : x) {
    for (std::size_t i = 0; i < n; ++i) row[i] -= mean[i];
  }
  const Matrix s = plain_covariance(r, t);
  PlainLedoitWolf out{};
  double trace = 0.0;
  for (std::size_t i = 0; i < n; ++i) trace += s[i][i];
  out.mu = trace / static_cast<double>(n);
  double d2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double diff = s[i][j] - (i == j ? out.mu : 0.0);
      d2 += diff * diff;
    }
  }
  out.d2 = d2 / static_cast<double>(n);
  double b2 = 0.0;
  for (const auto& xt : x) {
    double norm2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const double diff = xt[i] * xt[j] - s[i][j];
        norm2 += diff * diff;
      }
    }
    b2 += norm2 / static_cast<double>(n);
  }
  out.b2_bar = b2 / (t * t);
  const double b2_clipped = std::min(out.b2_bar, out.d2);
  out.intensity = std::min(1.0, std::max(0.0, b2_clipped / out.d2));
  out.shrunk = s;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      out.shrunk[i][j] = (1.0 - out.intensity) * s[i][j] + (i == j ? out.intensity * out.mu : 0.0);
    }
  }
  return out;
}

TEST(LedoitWolf, IntensityAndMatrixMatchDirectComputationOnRealEtfReturns) {
  auto lw = ledoit_wolf(returns12());
  ASSERT_TRUE(lw.ok()) << lw.error().message;
  const PlainLedoitWolf ref = plain_ledoit_wolf(to_rows(returns12()));
  expect_rel_near(lw.value().intensity, ref.intensity, 1e-12);
  expect_rel_near(lw.value().mu, ref.mu, 1e-12);
  expect_rel_near(lw.value().d2, ref.d2, 1e-12);
  expect_rel_near(lw.value().b2_bar, ref.b2_bar, 1e-12);
  expect_matrix_near(lw.value().covariance, ref.shrunk, 1e-12);
  // The intensity is a genuine interior value on this data, so the test exercises the formula.
  EXPECT_GT(lw.value().intensity, 0.005);
  EXPECT_LT(lw.value().intensity, 0.5);
}

TEST(LedoitWolf, MatchesDirectComputationOnShortWindows) {
  // Short windows shrink harder; n close to T, and n > T, too.
  for (Eigen::Index rows : {8, 12, 20, 60, 250}) {
    const Eigen::MatrixXd r = returns12().bottomRows(rows);
    auto lw = ledoit_wolf(r);
    ASSERT_TRUE(lw.ok()) << lw.error().message;
    const PlainLedoitWolf ref = plain_ledoit_wolf(to_rows(r));
    expect_rel_near(lw.value().intensity, ref.intensity, 1e-12);
    expect_matrix_near(lw.value().covariance, ref.shrunk, 1e-12);
  }
}

TEST(LedoitWolf, MatchesNumpyReference) {
  // tests/risk/ledoit_wolf_reference.py (numpy 1.24, Debian 12).
  const LedoitWolfEstimate lw = ledoit_wolf(returns12()).value();
  expect_rel_near(lw.intensity, 0.012816483606193738, 1e-12);
  expect_rel_near(lw.mu, 4.563944185293424e-05, 1e-12);
  expect_rel_near(lw.d2, 5.629924149224464e-09, 1e-12);
  expect_rel_near(lw.b2_bar, 7.215583056264957e-11, 1e-12);
  expect_rel_near(lw.covariance(0, 0), 6.34649418356611e-05, 1e-12);
  expect_rel_near(lw.covariance(0, 4), -1.8505527761970675e-05, 1e-12);
  expect_rel_near(lw.covariance(2, 9), 3.83561307224289e-05, 1e-12);
  expect_rel_near(lw.covariance(11, 11), 9.53156026823691e-07, 1e-12);
}

TEST(LedoitWolf, ShrinksTowardScaledIdentityKeepingTheTrace) {
  const LedoitWolfEstimate lw = ledoit_wolf(returns12()).value();
  EXPECT_NEAR(lw.covariance.trace(), lw.sample.trace(), 1e-15);
  const Eigen::MatrixXd target = lw.mu * Eigen::MatrixXd::Identity(12, 12);
  const Eigen::MatrixXd blend = (1 - lw.intensity) * lw.sample + lw.intensity * target;
  EXPECT_LT((lw.covariance - blend).cwiseAbs().maxCoeff(), 1e-18);
  EXPECT_EQ(lw.covariance, lw.covariance.transpose());
}

TEST(LedoitWolf, IsWellConditionedWhenAssetsOutnumberRows) {
  // 12 assets, 6 returns: the sample covariance is singular, the shrunk one is not.
  const LedoitWolfEstimate lw = ledoit_wolf(returns12().bottomRows(6)).value();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(lw.covariance);
  EXPECT_GT(eig.eigenvalues().minCoeff(), 0.0);
  EXPECT_GT(lw.intensity, 0.0);
}

TEST(LedoitWolf, SingleAssetHasNothingToShrink) {
  const LedoitWolfEstimate lw = ledoit_wolf(returns12().col(0)).value();
  EXPECT_EQ(lw.intensity, 0.0);
  EXPECT_EQ(lw.covariance(0, 0), lw.sample(0, 0));
}

TEST(LedoitWolf, RejectsTooFewRowsAndNaN) {
  EXPECT_FALSE(ledoit_wolf(returns12().topRows(1)).ok());
  Eigen::MatrixXd r = returns12().topRows(30);
  r(3, 3) = std::numeric_limits<double>::quiet_NaN();
  auto lw = ledoit_wolf(r);
  ASSERT_FALSE(lw.ok());
  EXPECT_NE(lw.error().message.find("returns[3][3]"), std::string::npos);
}

}  // namespace
}  // namespace ballast
