// The rebalancing optimizer: ADMM with a cached factorisation, then an exact polish.
#include "ballast/engine/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ballast/base/enum_names.hpp"

namespace ballast {

namespace {

using Eigen::Index;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

double soft(double d, double thr) noexcept {
  return d > thr ? d - thr : (d < -thr ? d + thr : 0.0);
}

/// The check of a point: the largest constraint violation (absolute, weight) and the largest
/// scaled KKT (stationarity / complementarity) violation, with where each occurs.
struct KktCheck {
  double primal = 0, dual = 0;
  const char* primal_what = "";  ///< "lower", "upper", "cash_buffer", "cash_max", "budget", ...
  Index primal_at = -1;          ///< instrument, or -1
  Index dual_at = -1;            ///< instrument, n for cash, -1 for the turnover multiplier
  double worst() const noexcept { return std::max(primal, dual); }
};

/// Instrument i's box [lo, hi] from every bound the problem states, and which bound each end
/// is (for the status reason). The solver (build_box) and the check of its answer (kkt_core) both
/// take it from here.
struct Box {
  double lo, hi;
  const char* lo_what;
  const char* hi_what;
};
Box box_of(const RebalanceProblem& p, Index i) {
  Box b{p.lower.size() ? p.lower[i] : 0.0, p.upper.size() ? p.upper[i] : 1.0, "lower", "upper"};
  const double w0 = p.current[i];
  if (p.upper_caps_buys_only && w0 > b.hi) b.hi = w0;  // a cap on buys: a weight above it stays
  const double cap_hi = b.hi;                          // before no_buy (the band test below)
  if (!p.no_sell.empty() && p.no_sell[static_cast<std::size_t>(i)] && w0 > b.lo) {
    b.lo = w0;
    b.lo_what = "no_sell";
  }
  if (!p.no_buy.empty() && p.no_buy[static_cast<std::size_t>(i)] && w0 < b.hi) {
    b.hi = w0;
    b.hi_what = "no_buy";
  }
  if (p.mode == RebalanceMode::kBandEdge) {
    // A cap on buys wins over the band's lower edge (the band cannot ask for a buy the cap
    // forbids); any other empty range stays empty, for feasibility() to report.
    double band_lo = p.target[i] - p.band[i];
    const char* band_lo_what = "band";
    if (p.upper_caps_buys_only && band_lo > cap_hi) {
      band_lo = cap_hi;
      band_lo_what = "upper";
    }
    if (band_lo > b.lo) b.lo_what = band_lo_what;
    if (p.target[i] + p.band[i] < b.hi) b.hi_what = "band";
    b.lo = std::max(b.lo, band_lo);
    b.hi = std::min(b.hi, p.target[i] + p.band[i]);
  }
  return b;
}

KktCheck kkt_core(const RebalanceProblem& p, const Eigen::Ref<const VectorXd>& sigma_dt,
                  const VectorXd& w, double cash, double nu, double mu) {
  const Index n = p.size();
  const bool band = p.mode == RebalanceMode::kBandEdge;
  const double lte = band ? 0.0 : p.tracking_weight;
  const double eps = proximity_weight(p);
  // g_i = 2 lte (Sigma (w - t))_i + impact + proximity + nu - alpha, built per instrument below.
  double scale = 1.0 + 2.0 * lte * sigma_dt.lpNorm<Eigen::Infinity>();
  KktCheck k;
  auto primal = [&](double v, const char* what, Index i) {
    if (v > k.primal || std::isnan(v)) {
      k.primal = std::isnan(v) ? kInf : v;
      k.primal_what = what;
      k.primal_at = i;
    }
  };
  auto dual = [&](double v, Index i) {
    if (v > k.dual || std::isnan(v)) {
      k.dual = std::isnan(v) ? kInf : v;
      k.dual_at = i;
    }
  };
  double turnover = 0;
  for (Index i = 0; i < n; ++i) {
    const double m = p.impact.size() ? p.impact[i] : 0.0;
    const double dw = w[i] - p.current[i];
    double gi = 2.0 * lte * sigma_dt[i] + 2.0 * p.impact_weight * m * dw + 2.0 * eps * dw + nu;
    if (p.alpha.size()) gi -= p.alpha[i];
    turnover += std::fabs(dw);
    const Box b = box_of(p, i);
    const double lo = b.lo, hi = b.hi;
    const char* lo_what = b.lo_what;
    const char* hi_what = b.hi_what;
    const double s = p.cost_weight * p.cost[i] + mu;
    const double tol = 1e-10;
    // Primal feasibility.
    primal(lo - w[i], lo_what, i);
    primal(w[i] - hi, hi_what, i);
    const bool at_lo = w[i] <= lo + tol;
    const bool at_hi = w[i] >= hi - tol;
    // The subgradient of s|w - w0| is s sign(dw), or any value in [-s, s] at dw = 0. The normal
    // cone adds any value <= 0 at the lower bound and >= 0 at the upper bound:
    // find the distance from -g to  s * d|.| + N_box.
    double lo_sub = std::fabs(dw) <= tol ? -s : (dw > 0 ? s : -s);
    double hi_sub = std::fabs(dw) <= tol ? s : (dw > 0 ? s : -s);
    if (at_lo) lo_sub = -kInf;
    if (at_hi) hi_sub = kInf;
    const double need = -gi;
    // A NaN multiplier or gradient certifies nothing (a comparison with NaN is false).
    const double viol = std::isnan(need) ? kInf
                        : need < lo_sub  ? lo_sub - need
                        : need > hi_sub  ? need - hi_sub
                                         : 0.0;
    dual(viol / scale, i);
  }
  // Cash: g_c = nu (no curvature, cost or alpha); bounds [buffer, cash_max].
  {
    primal(p.cash_buffer - cash, "cash_buffer", -1);
    primal(cash - p.cash_max, "cash_max", -1);
    const double need = -nu;
    double lo_sub = 0, hi_sub = 0;
    if (cash <= p.cash_buffer + 1e-10) lo_sub = -kInf;
    if (cash >= p.cash_max - 1e-10) hi_sub = kInf;
    // A NaN multiplier or gradient certifies nothing (a comparison with NaN is false).
    const double viol = std::isnan(need) ? kInf
                        : need < lo_sub  ? lo_sub - need
                        : need > hi_sub  ? need - hi_sub
                                         : 0.0;
    dual(viol / scale, n);
  }
  primal(std::fabs(w.sum() + cash - 1.0), "budget", -1);
  if (std::isfinite(p.turnover_cap)) {
    primal(turnover - p.turnover_cap, "turnover_cap", -1);
    dual(std::fabs(mu * (p.turnover_cap - turnover)) / scale, -1);
  }
  if (mu < 0) dual(-mu, -1);
  if (std::isnan(mu) || std::isnan(nu)) dual(kInf, -1);
  return k;
}

/// The least turnover of any point inside the boxes that meets the budget with cash in
/// [cash_lo, cash_hi], and its parts; or why there is none. Exact: bring every weight into its
/// box (the nearest point), then move the sum into the cash window at one unit of turnover per
/// unit, every such move going away from w0 (docs/optimizer.md, "Feasibility").
Status feasibility(Index n, const double* lo, const double* hi, const double* w0, double cash_lo,
                   double cash_hi, double cap) {
  double to_box = 0, lo_sum = 0, hi_sum = 0, s = 0;
  for (Index i = 0; i < n; ++i) {
    if (lo[i] > hi[i] + 1e-12) {
      return Error{"infeasible: instrument " + std::to_string(i) + " has an empty range [" +
                   num(lo[i]) + ", " + num(hi[i]) + "] (bounds, no-buy/no-sell and band together)"};
    }
    const double c = std::clamp(w0[i], lo[i], std::max(lo[i], hi[i]));
    to_box += std::fabs(c - w0[i]);
    s += c;
    lo_sum += lo[i];
    hi_sum += hi[i];
  }
  if (lo_sum + cash_lo > 1 + 1e-12) {
    return Error{"infeasible: the lower bounds (sum " + num(lo_sum) + ") plus the cash buffer (" +
                 num(cash_lo) + ") exceed 1"};
  }
  if (hi_sum + cash_hi < 1 - 1e-12) {
    return Error{"infeasible: the upper bounds (sum " + num(hi_sum) + ") plus cash_max (" +
                 num(cash_hi) + ") cannot reach 1"};
  }
  const double sell = std::max(0.0, s - (1.0 - cash_lo));  // to raise cash to the buffer
  const double buy = std::max(0.0, (1.0 - cash_hi) - s);   // to bring cash down to cash_max
  const double need = to_box + sell + buy;
  if (need > cap + 1e-12) {
    std::string why = "infeasible: turnover_cap " + num(cap) +
                      " is below the least turnover any feasible point needs, " + num(need) + ":";
    if (to_box > 0) why += " " + num(to_box) + " to bring weights inside their bounds";
    if (sell > 0) {
      why += std::string(to_box > 0 ? " and" : "") + " " + num(sell) +
             " of sales to raise cash to cash_buffer " + num(cash_lo);
    }
    if (buy > 0) {
      why += std::string(to_box > 0 ? " and" : "") + " " + num(buy) +
             " of purchases to bring cash down to cash_max " + num(cash_hi);
    }
    return Error{why};
  }
  return Ok{};
}

std::string at(const char* field, Index i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

}  // namespace

VectorXd Covariance::multiply(const VectorXd& x) const {
  if (!is_factor()) return dense * x;
  return loadings * (factor_cov * (loadings.transpose() * x)) + specific.cwiseProduct(x);
}

void Covariance::multiply_into(const Eigen::Ref<const VectorXd>& x, Eigen::Ref<VectorXd> out,
                               VectorXd& tk1, VectorXd& tk2) const {
  if (!is_factor()) {
    out.noalias() = dense * x;
    return;
  }
  tk1.noalias() = loadings.transpose() * x;
  tk2.noalias() = factor_cov * tk1;
  out.noalias() = loadings * tk2;
  out += specific.cwiseProduct(x);
}

Status RebalanceProblem::validate() const {
  const Index n = size();
  if (n == 0) return Error{"rebalance problem: no instruments (target is empty)"};
  auto same = [&](const VectorXd& v, const char* name, bool optional) -> Status {
    if (optional && v.size() == 0) return Ok{};
    if (v.size() != n) {
      return Error{std::string("rebalance problem: ") + name + " has " + std::to_string(v.size()) +
                   " entries, expected " + std::to_string(n)};
    }
    for (Index i = 0; i < n; ++i) {
      if (!std::isfinite(v[i]))
        return Error{"rebalance problem: " + at(name, i) + " is not finite"};
    }
    return Ok{};
  };
  for (auto s :
       {same(target, "target", false), same(current, "current", false), same(cost, "cost", false),
        same(impact, "impact", true), same(alpha, "alpha", true), same(lower, "lower", true),
        same(upper, "upper", true)}) {
    if (!s) return s;
  }
  if (mode == RebalanceMode::kBandEdge) {
    if (auto s = same(band, "band", false); !s) return s;
    for (Index i = 0; i < n; ++i) {
      if (band[i] < 0) return Error{"rebalance problem: " + at("band", i) + " is negative"};
    }
  }
  for (Index i = 0; i < n; ++i) {
    if (cost[i] < 0) return Error{"rebalance problem: " + at("cost", i) + " is negative"};
    if (impact.size() && impact[i] < 0) {
      return Error{"rebalance problem: " + at("impact", i) + " is negative"};
    }
  }
  if (sigma.size() != n) {
    return Error{"rebalance problem: covariance is " + std::to_string(sigma.size()) + " x " +
                 std::to_string(sigma.size()) + ", expected " + std::to_string(n)};
  }
  if (sigma.is_factor()) {
    const Index k = sigma.loadings.cols();
    if (sigma.loadings.rows() != n || sigma.factor_cov.rows() != k ||
        sigma.factor_cov.cols() != k) {
      return Error{"rebalance problem: factor covariance has inconsistent shapes"};
    }
    for (Index i = 0; i < n; ++i) {
      // 0 is allowed: k = n factors reproduce Sigma with no specific part (load() then solves
      // in dense form).
      if (!(sigma.specific[i] >= 0) || !std::isfinite(sigma.specific[i])) {
        return Error{"rebalance problem: " + at("specific variance", i) +
                     " must be finite and >= 0"};
      }
    }
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < k; ++j) {
        if (!std::isfinite(sigma.loadings(i, j)))
          return Error{"rebalance problem: factor loadings are not finite"};
      }
    }
    if (!sigma.factor_cov.allFinite())
      return Error{"rebalance problem: factor covariance is not finite"};
  } else if (sigma.dense.cols() != n) {
    return Error{"rebalance problem: covariance is not square"};
  } else if (!sigma.dense.allFinite()) {
    return Error{"rebalance problem: covariance is not finite"};
  }
  if (no_buy.size() != 0 && static_cast<Index>(no_buy.size()) != n) {
    return Error{"rebalance problem: no_buy has the wrong length"};
  }
  if (no_sell.size() != 0 && static_cast<Index>(no_sell.size()) != n) {
    return Error{"rebalance problem: no_sell has the wrong length"};
  }
  if (!(cash_buffer >= 0 && cash_buffer < 1)) {
    return Error{"rebalance problem: cash_buffer must be in [0, 1)"};
  }
  if (!(cash_max >= cash_buffer && cash_max <= 1)) {
    return Error{"rebalance problem: cash_max must be in [cash_buffer, 1]"};
  }
  if (!(turnover_cap >= 0)) return Error{"rebalance problem: turnover_cap must be >= 0"};
  if (!(tracking_weight >= 0 && cost_weight >= 0 && impact_weight >= 0)) {
    return Error{"rebalance problem: objective weights must be >= 0"};
  }
  return Ok{};
}

