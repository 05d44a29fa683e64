// Long-only allocation models on the rebalancing optimizer (engine).
#include <cmath>

#include "ballast/engine/optimizer.hpp"
#include "ballast/risk/allocation.hpp"

namespace ballast {

namespace {

/// min (gamma/2) w' cov w - mu'w, sum w = 1, bounds: the optimizer with target 0, alpha = mu,
/// tracking weight gamma / 2, no costs, cash fixed at 0.
Result<Eigen::VectorXd> solve_long_only(const Eigen::MatrixXd& cov, const Eigen::VectorXd* mu,
                                        double half_gamma, const LongOnlyOptions& opt) {
  const Eigen::Index n = cov.rows();
  if (n == 0 || cov.cols() != n)
    return Error{"allocation: covariance must be square and non-empty"};
  if (mu != nullptr && mu->size() != n) {
    return Error{"allocation: expected returns have " + std::to_string(mu->size()) +
                 " entries, expected " + std::to_string(n)};
  }
  RebalanceProblem p;
  p.sigma.dense = cov;
  p.target = Eigen::VectorXd::Zero(n);
  p.current = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  p.current_cash = 0;
  p.cost = Eigen::VectorXd::Zero(n);
  if (mu != nullptr) p.alpha = *mu;
  p.lower = opt.lower.size() ? opt.lower : Eigen::VectorXd::Zero(n);
  p.upper = opt.upper.size() ? opt.upper : Eigen::VectorXd::Ones(n);
  p.cash_buffer = 0;
  p.cash_max = 0;
  p.tracking_weight = half_gamma;
  RebalanceOptimizer o;
  if (auto s = o.load(p); !s) return Error{"allocation: " + s.error().message};
  auto r = o.solve();
  if (!r) return Error{"allocation: " + r.error().message};
  if (!r.value().polished) return Error{"allocation: the solver did not reach an exact optimum"};
  return r.value().weights;
}

}  // namespace

Result<Eigen::VectorXd> minimum_variance(const Eigen::MatrixXd& cov, const LongOnlyOptions& opt) {
  return solve_long_only(cov, nullptr, 1.0, opt);
}

Result<Eigen::VectorXd> mean_variance(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mu,
                                      double risk_aversion, const LongOnlyOptions& opt) {
  if (!(risk_aversion > 0)) return Error{"allocation: risk_aversion must be > 0"};
  return solve_long_only(cov, &mu, risk_aversion / 2.0, opt);
}

Result<Eigen::VectorXd> max_sharpe(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mu,
                                   double risk_free, const LongOnlyOptions& opt) {
  auto sharpe_at = [&](double log_gamma, Eigen::VectorXd& w) -> Result<double> {
    auto r = mean_variance(cov, mu, std::exp(log_gamma), opt);
    if (!r) return r.error();
    w = r.value();
    const double vol = std::sqrt(std::max(0.0, w.dot(cov * w)));
    if (vol <= 0) return Error{"allocation: a zero-variance portfolio on the frontier"};
    return (mu.dot(w) - risk_free) / vol;
  };
  // Golden-section search on log(gamma) in [log 1e-4, log 1e6].
  const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = std::log(1e-4), b = std::log(1e6);
  Eigen::VectorXd wc, wd;
  double c = b - phi * (b - a), d = a + phi * (b - a);
  auto fc = sharpe_at(c, wc);
  auto fd = sharpe_at(d, wd);
  if (!fc) return fc.error();
  if (!fd) return fd.error();
  double sc = fc.value(), sd = fd.value();
  for (int it = 0; it < 80 && b - a > 1e-9; ++it) {
    if (sc < sd) {
      a = c;
      c = d;
      sc = sd;
      wc = wd;
      d = a + phi * (b - a);
      auto f = sharpe_at(d, wd);
      if (!f) return f.error();
      sd = f.value();
    } else {
      b = d;
      d = c;
      sd = sc;
      wd = wc;
      c = b - phi * (b - a);
      auto f = sharpe_at(c, wc);
      if (!f) return f.error();
      sc = f.value();
    }
  }
  const double best = std::max(sc, sd);
  if (!(best > 0)) {
    return Error{"allocation: no long-only portfolio has an expected return above risk_free"};
  }
  return sc >= sd ? wc : wd;
}

}  // namespace ballast
