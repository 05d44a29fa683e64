// Tracking-error model interface: what the drift monitor needs from a risk model.
#pragma once

#include <cstddef>
#include <vector>

#include "ballast/core/ids.hpp"

namespace ballast {

/// Annualised active variance a' Sigma a of active weights a = w - t. The risk model (optimizer
/// issue) implements it; CovarianceTrackingError below is the dense-matrix implementation.
/// Thread: the core thread only.
class TrackingErrorModel {
 public:
  virtual ~TrackingErrorModel() = default;
  /// a' Sigma a over instruments inst[0..n) with active weights active[0..n). Cash has zero risk
  /// and is left out by the caller. Must not allocate.
  virtual double active_variance(const InstrumentId* inst, const double* active,
                                 std::size_t n) const noexcept = 0;
};

/// A dense, annualised covariance matrix over the whole instrument universe (row-major).
class CovarianceTrackingError final : public TrackingErrorModel {
 public:
  /// `cov` is n x n, row-major, annualised.
  CovarianceTrackingError(std::size_t n, std::vector<double> cov) : n_(n), cov_(std::move(cov)) {}
  double active_variance(const InstrumentId* inst, const double* active,
                         std::size_t n) const noexcept override {
    double v = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (active[r] == 0) continue;
      const double* row = &cov_[inst[r].value * n_];
      double acc = 0;
      for (std::size_t c = 0; c < n; ++c) acc += row[inst[c].value] * active[c];
      v += active[r] * acc;
    }
    return v;
  }

 private:
  std::size_t n_;
  std::vector<double> cov_;
};

}  // namespace ballast