// ------------------------------------------------------------------ set-up

void RebalanceOptimizer::build_box() {
  ws_.cand_sdt_fresh = false;  // the problem changed (every load, update and freeze comes here)
  const Index n = p_.size();
  lo_.resize(n + 1);
  hi_.resize(n + 1);
  w0_.resize(n + 1);
  cbar_.resize(n + 1);
  for (Index i = 0; i < n; ++i) {
    const Box b = box_of(p_, i);
    lo_[i] = b.lo;
    hi_[i] = b.hi;
    w0_[i] = p_.current[i];
    cbar_[i] = p_.cost_weight * p_.cost[i];
  }
  lo_[n] = p_.cash_buffer;
  hi_[n] = p_.cash_max;
  w0_[n] = p_.current_cash;
  cbar_[n] = 0.0;
}

Status RebalanceOptimizer::check_feasible() const {
  const Index n = p_.size();
  return feasibility(n, lo_.data(), hi_.data(), w0_.data(), lo_[n], hi_[n], p_.turnover_cap);
}

void RebalanceOptimizer::build_linear_term() {
  // q = -2 lambda_te Sigma t - 2 lambda_m diag(m) w0 - alpha - 2 eps w0 (cash entry 0).
  const Index n = p_.size();
  q_.setZero(n + 1);
  if (lambda_te_ > 0) q_.head(n) = -2.0 * lambda_te_ * ws_.sigma_t;
  for (Index i = 0; i < n; ++i) q_[i] -= mdiag_[i] * w0_[i];  // mdiag = 2 (lambda_m m + eps)
  if (p_.alpha.size()) q_.head(n) -= p_.alpha;
}

