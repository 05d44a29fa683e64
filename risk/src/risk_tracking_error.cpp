// RiskModelTrackingError: the drift monitor's tracking-error model from an estimated RiskModel.
#include "ballast/risk/risk_tracking_error.hpp"

#include <string>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

Result<RiskModelTrackingError> RiskModelTrackingError::create(
    const RiskModel& model, const std::vector<InstrumentId>& columns, std::size_t universe_size) {
  const auto n = static_cast<std::size_t>(model.assets());
  if (n == 0 || model.covariance.cols() != model.covariance.rows()) {
    return Error{"tracking-error model: the risk model has no square covariance"};
  }
  if (columns.size() != n) {
    return Error{
        concat({"tracking-error model: the risk model has ", std::to_string(n), " assets but ",
                std::to_string(columns.size()), " instruments were given"})};
  }
  RiskModelTrackingError te;
  te.column_of_.assign(universe_size, kNoColumn);
  for (std::size_t i = 0; i < n; ++i) {
    const InstrumentId id = columns[i];
    if (!id.valid() || id.value >= universe_size) {
      return Error{concat({"tracking-error model: instrument id ", std::to_string(id.value),
                           " of column ", std::to_string(i), " is outside the universe of ",
                           std::to_string(universe_size)})};
    }
    if (te.column_of_[id.value] != kNoColumn) {
      return Error{concat({"tracking-error model: instrument id ", std::to_string(id.value),
                           " is given for columns ", std::to_string(te.column_of_[id.value]),
                           " and ", std::to_string(i)})};
    }
    te.column_of_[id.value] = static_cast<std::uint32_t>(i);
  }
  if (model.factors) {
    te.loadings_t_ = model.factors->loadings().transpose();
    te.factor_cov_ = model.factors->factor_covariance();
    te.specific_ = model.factors->specific_variances();
    te.factors_ = model.factors->factors();
    te.exposure_ = Eigen::VectorXd::Zero(te.factors_);
  } else {
    te.dense_ = model.covariance;
  }
  return te;
}

bool RiskModelTrackingError::covers(InstrumentId id) const noexcept {
  return id.value < column_of_.size() && column_of_[id.value] != kNoColumn;
}

double RiskModelTrackingError::active_variance(const InstrumentId* inst, const double* active,
                                               std::size_t n) const noexcept {
  const std::size_t universe = column_of_.size();
  auto column = [&](std::size_t r) -> std::uint32_t {
    return inst[r].value < universe ? column_of_[inst[r].value] : kNoColumn;
  };
  if (factors_ == 0) {
    double v = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::uint32_t cr = column(r);
      if (active[r] == 0.0 || cr == kNoColumn) continue;
      double acc = 0.0;
      for (std::size_t c = 0; c < n; ++c) {
        const std::uint32_t cc = column(c);
        if (cc != kNoColumn) acc += dense_(cc, cr) * active[c];
      }
      v += active[r] * acc;
    }
    return v;
  }
  // e = B' a over the covered instruments, then e' F e + sum d_i a_i^2.
  exposure_.setZero();
  double specific = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::uint32_t cr = column(r);
    if (active[r] == 0.0 || cr == kNoColumn) continue;
    for (Eigen::Index j = 0; j < factors_; ++j) exposure_[j] += loadings_t_(j, cr) * active[r];
    specific += specific_[cr] * active[r] * active[r];
  }
  double common = 0.0;
  for (Eigen::Index j = 0; j < factors_; ++j) {
    double acc = 0.0;
    for (Eigen::Index i = 0; i < factors_; ++i) acc += factor_cov_(i, j) * exposure_[i];
    common += exposure_[j] * acc;
  }
  return common + specific;
}

}  // namespace ballast
