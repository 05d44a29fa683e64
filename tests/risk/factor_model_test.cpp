// Statistical factor model and positive-definite repair.
#include "ballast/risk/factor_model.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <limits>

#include "ballast/risk/covariance.hpp"
#include "etf_data.hpp"

namespace ballast {
namespace {

using test::cov12;

double min_eigenvalue(const Eigen::MatrixXd& m) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m).eigenvalues().minCoeff();
}

TEST(FactorModel, ReproducesTheDiagonal) {
  for (Eigen::Index k : {1, 3, 6}) {
    auto fm = FactorModel::principal_components(cov12(), k);
    ASSERT_TRUE(fm.ok()) << fm.error().message;
    const Eigen::MatrixXd full = fm.value().covariance();
    for (Eigen::Index i = 0; i < 12; ++i) {
      EXPECT_NEAR(full(i, i), cov12()(i, i), 1e-14 * cov12()(i, i)) << "k " << k << " asset " << i;
      EXPECT_NEAR(fm.value().variance(i), cov12()(i, i), 1e-14 * cov12()(i, i));
      EXPECT_GT(fm.value().specific_variances()[i], 0.0);
    }
  }
}

TEST(FactorModel, WithAllFactorsEqualsTheInput) {
  auto fm = FactorModel::principal_components(cov12(), 12);
  ASSERT_TRUE(fm.ok());
  const Eigen::MatrixXd full = fm.value().covariance();
  for (Eigen::Index i = 0; i < 12; ++i) {
    for (Eigen::Index j = 0; j < 12; ++j) {
      EXPECT_NEAR(full(i, j), cov12()(i, j), 1e-12 * std::sqrt(cov12()(i, i) * cov12()(j, j)));
    }
  }
  EXPECT_NEAR(fm.value().explained_share(), 1.0, 1e-12);
}