void RebalanceOptimizer::apply_p_into(const VectorXd& x, VectorXd& out) const {
  const Index n = p_.size();
  if (lambda_te_ > 0) {
    p_.sigma.multiply_into(x.head(n), out.head(n), ws_.tk1, ws_.tk2);
    out.head(n) *= 2.0 * lambda_te_;
  } else {
    out.head(n).setZero();
  }
  out.head(n) += mdiag_.head(n).cwiseProduct(x.head(n));
  out[n] = 0.0;
}

Status RebalanceOptimizer::load(const RebalanceProblem& p) {
  if (auto s = p.validate(); !s) return s;
  p_ = p;
  loaded_ = false;
  have_solution_ = false;
  const Index n = p_.size();
  lambda_te_ = p_.mode == RebalanceMode::kBandEdge ? 0.0 : p_.tracking_weight;
  eps_prox_ = proximity_weight(p_);
  if (p_.sigma.is_factor()) {
    // The exact active-set solve divides by the specific variances (Woodbury on the free set):
    // a factor model with (almost) none, e.g. k = n factors, is solved in dense form instead.
    bool tiny = false;
    for (Index i = 0; i < n && !tiny; ++i) {
      const double common =
          p_.sigma.loadings.row(i) * p_.sigma.factor_cov * p_.sigma.loadings.row(i).transpose();
      tiny = !(p_.sigma.specific[i] > 1e-9 * std::max(common, 1e-300));
    }
    if (tiny) {
      p_.sigma.dense = p_.sigma.loadings * p_.sigma.factor_cov * p_.sigma.loadings.transpose();
      p_.sigma.dense.diagonal() += p_.sigma.specific;
      p_.sigma.dense = 0.5 * (p_.sigma.dense + p_.sigma.dense.transpose()).eval();
      p_.sigma.loadings.resize(0, 0);
      p_.sigma.factor_cov.resize(0, 0);
      p_.sigma.specific.resize(0);
    }
  }
  build_box();
  // Diagonal part of P besides 2 lambda_te Sigma: 2 lambda_m m_i + 2 eps.
  mdiag_.setZero(n + 1);
  for (Index i = 0; i < n; ++i) {
    mdiag_[i] = 2.0 * (p_.impact_weight * (p_.impact.size() ? p_.impact[i] : 0.0) + eps_prox_);
  }
  // rho from the scale of P's diagonal (ADMM converges fastest with rho near P's magnitude).
  double diag_mean = 0;
  for (Index i = 0; i < n; ++i) {
    double d = mdiag_[i];
    if (lambda_te_ > 0) {
      d += 2.0 * lambda_te_ *
           (p_.sigma.is_factor()
                ? p_.sigma.specific[i] + p_.sigma.loadings.row(i) * p_.sigma.factor_cov *
                                             p_.sigma.loadings.row(i).transpose()
                : p_.sigma.dense(i, i));
    }
    diag_mean += d;
  }
  diag_mean /= static_cast<double>(n);
  // Near-linear problems (band-edge mode, costs only) have a tiny P: rho then follows the cost
  // scale (dual values ~ c, primal steps ~ 0.1 of NAV), or the prox thresholds c/rho explode.
  const double cost_scale = 10.0 * cbar_.head(n).mean();
  rho_ = settings_.rho > 0 ? settings_.rho : std::max({1e-6, diag_mean, cost_scale});
  const Index kf = p_.sigma.is_factor() ? p_.sigma.loadings.cols() : 0;
  ws_.tk1.resize(kf);
  ws_.tk2.resize(kf);
  for (auto* v : {&ws_.v1, &ws_.v2, &ws_.v3}) v->resize(n + 1);
  ws_.cand_sdt.resize(n);
  ws_.cand_sdt_fresh = false;
  ws_.b.resize(n);
  ws_.dinv.resize(n);
  for (auto* mtx : {&ws_.rhs, &ws_.rhsd, &ws_.solm}) mtx->resize(n, 3);
  ws_.bf.resize(n, kf);
  ws_.bfs.resize(n, kf);
  ws_.kx3.resize(kf, 3);
  ws_.core.resize(kf, kf);
  // The reduced system is formed densely unless the Woodbury route applies (factor form with a
  // tracking term); band-edge mode with a factor covariance therefore needs it too.
  const bool dense_reduced = !p_.sigma.is_factor() || lambda_te_ == 0;
  ws_.mff.resize(dense_reduced ? n : 0, dense_reduced ? n : 0);
  ws_.sigma_t.resize(n);
  p_.sigma.multiply_into(p_.target, ws_.sigma_t, ws_.tk1, ws_.tk2);
  cand_w_.resize(n);
  free_.reserve(static_cast<std::size_t>(n));
  as_.fixed.resize(n + 1);
  as_.sign.resize(n + 1);
  if (auto f = factorize(); !f) return f;
  build_linear_term();
  for (auto* v : {&x_, &z_, &u_, &z_prev_, &rhs_, &y_, &v_}) v->setZero(n + 1);
  loaded_ = true;
  return Ok{};
}

Status RebalanceOptimizer::factorize() {
  const Index n = p_.size();
  // Factorise K = P + rho I.
  ++c_.factorizations;
  if (!p_.sigma.is_factor() || lambda_te_ == 0) {
    if (lambda_te_ == 0) {
      k_diag_inv_ = (mdiag_.array() + rho_).inverse().matrix();
      wb_b_.resize(0, 0);
    } else {
      Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n + 1, n + 1);
      k.topLeftCorner(n, n) = 2.0 * lambda_te_ * p_.sigma.dense;
      k.diagonal() += mdiag_;
      k.diagonal().array() += rho_;
      k_llt_.compute(k);
      if (k_llt_.info() != Eigen::Success) return Error{"covariance is not positive semidefinite"};
      k_diag_inv_.resize(0);
      wb_b_.resize(0, 0);
    }
  } else {
    // K = Dk + Bt Ft Bt' with Dk diagonal: Woodbury, core C = Ft^-1 + Bt' Dk^-1 Bt (k x k).
    const Index k = p_.sigma.loadings.cols();
    VectorXd dk = mdiag_.array() + rho_;
    dk.head(n) += 2.0 * lambda_te_ * p_.sigma.specific;
    k_diag_inv_ = dk.cwiseInverse();
    wb_b_ = Eigen::MatrixXd::Zero(n + 1, k);
    wb_b_.topRows(n) = p_.sigma.loadings;
    Eigen::LLT<Eigen::MatrixXd> f_llt((2.0 * lambda_te_) * p_.sigma.factor_cov);
    if (f_llt.info() != Eigen::Success) return Error{"factor covariance is not positive definite"};
    ft_inv_ = f_llt.solve(Eigen::MatrixXd::Identity(k, k));
    Eigen::MatrixXd core = ft_inv_ + wb_b_.transpose() * k_diag_inv_.asDiagonal() * wb_b_;
    wb_core_.compute(core);
    if (wb_core_.info() != Eigen::Success)
      return Error{"factor model core is not positive definite"};
  }
  k_inv_ones_.resize(n + 1);
  solve_k(VectorXd::Ones(n + 1), k_inv_ones_);
  ones_k_inv_ones_ = k_inv_ones_.sum();
  return Ok{};
}

