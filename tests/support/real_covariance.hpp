// Real-data covariances for optimizer tests and benchmarks (shared so both use the same data).
#pragma once

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "ballast/adapters/market_data_files.hpp"
#include "ballast/engine/optimizer.hpp"

namespace ballast::test {

using Eigen::MatrixXd;
using Eigen::VectorXd;
using namespace std::chrono;

/// Annualised sample covariance of daily simple returns (empty when the data is missing) of the
/// first `n` usable columns of the ETF file `etf_csv` then the stock file `stocks_csv` over
/// 2015-01-02..2017-12-29, on the dates both files have (a column is usable when it has a price
/// on every one of them). The tests pass the shipped extracts of those rows
/// (real_covariance_shipped); the benchmarks the whole files in ../shared/data.
inline Eigen::MatrixXd real_covariance_files(const std::string& etf_csv,
                                             const std::string& stocks_csv, int n) {
  auto etf = load_daily_closes(etf_csv);
  auto stk = load_daily_closes(stocks_csv);
  if (!etf.ok() || !stk.ok()) return Eigen::MatrixXd();
  const auto& e = etf.value();
  const auto& s = stk.value();
  std::vector<std::vector<double>> series;  // per chosen column, aligned on the ETF dates
  const CivilDate from{year{2015} / 1 / 2}, to{year{2017} / 12 / 29};
  std::vector<std::size_t> rows;
  std::vector<std::optional<std::size_t>> srows;
  for (std::size_t r = 0; r < e.rows(); ++r) {
    if (e.dates[r] < from || e.dates[r] > to) continue;
    // The ETF file carries prices through market holidays; the stock file has no such rows.
    const auto sr = s.row(e.dates[r]);
    if (!sr) continue;
    rows.push_back(r);
    srows.push_back(sr);
  }
  auto usable = [&](auto get) {
    std::vector<double> v;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const std::optional<Price> p = get(k);
      if (!p) return std::vector<double>{};
      v.push_back(p->to_double());
    }
    return v;
  };
  for (std::size_t c = 0; c < e.columns() && static_cast<int>(series.size()) < n; ++c) {
    auto v = usable([&](std::size_t k) { return e.at(rows[k], c); });
    if (!v.empty()) series.push_back(v);
  }
  for (std::size_t c = 0; c < s.columns() && static_cast<int>(series.size()) < n; ++c) {
    auto v = usable([&](std::size_t k) -> std::optional<Price> {
      return srows[k] ? s.at(*srows[k], c) : std::nullopt;
    });
    if (!v.empty()) series.push_back(v);
  }
  if (static_cast<int>(series.size()) != n) return Eigen::MatrixXd();
  const std::size_t t = rows.size() - 1;
  MatrixXd ret(static_cast<Eigen::Index>(t), n);
  for (int j = 0; j < n; ++j) {
    for (std::size_t k = 0; k < t; ++k) {
      ret(static_cast<Eigen::Index>(k), j) =
          series[static_cast<std::size_t>(j)][k + 1] / series[static_cast<std::size_t>(j)][k] - 1.0;
    }
  }
  const MatrixXd centred = ret.rowwise() - ret.colwise().mean();
  return (centred.transpose() * centred) / static_cast<double>(t - 1) * 252.0;
}

/// real_covariance_files on the ETF and stock files of a shared data directory (../shared/data).
inline Eigen::MatrixXd real_covariance(const std::string& data_dir, int n) {
  return real_covariance_files(
      data_dir + "/daily/etf37_assetallocation/ETFs_TotalReturnIndices.csv",
      data_dir + "/daily/pyportfolioopt/tests_stock_prices_1989_2018.csv", n);
}

/// real_covariance_files on the extracts shipped in `source_dir`/tests/data/daily (the same rows,
/// so the same covariance as the whole files give).
inline Eigen::MatrixXd real_covariance_shipped(const std::string& source_dir, int n) {
  const std::string dir = source_dir + "/tests/data/daily/";
  return real_covariance_files(dir + "etf37_total_return_2015-01-02_2017-12-29.csv",
                               dir + "pyportfolioopt_stocks_2015-01-02_2017-12-29.csv", n);
}

