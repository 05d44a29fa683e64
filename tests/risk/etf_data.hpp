// The real ETF total-return data for the risk tests, read by a deliberately plain CSV parser
// (independent of the adapters' loader): the classic 12's columns of
// ../shared/data/daily/etf37_assetallocation/ETFs_TotalReturnIndices.csv from 2005, shipped as
// tests/data/daily/etf12_total_return_2005-01-03_2023-06-09.csv (tests/data/README.md).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/risk/covariance.hpp"
#include "ballast/risk/returns.hpp"
#include "support/data_paths.hpp"

namespace ballast::test {

/// The classic 12 ETFs, complete from 2006-02-03.
inline const std::vector<std::string> kClassic12 = {"SPY", "EFA", "EEM", "AGG", "TLT", "IEF",
                                                    "LQD", "TIP", "GLD", "VNQ", "DBC", "SHY"};

inline std::string etf_csv_path() {
  return test_data("daily/etf12_total_return_2005-01-03_2023-06-09.csv");
}

/// Prices of chosen columns between two dates (inclusive, yyyymmdd), NaN for "NA".
struct PriceTable {
  std::vector<int> dates;  ///< yyyymmdd
  std::vector<std::string> symbols;
  Eigen::MatrixXd prices;  ///< rows = dates
};

inline std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  return out;
}

/// "M/D/YYYY" -> yyyymmdd.
inline int parse_mdy(const std::string& s) {
  const auto a = s.find('/');
  const auto b = s.find('/', a + 1);
  const int m = std::stoi(s.substr(0, a));
  const int d = std::stoi(s.substr(a + 1, b - a - 1));
  const int y = std::stoi(s.substr(b + 1));
  return y * 10000 + m * 100 + d;
}

/// Reads the ETF file; an empty table when it cannot be read (the tests then fail loudly).
inline PriceTable load_etf_prices(const std::vector<std::string>& symbols, int from, int to) {
  PriceTable t;
  t.symbols = symbols;
  std::ifstream in(etf_csv_path(), std::ios::binary);
  if (!in) return t;
  std::string line;
  std::getline(in, line);
  if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string> header = split_csv(line);
  std::vector<std::size_t> cols;
  for (const auto& s : symbols) {
    for (std::size_t c = 1; c < header.size(); ++c) {
      if (header[c] == s) cols.push_back(c);
    }
  }
  if (cols.size() != symbols.size()) return t;
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv(line);
    const int date = parse_mdy(f[0]);
    if (date < from || date > to) continue;
    std::vector<double> row;
    for (std::size_t c : cols) {
      row.push_back(f[c] == "NA" ? std::numeric_limits<double>::quiet_NaN()
                                 : std::strtod(f[c].c_str(), nullptr));
    }
    t.dates.push_back(date);
    rows.push_back(std::move(row));
  }
  t.prices.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      t.prices(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
    }
  }
  return t;
}

/// Daily log returns of the classic 12 over the rows dated 2016-01-01 .. 2019-12-31 (1,042 rows:
/// the file carries prices forward over weekday holidays, so those days have zero returns),
/// computed plainly (ln(p_t / p_{t-1})); loaded once.
inline const Eigen::MatrixXd& classic12_returns_2016_2019() {
  static const Eigen::MatrixXd r = [] {
    const PriceTable t = load_etf_prices(kClassic12, 20160101, 20191231);
    Eigen::MatrixXd out(std::max<Eigen::Index>(t.prices.rows() - 1, 0), t.prices.cols());
    for (Eigen::Index i = 1; i < t.prices.rows(); ++i) {
      for (Eigen::Index c = 0; c < t.prices.cols(); ++c) {
        out(i - 1, c) = std::log(t.prices(i, c) / t.prices(i - 1, c));
      }
    }
    return out;
  }();
  return r;
}

/// The annualised Ledoit-Wolf covariance of the classic 12, 2016-2019.
inline const Eigen::MatrixXd& cov12() {
  static const Eigen::MatrixXd c =
      ledoit_wolf(classic12_returns_2016_2019()).value().covariance * 252.0;
  return c;
}

}  // namespace ballast::test