Status RebalanceOptimizer::update_current(const VectorXd& current, double current_cash) {
  if (!loaded_) return Error{"optimizer: update_current before load"};
  if (current.size() != p_.size()) return Error{"optimizer: current has the wrong length"};
  p_.current = current;
  p_.current_cash = current_cash;
  build_box();
  build_linear_term();
  return Ok{};
}

Status RebalanceOptimizer::update_targets(const VectorXd& target) {
  if (!loaded_) return Error{"optimizer: update_targets before load"};
  if (target.size() != p_.size()) return Error{"optimizer: target has the wrong length"};
  p_.target = target;
  p_.sigma.multiply_into(p_.target, ws_.sigma_t, ws_.tk1, ws_.tk2);
  build_box();
  build_linear_term();
  return Ok{};
}

Status RebalanceOptimizer::update_costs(const VectorXd& cost) {
  if (!loaded_) return Error{"optimizer: update_costs before load"};
  if (cost.size() != p_.size()) return Error{"optimizer: cost has the wrong length"};
  p_.cost = cost;
  build_box();
  return Ok{};
}

Status RebalanceOptimizer::update_bands(const VectorXd& band) {
  if (!loaded_) return Error{"optimizer: update_bands before load"};
  if (p_.mode != RebalanceMode::kBandEdge) return Error{"optimizer: bands need band-edge mode"};
  if (band.size() != p_.size()) return Error{"optimizer: band has the wrong length"};
  for (Index i = 0; i < band.size(); ++i) {
    if (!(band[i] >= 0) || !std::isfinite(band[i])) {
      return Error{"optimizer: band[" + std::to_string(i) + "] must be finite and >= 0"};
    }
  }
  p_.band = band;
  build_box();
  return Ok{};
}

Status RebalanceOptimizer::update_cash_bounds(double cash_buffer, double cash_max) {
  if (!loaded_) return Error{"optimizer: update_cash_bounds before load"};
  if (!(cash_buffer >= 0) || !(cash_max <= 1) || !(cash_buffer <= cash_max)) {
    return Error{"optimizer: cash bounds must satisfy 0 <= cash_buffer <= cash_max <= 1, got " +
                 std::to_string(cash_buffer) + " and " + std::to_string(cash_max)};
  }
  p_.cash_buffer = cash_buffer;
  p_.cash_max = cash_max;
  build_box();
  return Ok{};
}

void RebalanceOptimizer::freeze(Index i) {
  if (p_.no_buy.empty()) p_.no_buy.assign(static_cast<std::size_t>(p_.size()), 0);
  if (p_.no_sell.empty()) p_.no_sell.assign(static_cast<std::size_t>(p_.size()), 0);
  p_.no_buy[static_cast<std::size_t>(i)] = 1;
  p_.no_sell[static_cast<std::size_t>(i)] = 1;
  build_box();
}

void RebalanceOptimizer::solve_k(const VectorXd& rhs, VectorXd& out) const {
  if (wb_b_.size() != 0) {
    // Woodbury: K^-1 r = Dk^-1 r - Dk^-1 B C^-1 B' Dk^-1 r.
    ws_.v3 = k_diag_inv_.cwiseProduct(rhs);
    ws_.tk1.noalias() = wb_b_.transpose() * ws_.v3;
    wb_core_.solveInPlace(ws_.tk1);
    out.noalias() = wb_b_ * ws_.tk1;
    out = ws_.v3 - k_diag_inv_.cwiseProduct(out);
  } else if (k_diag_inv_.size() != 0) {
    out = k_diag_inv_.cwiseProduct(rhs);
  } else {
    out = rhs;
    k_llt_.solveInPlace(out);
  }
}

// ------------------------------------------------------------------ ADMM

double RebalanceOptimizer::turnover_at(const VectorXd& v, double mu) const {
  const Index n = p_.size();
  double t = 0;
  for (Index i = 0; i < n; ++i) {
    const double d =
        std::clamp(soft(v[i] - w0_[i], (cbar_[i] + mu) / rho_), lo_[i] - w0_[i], hi_[i] - w0_[i]);
    t += std::fabs(d);
  }
  return t;
}

void RebalanceOptimizer::prox(const VectorXd& v, VectorXd& z, double& mu) const {
  const Index n = p_.size();
  mu = 0;
  if (std::isfinite(p_.turnover_cap) && turnover_at(v, 0.0) > p_.turnover_cap) {
    // Turnover is non-increasing in mu: bisect for the mu that meets the cap.
    double lo = 0, hi = 1;
    while (turnover_at(v, hi) > p_.turnover_cap && hi < 1e12) hi *= 2;
    for (int it = 0; it < 100 && hi - lo > 1e-15 * std::max(1.0, hi); ++it) {
      const double mid = 0.5 * (lo + hi);
      (turnover_at(v, mid) > p_.turnover_cap ? lo : hi) = mid;
    }
    mu = hi;
  }
  for (Index i = 0; i < n; ++i) {
    z[i] = w0_[i] + std::clamp(soft(v[i] - w0_[i], (cbar_[i] + mu) / rho_), lo_[i] - w0_[i],
                               hi_[i] - w0_[i]);
  }
  z[n] = std::clamp(v[n], lo_[n], hi_[n]);
}

bool RebalanceOptimizer::run_admm(RebalanceSolution& sol, bool warm) {
  const Index n = p_.size();
  if (!warm) {
    prox(w0_, z_, mu_);
    u_.setZero();
  }
  const double alpha = settings_.relaxation;
  int it = 0;
  int last_rho_change = 0;
  bool converged = false;
  for (; it < settings_.max_iterations; ++it) {
    rhs_ = rho_ * (z_ - u_) - q_;
    solve_k(rhs_, y_);
    const double nu = (y_.sum() - 1.0) / ones_k_inv_ones_;
    x_ = y_ - nu * k_inv_ones_;
    v_ = alpha * x_ + (1.0 - alpha) * z_;  // over-relaxation
    z_prev_ = z_;
    v_ += u_;
    prox(v_, z_, mu_);
    u_ = v_ - z_;
    if (it % 5 == 4 || it + 1 == settings_.max_iterations) {
      const double r_prim = (x_ - z_).lpNorm<Eigen::Infinity>();
      const double r_dual = rho_ * (z_ - z_prev_).lpNorm<Eigen::Infinity>();
      const double scale_p = std::max(x_.lpNorm<Eigen::Infinity>(), z_.lpNorm<Eigen::Infinity>());
      const double scale_d = rho_ * u_.lpNorm<Eigen::Infinity>();
      if (r_prim <= settings_.eps_abs + settings_.eps_rel * scale_p &&
          r_dual <= settings_.eps_abs + settings_.eps_rel * scale_d) {
        converged = true;
        ++it;
        break;
      }
      // Adaptive penalty (as OSQP): when the scaled residuals are far apart, rescale rho by the
      // square root of their ratio, rescale the scaled dual, refactorise. At most every 50
      // iterations: a refactorisation costs O(n k^2) (factor form) or O(n^3) (dense, small n).
      if (settings_.rho <= 0 && it - last_rho_change >= 50) {
        const double ratio = std::sqrt((r_prim / std::max(scale_p, 1e-30)) /
                                       std::max(r_dual / std::max(scale_d, 1e-30), 1e-30));
        if ((ratio > 5.0 || ratio < 0.2) && std::isfinite(ratio)) {
          const double new_rho = std::clamp(rho_ * ratio, 1e-8, 1e8);
          u_ *= rho_ / new_rho;
          rho_ = new_rho;
          (void)factorize();
          last_rho_change = it;
        }
      }
    }
  }
  sol.iterations += it;
  sol.weights = z_.head(n);
  sol.cash = z_[n];
  repair_budget(sol);
  // Multipliers from the scaled dual: rho u is the subgradient of g at z, so the budget
  // multiplier is recovered from the cash row (cash has no cost): (Pz + q)_c + nu = -rho u_c.
  sol.budget_multiplier = -rho_ * u_[n] - q_[n];
  sol.turnover_multiplier = mu_;
  return converged;
}

