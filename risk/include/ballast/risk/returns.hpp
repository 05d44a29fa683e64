// Returns from price history: the input of every covariance estimator (rows = periods, columns =
// assets).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ballast/core/result.hpp"

namespace ballast {

/// Return periods in a year for daily bars; the default annualisation factor.
inline constexpr double kTradingDaysPerYear = 252.0;

/// Log returns ln(p_t / p_{t-1}) or simple returns p_t / p_{t-1} - 1.
enum class ReturnKind : std::uint8_t { kLog, kSimple };

/// Returns computed from a price table, and where each return came from.
struct Returns {
  Eigen::MatrixXd values;  ///< (complete rows - 1) x assets, oldest first
  /// For each return row, the index of the price row it ends at (its start is the previous
  /// complete row, which may be more than one price row earlier).
  std::vector<std::size_t> end_rows;
  std::size_t dropped_rows = 0;  ///< price rows dropped because a price was missing
};

/// Returns the returns of a price table (rows = dates in increasing order, columns = assets).
///
/// Missing values: a NaN cell is a missing price. Every price row with any missing cell is
/// dropped first; returns are then taken between consecutive remaining (complete) rows, so a
/// return that follows a dropped row spans the gap (for histories that only start late, as
/// before an ETF's inception, this just trims the leading rows).
///
/// Errors: no columns, fewer than 2 complete rows, a price that is infinite, zero or negative
/// (named by row and column).
Result<Returns> returns_from_prices(const Eigen::MatrixXd& prices,
                                    ReturnKind kind = ReturnKind::kLog);

/// As above for prices[row][column]; additionally, every row must have the same length.
Result<Returns> returns_from_prices(const std::vector<std::vector<double>>& prices,
                                    ReturnKind kind = ReturnKind::kLog);

}  // namespace ballast