/// n = 200 from the real 50-asset covariance: k = 5 principal components, each synthetic asset
/// the loadings of real asset (j mod 50) times (1 + 10% noise), its specific variance that
/// asset's residual variance.
inline Covariance factor_from_real(const Eigen::MatrixXd& real, int n, std::mt19937_64& rng) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(real);
  const int k = 5;
  const Eigen::Index m = real.rows();
  MatrixXd b = es.eigenvectors().rightCols(k) * es.eigenvalues().tail(k).cwiseSqrt().asDiagonal();
  VectorXd spec = (real.diagonal() - (b * b.transpose()).diagonal()).cwiseMax(1e-4);
  std::normal_distribution<double> noise(0.0, 0.1);
  Covariance c;
  c.loadings.resize(n, k);
  c.specific.resize(n);
  for (int j = 0; j < n; ++j) {
    for (int f = 0; f < k; ++f) c.loadings(j, f) = b(j % m, f) * (1.0 + noise(rng));
    c.specific[j] = spec[j % m];
  }
  c.factor_cov = MatrixXd::Identity(k, k);
  return c;
}

/// A rebalancing problem over `sigma`: random targets and holdings, 5-25 bps costs; variant 1 adds
/// impact, bounds, a cash buffer and no-buy/no-sell; variant 2 also a binding turnover cap.
inline RebalanceProblem make_problem(Covariance sigma, int n, int variant, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.1, 1.0);
  RebalanceProblem p;
  p.sigma = std::move(sigma);
  VectorXd t(n), w0(n);
  for (int i = 0; i < n; ++i) {
    t[i] = u(rng);
    w0[i] = u(rng);
  }
  p.target = t / t.sum() * 0.97;
  p.current = w0 / w0.sum() * 0.99;
  p.current_cash = 0.01;
  p.cost = VectorXd::NullaryExpr(n, [&] { return 0.0005 + 0.002 * u(rng); });
  p.cost_weight = variant == 0 ? 1.0 : 4.0;
  if (variant >= 1) {
    p.impact = VectorXd::NullaryExpr(n, [&] { return 0.5 * u(rng); });
    p.impact_weight = 1.0;
    p.upper = VectorXd::Constant(n, 1.5 / n + 0.02);
    p.cash_buffer = 0.02;
    p.no_buy.assign(static_cast<std::size_t>(n), 0);
    p.no_sell.assign(static_cast<std::size_t>(n), 0);
    p.no_buy[0] = 1;
    p.no_sell[1] = 1;
  }
  if (variant == 2) p.turnover_cap = 0.4 * (p.current - p.target).cwiseAbs().sum();
  return p;
}

inline void write_problem(std::ostream& f, const RebalanceProblem& p) {
  const Eigen::Index n = p.size();
  f.precision(17);
  f << n << "\n";
  MatrixXd dense =
      p.sigma.is_factor()
          ? MatrixXd(p.sigma.loadings * p.sigma.factor_cov * p.sigma.loadings.transpose())
          : p.sigma.dense;
  if (p.sigma.is_factor()) dense.diagonal() += p.sigma.specific;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) f << dense(i, j) << ' ';
  }
  f << "\n";
  for (Eigen::Index i = 0; i < n; ++i) f << p.target[i] << ' ';
  f << "\n";
  for (Eigen::Index i = 0; i < n; ++i) f << p.current[i] << ' ';
  f << p.current_cash << "\n";
  for (Eigen::Index i = 0; i < n; ++i) f << p.cost_weight * p.cost[i] << ' ';
  f << "\n";
  for (Eigen::Index i = 0; i < n; ++i)
    f << (p.impact.size() ? p.impact_weight * p.impact[i] : 0.0) << ' ';
  f << "\n";
  for (Eigen::Index i = 0; i < n; ++i) {
    double lo = p.lower.size() ? p.lower[i] : 0.0;
    if (!p.no_sell.empty() && p.no_sell[static_cast<std::size_t>(i)])
      lo = std::max(lo, p.current[i]);
    f << lo << ' ';
  }
  f << "\n";
  for (Eigen::Index i = 0; i < n; ++i) {
    double hi = p.upper.size() ? p.upper[i] : 1.0;
    if (!p.no_buy.empty() && p.no_buy[static_cast<std::size_t>(i)]) hi = std::min(hi, p.current[i]);
    f << hi << ' ';
  }
  f << "\n"
    << p.cash_buffer << ' ' << p.tracking_weight << ' '
    << (std::isfinite(p.turnover_cap) ? std::to_string(p.turnover_cap) : std::string("inf"))
    << "\n";
}

}  // namespace ballast::test