void RebalanceOptimizer::repair_budget(RebalanceSolution& sol) const {
  // z keeps the boxes, the cash bounds and the turnover cap exactly but meets the budget only to
  // ADMM's tolerance. Cash takes the difference unless it sits on a bound (moving it off would
  // change which KKT conditions apply); otherwise, or for what cash cannot take, trades move
  // toward w0 (never past it, which keeps the boxes and lowers the turnover): first the free
  // ones, then those on a bound.
  const Index n = p_.size();
  const bool cash_on_bound = sol.cash == lo_[n] || sol.cash == hi_[n];
  if (!cash_on_bound) sol.cash = std::clamp(1.0 - sol.weights.sum(), lo_[n], hi_[n]);
  double turnover = 0;
  for (Index i = 0; i < n; ++i) turnover += std::fabs(sol.weights[i] - w0_[i]);
  for (int pass = 0; pass < 3; ++pass) {
    const double r = sol.weights.sum() + sol.cash - 1.0;  // > 0: too much invested
    if (r == 0) return;
    // Last resort: trades away from w0 inside the boxes, when the turnover cap has the room.
    if (pass == 2 && turnover + std::fabs(r) > p_.turnover_cap) break;
    auto room_of = [&](Index i) {
      const double w = sol.weights[i];
      if (pass == 0 && (w == lo_[i] || w == hi_[i])) return 0.0;
      if (pass == 2) return r > 0 ? std::max(0.0, w - lo_[i]) : std::max(0.0, hi_[i] - w);
      return r > 0 ? std::max(0.0, w - std::max(lo_[i], w0_[i]))
                   : std::max(0.0, std::min(hi_[i], w0_[i]) - w);
    };
    double room = 0;
    for (Index i = 0; i < n; ++i) room += room_of(i);
    if (room < std::fabs(r) || room == 0) continue;
    const double f = std::fabs(r) / room;
    for (Index i = 0; i < n; ++i) {
      const double d = f * room_of(i);
      sol.weights[i] += r > 0 ? -d : d;
    }
    if (!cash_on_bound) sol.cash = std::clamp(1.0 - sol.weights.sum(), lo_[n], hi_[n]);
    return;
  }
  // Not enough room in the trades: cash takes what it can (the check says the rest).
  sol.cash = std::clamp(1.0 - sol.weights.sum(), lo_[n], hi_[n]);
}

// ------------------------------------------------------------------ polish

void RebalanceOptimizer::classify_point(ActiveSet& a) const {
  const Index n = p_.size();
  const double tol = 1e-7;
  a.sign.setZero();
  for (Index i = 0; i < n; ++i) {
    const double w = z_[i];
    if (std::fabs(w - w0_[i]) <= tol && w0_[i] >= lo_[i] - tol && w0_[i] <= hi_[i] + tol) {
      a.fixed[i] = w0_[i];
    } else if (std::fabs(w - lo_[i]) <= tol) {
      a.fixed[i] = lo_[i];
    } else if (std::fabs(w - hi_[i]) <= tol) {
      a.fixed[i] = hi_[i];
    } else {
      a.fixed[i] = std::numeric_limits<double>::quiet_NaN();
      a.sign[i] = w > w0_[i] ? 1.0 : -1.0;
    }
  }
  a.cash_fixed = std::fabs(z_[n] - lo_[n]) <= tol || std::fabs(z_[n] - hi_[n]) <= tol;
  a.fixed[n] = std::fabs(z_[n] - lo_[n]) <= tol ? lo_[n] : hi_[n];
  a.turnover_active = std::isfinite(p_.turnover_cap) && mu_ > 0 &&
                      std::fabs(turnover_at(v_, mu_) - p_.turnover_cap) <= 1e-6;
}

void RebalanceOptimizer::classify_previous(const RebalanceSolution& prev, ActiveSet& a) const {
  const Index n = p_.size();
  a.sign.setZero();
  for (Index i = 0; i < n; ++i) {
    switch (prev.status[static_cast<std::size_t>(i)]) {
      case WeightStatus::kNoTrade:
        a.fixed[i] = w0_[i];
        break;
      case WeightStatus::kAtLower:
        a.fixed[i] = lo_[i];
        break;
      case WeightStatus::kAtUpper:
        a.fixed[i] = hi_[i];
        break;
      case WeightStatus::kBought:
      case WeightStatus::kSold:
        a.fixed[i] = std::numeric_limits<double>::quiet_NaN();
        a.sign[i] = prev.status[static_cast<std::size_t>(i)] == WeightStatus::kBought ? 1.0 : -1.0;
        break;
    }
  }
  a.cash_fixed = prev.cash_at_buffer || prev.cash_at_max;
  a.fixed[n] = prev.cash_at_buffer ? lo_[n] : hi_[n];
  a.turnover_active = prev.turnover_active;
}

