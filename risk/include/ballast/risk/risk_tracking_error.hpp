// The drift monitor's TrackingErrorModel backed by an estimated RiskModel (dense or factor form).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ballast/core/ids.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/tracking_error.hpp"
#include "ballast/risk/risk_model.hpp"

namespace ballast {

/// Annualised active variance a' Sigma a from a RiskModel whose assets are instruments.
/// Uses the factor form when the model has one: e' F e + sum_i d_i a_i^2 with e = B' a, which
/// costs O(mk + k^2) for m active instruments instead of O(m^2).
///
/// Instruments the model does not cover (see covers()) carry no risk, like cash: wire it with a
/// model over every instrument accounts can hold, and check covers() at start.
/// Thread: the core thread only (active_variance uses a workspace owned by the object). Does not
/// allocate after construction.
class RiskModelTrackingError final : public TrackingErrorModel {
 public:
  /// `columns[i]` is the instrument of row and column i of `model`; `universe_size` bounds the
  /// instrument ids (the instrument table's size). Errors: columns.size() != model.assets(), an
  /// invalid or out-of-range id, an id listed twice.
  static Result<RiskModelTrackingError> create(const RiskModel& model,
                                               const std::vector<InstrumentId>& columns,
                                               std::size_t universe_size);

  double active_variance(const InstrumentId* inst, const double* active,
                         std::size_t n) const noexcept override;

  /// Returns true when `id` is one of the model's instruments.
  bool covers(InstrumentId id) const noexcept;
  /// Returns true when active_variance uses the factor form.
  bool uses_factors() const noexcept { return factors_ > 0; }

 private:
  static constexpr std::uint32_t kNoColumn = UINT32_MAX;
  RiskModelTrackingError() = default;

  std::vector<std::uint32_t> column_of_;  ///< instrument id -> model column or kNoColumn
  Eigen::MatrixXd dense_;                 ///< dense form: the covariance
  Eigen::MatrixXd loadings_t_;  ///< factor form: B' (k x n; an instrument's loadings contiguous)
  Eigen::MatrixXd factor_cov_;  ///< factor form: F (k x k)
  Eigen::VectorXd specific_;    ///< factor form: d (n)
  Eigen::Index factors_ = 0;    ///< k; 0 for the dense form
  mutable Eigen::VectorXd exposure_;  ///< workspace e = B' a (k)
};

}  // namespace ballast
