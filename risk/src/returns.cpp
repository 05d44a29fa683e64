// Returns from price tables.
#include "ballast/risk/returns.hpp"

#include <cmath>
#include <string>

#include "ballast/engine/engine_config.hpp"

namespace ballast {

namespace {

std::string cell(std::size_t row, std::size_t col) {
  return concat({"prices[", std::to_string(row), "][", std::to_string(col), "]"});
}

}  // namespace

Result<Returns> returns_from_prices(const Eigen::MatrixXd& prices, ReturnKind kind) {
  const auto rows = static_cast<std::size_t>(prices.rows());
  const auto cols = static_cast<std::size_t>(prices.cols());
  if (cols == 0) return Error{"returns_from_prices: the price table has no columns"};

  std::vector<std::size_t> complete;
  complete.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    bool missing = false;
    for (std::size_t c = 0; c < cols; ++c) {
      const double p = prices(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      if (std::isnan(p)) {
        missing = true;
        continue;
      }
      if (!std::isfinite(p) || p <= 0.0) {
        return Error{concat({"returns_from_prices: ", cell(r, c), " is ", format_double(p),
                             "; prices must be finite and > 0 (NaN marks a missing price)"})};
      }
    }
    if (!missing) complete.push_back(r);
  }
  if (complete.size() < 2) {
    return Error{concat({"returns_from_prices: need at least 2 rows with every price present, got ",
                         std::to_string(complete.size()), " of ", std::to_string(rows)})};
  }

  Returns out;
  out.dropped_rows = rows - complete.size();
  out.values.resize(static_cast<Eigen::Index>(complete.size() - 1),
                    static_cast<Eigen::Index>(cols));
  out.end_rows.assign(complete.begin() + 1, complete.end());
  for (std::size_t i = 1; i < complete.size(); ++i) {
    const auto r0 = static_cast<Eigen::Index>(complete[i - 1]);
    const auto r1 = static_cast<Eigen::Index>(complete[i]);
    for (Eigen::Index c = 0; c < static_cast<Eigen::Index>(cols); ++c) {
      const double ratio = prices(r1, c) / prices(r0, c);
      out.values(static_cast<Eigen::Index>(i - 1), c) =
          kind == ReturnKind::kLog ? std::log(ratio) : ratio - 1.0;
    }
  }
  return out;
}

Result<Returns> returns_from_prices(const std::vector<std::vector<double>>& prices,
                                    ReturnKind kind) {
  if (prices.empty()) return Error{"returns_from_prices: the price table has no rows"};
  const std::size_t cols = prices.front().size();
  Eigen::MatrixXd m(static_cast<Eigen::Index>(prices.size()), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < prices.size(); ++r) {
    if (prices[r].size() != cols) {
      return Error{
          concat({"returns_from_prices: row ", std::to_string(r), " has ",
                  std::to_string(prices[r].size()), " prices, row 0 has ", std::to_string(cols)})};
    }
    for (std::size_t c = 0; c < cols; ++c) {
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = prices[r][c];
    }
  }
  return returns_from_prices(m, kind);
}

}  // namespace ballast