bool RebalanceOptimizer::solve_active_set(const ActiveSet& a, RebalanceSolution& sol) {
  (void)sol;
  ws_.cand_sdt_fresh = false;  // a new candidate follows
  const Index n = p_.size();
  const VectorXd& fixed = a.fixed;
  const VectorXd& sign = a.sign;
  free_.clear();
  double fixed_turnover = 0, fixed_sum = 0;
  for (Index i = 0; i < n; ++i) {
    if (std::isnan(fixed[i])) {
      free_.push_back(i);
    } else {
      fixed_turnover += std::fabs(fixed[i] - w0_[i]);
      fixed_sum += fixed[i];
    }
  }
  const Index m = static_cast<Index>(free_.size());
  // Free instruments x_F solve  M x_F = b - A' lambda,  A x_F = c  with M = P_FF,
  // b = -(q_F + P_FX x_X + cbar_F .* s_F); rows of A: the budget (when cash is fixed; otherwise
  // cash absorbs it and nu = 0, cash having no curvature, cost or alpha) and the turnover cap.
  VectorXd& xfix = ws_.v1;
  VectorXd& px = ws_.v2;
  for (Index i = 0; i < n; ++i) xfix[i] = std::isnan(fixed[i]) ? 0.0 : fixed[i];
  xfix[n] = 0.0;
  apply_p_into(xfix, px);
  Index rows = 0;
  double c[2] = {0, 0};
  auto rhs = ws_.rhs.topRows(m);
  for (Index r = 0; r < m; ++r) {
    const Index i = free_[static_cast<std::size_t>(r)];
    rhs(r, 0) = -(q_[i] + px[i] + cbar_[i] * sign[i]);
  }
  if (a.cash_fixed) {
    rhs.col(1 + rows).setOnes();
    c[rows++] = 1.0 - fixed[n] - fixed_sum;
  }
  if (a.turnover_active) {
    double cv = p_.turnover_cap - fixed_turnover;
    for (Index r = 0; r < m; ++r) {
      const Index i = free_[static_cast<std::size_t>(r)];
      rhs(r, 1 + rows) = sign[i];
      cv += sign[i] * w0_[i];
    }
    c[rows++] = cv;
  }
  const Index nc = 1 + rows;
  double lambda[2] = {0, 0};
  bool singular = false;
  if (m > 0) {
    // sol = M^-1 [b, A']: Woodbury in factor form (O(m k^2)), a Cholesky in place otherwise.
    auto sol_m = ws_.solm.topLeftCorner(m, nc);
    if (p_.sigma.is_factor() && lambda_te_ > 0) {
      const Index k = p_.sigma.loadings.cols();
      for (Index r = 0; r < m; ++r) {
        const Index i = free_[static_cast<std::size_t>(r)];
        ws_.dinv[r] = 1.0 / (2.0 * lambda_te_ * p_.sigma.specific[i] + mdiag_[i]);
        ws_.bf.row(r) = p_.sigma.loadings.row(i);
      }
      auto dinv = ws_.dinv.head(m);
      auto bf = ws_.bf.topRows(m);
      auto bfs = ws_.bfs.topRows(m);
      bfs = dinv.asDiagonal() * bf;
      ws_.core.noalias() = bf.transpose() * bfs;
      ws_.core += ft_inv_;
      ws_.core_llt.compute(ws_.core);
      if (ws_.core_llt.info() != Eigen::Success) return false;
      auto rhsd = ws_.rhsd.topLeftCorner(m, nc);
      rhsd = dinv.asDiagonal() * rhs.leftCols(nc);
      auto kx = ws_.kx3.topLeftCorner(k, nc);
      kx.noalias() = bf.transpose() * rhsd;
      ws_.core_llt.solveInPlace(kx);
      sol_m.noalias() = bfs * kx;
      sol_m = rhsd - sol_m;
    } else {
      auto mff = ws_.mff.topLeftCorner(m, m);
      for (Index r = 0; r < m; ++r) {
        for (Index q = 0; q < m; ++q) {
          mff(r, q) = lambda_te_ > 0 ? 2.0 * lambda_te_ *
                                           p_.sigma.dense(free_[static_cast<std::size_t>(r)],
                                                          free_[static_cast<std::size_t>(q)])
                                     : 0.0;
        }
        mff(r, r) += mdiag_[free_[static_cast<std::size_t>(r)]];
      }
      Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(mff);  // in place: no allocation
      if (llt.info() != Eigen::Success) {
        // P_FF singular (a singular covariance, no tracking term): the whole KKT system.
        if (!solve_reduced_kkt(m, rows, c, lambda)) return false;
        singular = true;
      } else {
        sol_m = rhs.leftCols(nc);
        llt.solveInPlace(sol_m);
      }
    }
    // Schur complement (rows <= 2): S lambda = A M^-1 b - c.
    if (rows > 0 && !singular) {
      double sm[2][2] = {{0, 0}, {0, 0}};
      double sr[2] = {0, 0};
      for (Index j = 0; j < rows; ++j) {
        sr[j] = rhs.col(1 + j).dot(sol_m.col(0)) - c[j];
        for (Index l = 0; l < rows; ++l) sm[j][l] = rhs.col(1 + j).dot(sol_m.col(1 + l));
      }
      if (rows == 1) {
        if (sm[0][0] == 0) return false;
        lambda[0] = sr[0] / sm[0][0];
      } else {
        const double det = sm[0][0] * sm[1][1] - sm[0][1] * sm[1][0];
        if (det == 0) return false;
        lambda[0] = (sr[0] * sm[1][1] - sr[1] * sm[0][1]) / det;
        lambda[1] = (sm[0][0] * sr[1] - sm[1][0] * sr[0]) / det;
      }
    }
    for (Index r = 0; r < m && !singular; ++r) {
      double x = sol_m(r, 0);
      for (Index j = 0; j < rows; ++j) x -= sol_m(r, 1 + j) * lambda[j];
      ws_.b[r] = x;
    }
  }
  const bool cash_absorbs = m == 0 && a.cash_fixed && std::fabs(c[0]) > 1e-12;
  // The candidate (it may violate bounds or sides: refine_active_set() repairs the guess).
  for (Index i = 0; i < n; ++i) cand_w_[i] = std::isnan(fixed[i]) ? 0.0 : fixed[i];
  for (Index r = 0; r < m; ++r) cand_w_[free_[static_cast<std::size_t>(r)]] = ws_.b[r];
  // Nothing free and the fixed point misses the budget: cash takes the difference (the next
  // refinement sees whether that breaks the buffer).
  cand_cash_ = a.cash_fixed && !cash_absorbs ? fixed[n] : 1.0 - cand_w_.sum();
  Index row = 0;
  cand_nu_ = a.cash_fixed ? lambda[row++] : 0.0;
  cand_mu_ = a.turnover_active ? lambda[row] : 0.0;
  return true;
}

bool RebalanceOptimizer::solve_reduced_kkt(Index m, Index rows, const double* c, double* lambda) {
  // [M A'; A 0] [x; lambda] = [b; c], M = P_FF, A's rows in ws_.rhs columns 1.., b in column 0.
  const Index nk = m + rows;
  Eigen::MatrixXd k = Eigen::MatrixXd::Zero(nk, nk);
  VectorXd r(nk);
  for (Index a = 0; a < m; ++a) {
    const Index i = free_[static_cast<std::size_t>(a)];
    for (Index b = 0; b < m && lambda_te_ > 0; ++b) {
      k(a, b) = 2.0 * lambda_te_ * p_.sigma.dense(i, free_[static_cast<std::size_t>(b)]);
    }
    k(a, a) += mdiag_[i];
    r[a] = ws_.rhs(a, 0);
    for (Index j = 0; j < rows; ++j) {
      k(a, m + j) = ws_.rhs(a, 1 + j);
      k(m + j, a) = ws_.rhs(a, 1 + j);
    }
  }
  for (Index j = 0; j < rows; ++j) r[m + j] = c[j];
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(k);
  if (lu.rank() < nk) return false;
  const VectorXd x = lu.solve(r);
  if (!x.allFinite()) return false;
  for (Index a = 0; a < m; ++a) ws_.b[a] = x[a];
  for (Index j = 0; j < rows; ++j) lambda[j] = x[m + j];
  return true;
}

bool RebalanceOptimizer::active_set_solve(ActiveSet& a, RebalanceSolution& sol) {
  for (int round = 0; round < settings_.active_set_rounds; ++round) {
    if (!solve_active_set(a, sol)) return false;
    if (accept_candidate(sol)) return true;
    if (!refine_active_set(a)) return false;
  }
  return false;
}

