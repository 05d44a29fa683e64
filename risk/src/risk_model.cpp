// RiskModel: estimator selection, repair and annualisation.
#include "ballast/risk/risk_model.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "ballast/risk/covariance.hpp"

namespace ballast {

namespace {

Status check_options(const RiskModelOptions& o) {
  const RiskModelConfig& c = o.config;
  if (c.lookback_days < 2) {
    return Error{
        concat({"risk model: lookback_days must be >= 2, got ", std::to_string(c.lookback_days)})};
  }
  if (c.estimator == CovarianceEstimator::kEwma || (c.estimator == CovarianceEstimator::kFactor &&
                                                    o.factor_base == CovarianceEstimator::kEwma)) {
    if (!(c.ewma_decay > 0.0 && c.ewma_decay < 1.0)) {
      return Error{
          concat({"risk model: ewma_decay must be in (0, 1), got ", format_double(c.ewma_decay)})};
    }
  }
  if (c.estimator == CovarianceEstimator::kFactor &&
      o.factor_base == CovarianceEstimator::kFactor) {
    return Error{"risk model: factor_base must be sample, ewma or ledoit_wolf, not factor"};
  }
  if (!(o.periods_per_year > 0.0) || !std::isfinite(o.periods_per_year)) {
    return Error{concat(
        {"risk model: periods_per_year must be > 0, got ", format_double(o.periods_per_year)})};
  }
  if (!(o.repair_epsilon > 0.0 && o.repair_epsilon < 1.0)) {
    return Error{concat(
        {"risk model: repair_epsilon must be in (0, 1), got ", format_double(o.repair_epsilon)})};
  }
  return Ok{};
}

/// The per-period covariance of `x` by a dense estimator (sample, ewma or ledoit_wolf).
Result<Eigen::MatrixXd> dense_estimate(const Eigen::MatrixXd& x, CovarianceEstimator which,
                                       const RiskModelOptions& o, double& intensity) {
  switch (which) {
    case CovarianceEstimator::kSample:
      return sample_covariance(x);
    case CovarianceEstimator::kEwma:
      return ewma_covariance(x, EwmaOptions{o.config.ewma_decay, o.ewma_demean});
    case CovarianceEstimator::kLedoitWolf: {
      auto lw = ledoit_wolf(x);
      if (!lw) return Error{lw.error()};
      intensity = lw.value().intensity;
      return std::move(lw.value().covariance);
    }
    case CovarianceEstimator::kFactor:
      break;
  }
  return Error{"risk model: the factor estimator needs a dense base estimator"};
}

Result<RiskModel> finish(Eigen::MatrixXd per_period, RiskModel m, double periods_per_year,
                         double epsilon) {
  auto rep = repair_positive_definite(per_period, epsilon);
  if (!rep) return Error{concat({"risk model: ", rep.error().message})};
  m.repair = rep.value();
  m.covariance = std::move(per_period);
  m.covariance *= periods_per_year;
  return m;
}

}  // namespace

Result<RiskModel> RiskModel::estimate(const Eigen::MatrixXd& returns,
                                      const RiskModelOptions& options) {
  if (auto ok = check_options(options); !ok) return Error{ok.error()};
  const RiskModelConfig& c = options.config;
  const Eigen::Index n = returns.cols();
  if (n == 0) return Error{"risk model: the returns have no columns"};
  if (returns.rows() < c.lookback_days) {
    return Error{
        concat({"risk model: lookback_days is ", std::to_string(c.lookback_days), " but only ",
                std::to_string(returns.rows()), " rows of returns were given"})};
  }
  if (c.estimator == CovarianceEstimator::kFactor && (c.factors < 1 || c.factors > n)) {
    return Error{concat({"risk model: factors must be in 1..", std::to_string(n),
                         " (the number of assets), got ", std::to_string(c.factors)})};
  }
  const Eigen::MatrixXd x = returns.bottomRows(c.lookback_days);
  if (auto ok = check_finite_returns(x); !ok) {
    return Error{concat({"risk model: ", ok.error().message, " (row counted within the last ",
                         std::to_string(c.lookback_days), ")"})};
  }

  RiskModel m;
  m.estimator = c.estimator;
  m.observations = x.rows();
  const CovarianceEstimator base =
      c.estimator == CovarianceEstimator::kFactor ? options.factor_base : c.estimator;
  auto dense = dense_estimate(x, base, options, m.shrinkage_intensity);
  if (!dense) return Error{concat({"risk model: ", dense.error().message})};
  auto done = finish(std::move(dense.value()), std::move(m), options.periods_per_year,
                     options.repair_epsilon);
  if (!done || c.estimator != CovarianceEstimator::kFactor) return done;

  // Factor form: principal components of the repaired, annualised base.
  RiskModel& fm = done.value();
  auto factors = FactorModel::principal_components(fm.covariance, c.factors);
  if (!factors) return Error{concat({"risk model: ", factors.error().message})};
  fm.covariance = factors.value().covariance();
  fm.factors = std::move(factors.value());
  return done;
}

Result<RiskModel> RiskModel::from_covariance(Eigen::MatrixXd per_period,
                                             CovarianceEstimator estimator, double periods_per_year,
                                             double repair_epsilon) {
  RiskModelOptions o;
  o.periods_per_year = periods_per_year;
  o.repair_epsilon = repair_epsilon;
  if (auto ok = check_options(o); !ok) return Error{ok.error()};
  RiskModel m;
  m.estimator = estimator;
  return finish(std::move(per_period), std::move(m), periods_per_year, repair_epsilon);
}

}  // namespace ballast