TEST(FactorModel, LoadingsAreOrthonormalPrincipalDirections) {
  const FactorModel fm = FactorModel::principal_components(cov12(), 3).value();
  const Eigen::MatrixXd& b = fm.loadings();
  EXPECT_LT((b.transpose() * b - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff(), 1e-14);
  const Eigen::VectorXd f = fm.factor_covariance().diagonal();
  EXPECT_GE(f[0], f[1]);
  EXPECT_GE(f[1], f[2]);
  // Each column is an eigenvector: Sigma b = f b.
  for (Eigen::Index j = 0; j < 3; ++j) {
    EXPECT_LT((cov12() * b.col(j) - f[j] * b.col(j)).norm(), 1e-12 * f[0]);
  }
  // Three factors explain most of the variance of a 12-ETF universe, not all.
  EXPECT_GT(fm.explained_share(), 0.7);
  EXPECT_LT(fm.explained_share(), 1.0);
}

TEST(FactorModel, QuadFormAndMultiplyMatchTheFullMatrix) {
  const FactorModel fm = FactorModel::principal_components(cov12(), 3).value();
  const Eigen::MatrixXd full = fm.covariance();
  std::srand(7);
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::VectorXd w = Eigen::VectorXd::Random(12);
    const double dense = w.dot(full * w);
    EXPECT_NEAR(fm.quad_form(w), dense, 1e-13 * std::abs(dense));
    Eigen::VectorXd sw;
    fm.multiply(w, sw);
    EXPECT_LT((sw - full * w).cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(FactorModel, QuadFormScalesToLargeUniverses) {
  // 600 assets, 5 factors, built from parts: quad_form never forms the 600 x 600 matrix.
  const Eigen::Index n = 600;
  const Eigen::Index k = 5;
  std::srand(11);
  Eigen::MatrixXd b = Eigen::MatrixXd::Random(n, k);
  Eigen::MatrixXd f = Eigen::MatrixXd::Random(k, k);
  f = (f * f.transpose()).eval();
  const Eigen::VectorXd d = Eigen::VectorXd::Random(n).cwiseAbs();
  auto fm = FactorModel::from_parts(b, f, d);
  ASSERT_TRUE(fm.ok()) << fm.error().message;
  const Eigen::VectorXd w = Eigen::VectorXd::Random(n);
  const Eigen::MatrixXd full = fm.value().covariance();
  const double dense = w.dot(full * w);
  EXPECT_NEAR(fm.value().quad_form(w), dense, 1e-11 * std::abs(dense));
}

TEST(FactorModel, ScaledMultipliesFactorAndSpecificVariance) {
  const FactorModel fm = FactorModel::principal_components(cov12(), 2).value();
  const FactorModel daily = fm.scaled(1.0 / 252.0);
  EXPECT_LT((daily.covariance() * 252.0 - fm.covariance()).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(FactorModel, RejectsBadInput) {
  EXPECT_FALSE(FactorModel::principal_components(cov12(), 0).ok());
  EXPECT_FALSE(FactorModel::principal_components(cov12(), 13).ok());
  EXPECT_FALSE(FactorModel::principal_components(Eigen::MatrixXd(3, 4), 1).ok());
  Eigen::MatrixXd nan = cov12();
  nan(2, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(FactorModel::principal_components(nan, 2).ok());

  const Eigen::MatrixXd b = Eigen::MatrixXd::Ones(4, 2);
  EXPECT_FALSE(
      FactorModel::from_parts(b, Eigen::MatrixXd::Identity(3, 3), Eigen::VectorXd::Ones(4)).ok());
  EXPECT_FALSE(
      FactorModel::from_parts(b, Eigen::MatrixXd::Identity(2, 2), Eigen::VectorXd::Ones(3)).ok());
  EXPECT_FALSE(
      FactorModel::from_parts(b, Eigen::MatrixXd::Identity(2, 2), -Eigen::VectorXd::Ones(4)).ok());
  Eigen::MatrixXd asym = Eigen::MatrixXd::Identity(2, 2);
  asym(0, 1) = 0.5;
  auto r = FactorModel::from_parts(b, asym, Eigen::VectorXd::Ones(4));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not symmetric"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Positive-definite repair

TEST(PositiveDefiniteRepair, MakesAnIndefiniteMatrixPositiveDefinite) {
  // A "correlation" matrix assembled pairwise that no set of returns can have.
  Eigen::MatrixXd c(3, 3);
  c << 1.0, 0.9, -0.9,  //
      0.9, 1.0, 0.9,    //
      -0.9, 0.9, 1.0;
  ASSERT_LT(min_eigenvalue(c), 0.0);
  auto rep = repair_positive_definite(c, 1e-8);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_TRUE(rep.value().changed);
  EXPECT_EQ(rep.value().clipped, 1);
  EXPECT_LT(rep.value().min_eigenvalue, 0.0);
  EXPECT_EQ(c, c.transpose());
  EXPECT_EQ(Eigen::LLT<Eigen::MatrixXd>(c).info(), Eigen::Success);
  EXPECT_GE(min_eigenvalue(c), 0.99 * rep.value().floor);
}

TEST(PositiveDefiniteRepair, LeavesAPositiveDefiniteMatrixUntouched) {
  Eigen::MatrixXd c = cov12();
  auto rep = repair_positive_definite(c);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep.value().changed);
  EXPECT_FALSE(rep.value().symmetrised);
  EXPECT_EQ(rep.value().clipped, 0);
  EXPECT_GT(rep.value().min_eigenvalue, rep.value().floor);
  EXPECT_EQ(c, cov12());  // bit for bit
}

TEST(PositiveDefiniteRepair, SymmetrisesAnAsymmetricInput) {
  Eigen::MatrixXd c = cov12();
  c(0, 1) += 1e-9;
  auto rep = repair_positive_definite(c);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep.value().changed);
  EXPECT_TRUE(rep.value().symmetrised);
  EXPECT_EQ(rep.value().clipped, 0);
  EXPECT_EQ(c, c.transpose());
  EXPECT_DOUBLE_EQ(c(0, 1), cov12()(0, 1) + 0.5e-9);
}

TEST(PositiveDefiniteRepair, FloorsASingularSampleCovariance) {
  // 12 assets, 8 returns: rank 7.
  const Eigen::MatrixXd x = test::classic12_returns_2016_2019().topRows(8);
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd s = centred.transpose() * centred / 7.0;
  ASSERT_LT(min_eigenvalue(s), 1e-12 * s.trace());
  auto rep = repair_positive_definite(s, 1e-6);
  ASSERT_TRUE(rep.ok());
  EXPECT_GE(rep.value().clipped, 5);
  EXPECT_EQ(Eigen::LLT<Eigen::MatrixXd>(s).info(), Eigen::Success);
  const auto eig = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(s).eigenvalues();
  EXPECT_LE(eig.maxCoeff() / eig.minCoeff(), 1.01e6);
}

TEST(PositiveDefiniteRepair, RejectsBadInputAndKeepsTheMatrix) {
  Eigen::MatrixXd neg = -Eigen::MatrixXd::Identity(3, 3);
  const Eigen::MatrixXd before = neg;
  auto r = repair_positive_definite(neg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no positive eigenvalue"), std::string::npos);
  EXPECT_EQ(neg, before);

  Eigen::MatrixXd c = cov12();
  EXPECT_FALSE(repair_positive_definite(c, 0.0).ok());
  EXPECT_FALSE(repair_positive_definite(c, 1.0).ok());
  c(4, 4) = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(repair_positive_definite(c).ok());
  Eigen::MatrixXd rect(2, 3);
  rect.setOnes();
  EXPECT_FALSE(repair_positive_definite(rect).ok());
  Eigen::MatrixXd empty;
  EXPECT_FALSE(repair_positive_definite(empty).ok());
}

}  // namespace
}  // namespace ballast