bool RebalanceOptimizer::accept_candidate(RebalanceSolution& sol) const {
  const Index n = p_.size();
  auto sdt = ws_.cand_sdt.head(n);
  sigma_dt_into(cand_w_, sdt);
  ws_.cand_sdt_fresh = true;
  const double kkt =
      kkt_core(p_, sdt, cand_w_, cand_cash_, cand_nu_, std::max(cand_mu_, 0.0)).worst();
  if (!(kkt <= 1e-9) || cand_mu_ < -1e-12) return false;
  sol.weights = cand_w_;
  sol.cash = cand_cash_;
  sol.budget_multiplier = cand_nu_;
  sol.turnover_multiplier = std::max(cand_mu_, 0.0);
  return true;
}

bool RebalanceOptimizer::refine_active_set(ActiveSet& a) const {
  // One primal-dual active-set step: fix what the candidate violates, free what its multipliers
  // say should move. Returns false when nothing changed (the guess is as good as it gets).
  const Index n = p_.size();
  const double tol = 1e-12;
  bool changed = false;
  VectorXd& x = ws_.v1;
  x.head(n) = cand_w_;
  x[n] = cand_cash_;
  VectorXd& g = ws_.v2;
  if (ws_.cand_sdt_fresh) {
    // P x from the candidate's Sigma (w - t), which its KKT check took: Sigma w = that + Sigma t.
    if (lambda_te_ > 0) {
      g.head(n) = (2.0 * lambda_te_) * (ws_.cand_sdt + ws_.sigma_t);
    } else {
      g.head(n).setZero();
    }
    g.head(n) += mdiag_.head(n).cwiseProduct(x.head(n));
    g[n] = 0.0;
  } else {
    apply_p_into(x, g);
  }
  g += q_;  // + nu below
  const double mu = std::max(cand_mu_, 0.0);
  double turnover = 0;
  for (Index i = 0; i < n; ++i) {
    const double w = cand_w_[i];
    turnover += std::fabs(w - w0_[i]);
    if (std::isnan(a.fixed[i])) {
      if (a.sign[i] * (w - w0_[i]) < -tol) {  // crossed w0: no trade (or the nearest bound)
        a.fixed[i] = std::clamp(w0_[i], lo_[i], hi_[i]);
        changed = true;
      } else if (w < lo_[i] - tol) {
        a.fixed[i] = lo_[i];
        changed = true;
      } else if (w > hi_[i] + tol) {
        a.fixed[i] = hi_[i];
        changed = true;
      }
      continue;
    }
    const double gi = g[i] + cand_nu_;
    const double sc = cbar_[i] + mu;
    const double dw = a.fixed[i] - w0_[i];
    // Free the variable when moving off its fixed value in some direction lowers the objective
    // and that direction is open: d/dw of the Lagrangian is gi + sc (up) or gi - sc (down),
    // with the cost's side taken from where the move goes relative to w0.
    const double up_slope = gi + (dw >= 0 ? sc : -sc);
    const double down_slope = gi + (dw > 0 ? sc : -sc);
    if (up_slope < -1e-11 && a.fixed[i] < hi_[i] - tol) {
      a.fixed[i] = std::numeric_limits<double>::quiet_NaN();
      a.sign[i] = dw >= 0 ? 1.0 : -1.0;
      changed = true;
    } else if (down_slope > 1e-11 && a.fixed[i] > lo_[i] + tol) {
      a.fixed[i] = std::numeric_limits<double>::quiet_NaN();
      a.sign[i] = dw > 0 ? 1.0 : -1.0;
      changed = true;
    }
  }
  // Cash: at the buffer it needs nu >= 0, at its maximum nu <= 0 (both, when they coincide);
  // free it must stay between them.
  const bool at_lo = a.cash_fixed && a.fixed[n] == lo_[n];
  const bool at_hi = a.cash_fixed && a.fixed[n] == hi_[n];
  if (a.cash_fixed && lo_[n] < hi_[n] &&
      ((at_lo && cand_nu_ < -1e-11) || (at_hi && cand_nu_ > 1e-11))) {
    a.cash_fixed = false;
    changed = true;
  } else if (!a.cash_fixed && cand_cash_ < lo_[n] - tol) {
    a.cash_fixed = true;
    a.fixed[n] = lo_[n];
    changed = true;
  } else if (!a.cash_fixed && cand_cash_ > hi_[n] + tol) {
    a.cash_fixed = true;
    a.fixed[n] = hi_[n];
    changed = true;
  }
  // Turnover cap: active needs mu >= 0; inactive must not exceed the cap.
  if (a.turnover_active && cand_mu_ < -1e-11) {
    a.turnover_active = false;
    changed = true;
  } else if (!a.turnover_active && std::isfinite(p_.turnover_cap) &&
             turnover > p_.turnover_cap + 1e-12) {
    a.turnover_active = true;
    changed = true;
  }
  return changed;
}

// ------------------------------------------------------------------ results

void RebalanceOptimizer::finish(RebalanceSolution& sol, bool candidate_sdt) const {
  const Index n = p_.size();
  const VectorXd& w = sol.weights;
  auto dt = ws_.v1.head(n);
  auto sdt = ws_.v2.head(n);
  dt = w - p_.target;
  if (lambda_te_ > 0) {
    if (candidate_sdt && ws_.cand_sdt_fresh) {
      sdt = ws_.cand_sdt;
    } else {
      p_.sigma.multiply_into(dt, sdt, ws_.tk1, ws_.tk2);
    }
    sol.tracking_term = lambda_te_ * dt.dot(sdt);
  } else {
    sdt.setZero();
    sol.tracking_term = 0.0;
  }
  sol.cost_term = 0;
  sol.impact_term = 0;
  sol.turnover = 0;
  sol.proximity_term = 0;
  sol.status.resize(static_cast<std::size_t>(n));
  const double tol = 1e-9;
  for (Index i = 0; i < n; ++i) {
    const double dw = w[i] - p_.current[i];
    sol.cost_term += cbar_[i] * std::fabs(dw);
    sol.impact_term += 0.5 * (mdiag_[i] - 2.0 * eps_prox_) * dw * dw;
    sol.proximity_term += eps_prox_ * dw * dw;
    sol.turnover += std::fabs(dw);
    WeightStatus st;
    if (std::fabs(dw) <= tol) {
      st = WeightStatus::kNoTrade;
    } else if (w[i] <= lo_[i] + tol) {
      st = WeightStatus::kAtLower;
    } else if (w[i] >= hi_[i] - tol) {
      st = WeightStatus::kAtUpper;
    } else {
      st = dw > 0 ? WeightStatus::kBought : WeightStatus::kSold;
    }
    sol.status[static_cast<std::size_t>(i)] = st;
  }
  sol.alpha_term = p_.alpha.size() ? -p_.alpha.dot(w) : 0.0;
  sol.objective =
      sol.tracking_term + sol.cost_term + sol.impact_term + sol.alpha_term + sol.proximity_term;
  sol.cash_at_buffer = sol.cash <= lo_[n] + tol;
  sol.cash_at_max = sol.cash >= hi_[n] - tol;
  sol.turnover_active = std::isfinite(p_.turnover_cap) && sol.turnover >= p_.turnover_cap - 1e-9;
  certify(sol, sdt);
}

void RebalanceOptimizer::certify(RebalanceSolution& sol,
                                 const Eigen::Ref<const VectorXd>& sdt) const {
  // The status comes from the returned point alone: its constraint violations and its KKT
  // residual with the multipliers it carries, whatever path produced it. `sdt` is
  // Sigma (w - t) of that point (finish() has it).
  const Index n = p_.size();
  const KktCheck k =
      kkt_core(p_, sdt, sol.weights, sol.cash, sol.budget_multiplier, sol.turnover_multiplier);
  sol.primal_violation = k.primal;
  sol.kkt_residual = k.worst();
  if (k.primal <= settings_.feasibility_tol && k.worst() <= settings_.kkt_tol) {
    sol.outcome = SolveStatus::kOptimal;
    sol.reason.clear();
    return;
  }
  sol.outcome = SolveStatus::kNotConverged;
  std::string why = "not converged:";
  if (k.primal > settings_.feasibility_tol) {
    why += std::string(" constraint ") + k.primal_what;
    if (k.primal_at >= 0) why += " of instrument " + std::to_string(k.primal_at);
    why += " violated by " + num(k.primal) + " (tolerance " + num(settings_.feasibility_tol) + ");";
  }
  if (k.dual > settings_.kkt_tol) {
    why += " KKT residual " + num(k.dual) + " > " + num(settings_.kkt_tol) + " at " +
           (k.dual_at < 0    ? std::string("the turnover multiplier")
            : k.dual_at == n ? std::string("cash")
                             : "instrument " + std::to_string(k.dual_at)) +
           ";";
  }
  why += " after " + std::to_string(sol.iterations) + " ADMM iterations (limit " +
         std::to_string(settings_.max_iterations) + ")" +
         (sol.polished ? "" : ", the exact active-set step failed");
  sol.reason = std::move(why);
}

void RebalanceOptimizer::sigma_dt_into(const VectorXd& w, Eigen::Ref<VectorXd> out) const {
  const Index n = p_.size();
  if (lambda_te_ > 0) {
    ws_.v2.head(n) = w.head(n) - p_.target;
    p_.sigma.multiply_into(ws_.v2.head(n), out, ws_.tk1, ws_.tk2);
  } else {
    out.setZero();
  }
}

Result<RebalanceSolution> RebalanceOptimizer::solve() {
  RebalanceSolution sol;
  if (auto s = solve_into(sol); !s) return s.error();
  return sol;
}

Status RebalanceOptimizer::accept_exact(RebalanceSolution& sol, bool warm) {
  ++(warm ? c_.warm : c_.cold);
  ++c_.active_set_hits;
  sol.polished = true;
  sol.converged = true;
  finish(sol, true);  // the candidate active_set_solve() just accepted
  // Keep ADMM's state consistent with the new solution for the next warm start; a warm start
  // keeps its duals (the next ADMM fallback converges faster with them).
  z_.head(p_.size()) = sol.weights;
  z_[p_.size()] = sol.cash;
  if (!warm) u_.setZero();
  have_solution_ = true;
  last_ = sol;
  return Ok{};
}

Status RebalanceOptimizer::solve_into(RebalanceSolution& sol) {
  if (!loaded_) return Error{"optimizer: solve before load"};
  if (auto s = check_feasible(); !s) {
    // No point meets every constraint: the answer is "trade nothing", with the reason.
    sol.weights = p_.current;
    sol.cash = p_.current_cash;
    sol.budget_multiplier = sol.turnover_multiplier = 0;
    sol.iterations = 0;
    sol.warm = sol.polished = sol.converged = false;
    finish(sol);
    sol.outcome = SolveStatus::kInfeasible;
    sol.reason = s.error().message;
    return s;
  }
  const bool warm = have_solution_;
  sol.warm = warm;
  sol.iterations = 0;
  sol.polished = false;
  sol.converged = false;
  // Incremental path: after a price move or a fill the active set (which instruments trade,
  // which sit at a bound) rarely changes. Solve on the previous one exactly, repairing the guess
  // a few times if needed; the KKT check decides. Otherwise run ADMM from the previous (z, u).
  if (warm && settings_.polish) {
    classify_previous(last_, as_);
    if (active_set_solve(as_, sol)) return accept_exact(sol, true);
  }
  // A guess that needs no history: every instrument trades toward its target, the cash buffer
  // binding if it did last time. Cheap next to ADMM, and often right for a cold problem or an
  // account new to this optimizer (batch mode solves one model's accounts in turn).
  if (settings_.polish) {
    const Index n = p_.size();
    for (Index i = 0; i < n; ++i) {
      as_.fixed[i] = std::numeric_limits<double>::quiet_NaN();
      as_.sign[i] = p_.target[i] >= w0_[i] ? 1.0 : -1.0;
    }
    as_.cash_fixed = warm ? (last_.cash_at_buffer || last_.cash_at_max) : lo_[n] >= hi_[n];
    as_.fixed[n] = warm && last_.cash_at_max && !last_.cash_at_buffer ? hi_[n] : lo_[n];
    as_.turnover_active = false;
    if (active_set_solve(as_, sol)) return accept_exact(sol, warm);
  }
  bool ok = run_admm(sol, warm);
  bool polished_now = false;
  if (warm) {
    ++c_.warm;
    if (!ok) {
      ++c_.warm_fallbacks;
      sol.warm = false;
      ok = run_admm(sol, false);
    }
  } else {
    ++c_.cold;
  }
  sol.converged = ok;
  if (settings_.polish) {
    classify_point(as_);
    polished_now = active_set_solve(as_, sol);
    if (polished_now) {
      sol.polished = true;
      sol.converged = true;
    } else {
      ++c_.polish_rejected;
    }
  }
  finish(sol, polished_now);  // polished: the candidate active_set_solve() just accepted
  have_solution_ = true;
  last_ = sol;
  return Ok{};
}

double rebalance_kkt_residual(const RebalanceProblem& p, const VectorXd& w, double cash, double nu,
                              double mu) {
  const VectorXd sdt = p.sigma.multiply(w - p.target);
  return kkt_core(p, sdt, w, cash, nu, mu).worst();
}

double proximity_weight(const RebalanceProblem& p) noexcept {
  return p.mode == RebalanceMode::kBandEdge || p.tracking_weight == 0 ? 1e-6 : 0.0;
}

Status rebalance_feasibility(const RebalanceProblem& p) {
  const Index n = p.size();
  VectorXd lo(n), hi(n);
  for (Index i = 0; i < n; ++i) {
    const Box b = box_of(p, i);  // the solver's own box
    lo[i] = b.lo;
    hi[i] = b.hi;
  }
  return feasibility(n, lo.data(), hi.data(), p.current.data(), p.cash_buffer, p.cash_max,
                     p.turnover_cap);
}

const char* to_string(SolveStatus s) noexcept {
  static constexpr EnumNames<SolveStatus, SolveStatus::kInfeasible> kNames{
      {"optimal", "not_converged", "infeasible"}};
  return kNames.name_or(s, "?");
}

const char* to_string(WeightStatus s) noexcept {
  static constexpr EnumNames<WeightStatus, WeightStatus::kAtUpper> kNames{
      {"bought", "sold", "no_trade", "at_lower", "at_upper"}};
  return kNames.name_or(s, "?");
}

}  // namespace ballast
