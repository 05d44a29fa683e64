// The rebalancing optimizer: the trade list that brings an account back toward its targets at the
// least cost, inside its constraints, re-solved incrementally (docs/optimizer.md has the maths).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ballast/core/result.hpp"

namespace ballast {

/// Annualised covariance of returns over n instruments: dense, or factor form B F B' + diag(d).
struct Covariance {
  Eigen::MatrixXd dense;       ///< n x n; empty in factor form
  Eigen::MatrixXd loadings;    ///< B, n x k (factor form)
  Eigen::MatrixXd factor_cov;  ///< F, k x k, positive definite (factor form)
  Eigen::VectorXd specific;    ///< d, n, > 0 (factor form)

  bool is_factor() const noexcept { return dense.size() == 0; }
  Eigen::Index size() const noexcept { return is_factor() ? specific.size() : dense.rows(); }
  /// Sigma x.
  Eigen::VectorXd multiply(const Eigen::VectorXd& x) const;
  /// out = Sigma x without allocating: `tk1`, `tk2` are k-sized scratch (factor form).
  void multiply_into(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> out,
                     Eigen::VectorXd& tk1, Eigen::VectorXd& tk2) const;
};

enum class RebalanceMode : std::uint8_t { kFull, kBandEdge };

/// One account's rebalancing problem in weight space (fractions of NAV). Cash is separate.
struct RebalanceProblem {
  Covariance sigma;
  Eigen::VectorXd target;   ///< t, n
  Eigen::VectorXd current;  ///< w0, n: holdings including working orders, at current prices
  double current_cash = 0;  ///< w0_c = 1 - sum w0
  Eigen::VectorXd cost;     ///< c_i per unit of traded weight (half spread + commission), n
  Eigen::VectorXd impact;   ///< m_i, n (empty = none)
  Eigen::VectorXd alpha;    ///< expected returns, n (empty = none)
  Eigen::VectorXd lower;    ///< l, n (empty = 0: long-only)
  Eigen::VectorXd upper;    ///< u, n (empty = 1)
  /// `upper` caps buys only (a compliance weight cap, which the gate checks on buys): a weight
  /// already above it may stay (the bound is max(u, w0)), and it wins over a band-edge band's
  /// lower edge.
  bool upper_caps_buys_only = false;
  double cash_buffer = 0;  ///< w_c >= cash_buffer
  double cash_max = 1;     ///< w_c <= cash_max (0 = fully invested)
  double turnover_cap = std::numeric_limits<double>::infinity();  ///< sum |w - w0| <= T
  std::vector<std::uint8_t> no_buy;                               ///< n flags or empty
  std::vector<std::uint8_t> no_sell;                              ///< n flags or empty
  RebalanceMode mode = RebalanceMode::kFull;
  Eigen::VectorXd band;  ///< beta_i for band-edge mode, n
  double tracking_weight = 1.0;
  double cost_weight = 1.0;
  double impact_weight = 0.0;

  Eigen::Index size() const noexcept { return target.size(); }
  /// Checks sizes, finiteness and ranges; the message names the field and the first bad index.
  Status validate() const;
};

/// What a solve's answer is, decided by checking the returned point (constraint violations and
/// the KKT residual), never by the solver's own flags (docs/optimizer.md, "What optimal means").
enum class SolveStatus : std::uint8_t {
  kOptimal,       ///< violations <= feasibility_tol and KKT residual <= kkt_tol
  kNotConverged,  ///< a point was found but it fails the check: do not trade on it
  kInfeasible,    ///< no point meets every constraint; weights are the current ones (no trade)
};
/// "optimal", "not_converged", "infeasible" ("?" for a value outside the enum).
const char* to_string(SolveStatus s) noexcept;

/// Where an instrument ended up relative to its constraints.
enum class WeightStatus : std::uint8_t { kBought, kSold, kNoTrade, kAtLower, kAtUpper };
/// "bought", "sold", "no_trade", "at_lower", "at_upper" ("?" for a value outside the enum).
const char* to_string(WeightStatus s) noexcept;

struct RebalanceSolution {
  Eigen::VectorXd weights;  ///< w, n
  double cash = 0;
  double objective = 0;  ///< the sum of the terms below
  double tracking_term = 0, cost_term = 0, impact_term = 0, alpha_term = 0, proximity_term = 0;
  double turnover = 0;             ///< sum |w - w0|
  double budget_multiplier = 0;    ///< nu
  double turnover_multiplier = 0;  ///< mu >= 0
  std::vector<WeightStatus> status;
  bool cash_at_buffer = false;
  bool cash_at_max = false;
  bool turnover_active = false;
  int iterations = 0;
  bool warm = false;            ///< started from the previous solution
  bool polished = false;        ///< exact solution on the identified active set
  bool converged = false;       ///< the solver's own flag (ADMM met its tolerances or the polish
                                ///< succeeded); informative only: `outcome` is what counts
  double kkt_residual = 0;      ///< scaled; see docs/optimizer.md (includes the primal violation)
  double primal_violation = 0;  ///< largest constraint violation of (weights, cash), in weight
  /// The status, from the check of the returned point (kInfeasible: also an Error from solve).
  SolveStatus outcome = SolveStatus::kNotConverged;
  /// Empty when optimal; otherwise the constraint(s) at fault and by how much. Filled only off
  /// the optimal path (allocates there).
  std::string reason;
  bool optimal() const noexcept { return outcome == SolveStatus::kOptimal; }
};

struct OptimizerSettings {
  double eps_abs = 1e-8;  // ADMM only has to find the active set: the polish is exact
  double eps_rel = 1e-8;
  int max_iterations = 20'000;
  double relaxation = 1.6;
  double rho = 0;  ///< 0: chosen from the problem's scale at load()
  bool polish = true;
  /// Primal-dual active-set rounds tried (warm start and polish) before ADMM decides.
  int active_set_rounds = 12;
  /// A returned point is optimal when every constraint holds to feasibility_tol (absolute, in
  /// weight: 1e-9 of NAV) and its scaled KKT residual is <= kkt_tol.
  double feasibility_tol = 1e-9;
  double kkt_tol = 1e-7;
};

/// Solves rebalancing problems, keeping its factorisation and last solution between solves.
/// Thread: one thread. load() allocates and factorises (cold path); update_*() and solve() do not
/// allocate for the same problem size (the polish allocates only when the free set grows).
class RebalanceOptimizer {
 public:
  explicit RebalanceOptimizer(OptimizerSettings s = {}) : settings_(s) {}

  /// Takes a new problem: factorises P + rho I. The next solve is cold.
  Status load(const RebalanceProblem& p);
  /// A price move or a fill: new current weights. Keeps the factorisation; the next solve warm.
  Status update_current(const Eigen::VectorXd& current, double current_cash);
  /// New targets (keeps the factorisation).
  Status update_targets(const Eigen::VectorXd& target);
  /// New cost rates (keeps the factorisation).
  Status update_costs(const Eigen::VectorXd& cost);
  /// New band-edge bands (keeps the factorisation).
  Status update_bands(const Eigen::VectorXd& band);
  /// New cash bounds: cash_buffer <= w_c <= cash_max (keeps the factorisation).
  Status update_cash_bounds(double cash_buffer, double cash_max);
  /// Fixes instrument i at its current weight (min-trade-size re-solves); keeps the factorisation.
  void freeze(Eigen::Index i);

  /// Solves, warm from the previous solution when there is one. Error: infeasible (names the
  /// conflicting constraints; the exact test of docs/optimizer.md) or not loaded. Ok does NOT
  /// mean optimal: check `outcome` (kNotConverged when the returned point fails the check).
  Result<RebalanceSolution> solve();
  /// As solve(), into `out`, reusing its storage: after the first solve of a problem size, a
  /// warm solve answered by the active-set path allocates nothing (batch mode). On an infeasible
  /// problem `out` gets outcome kInfeasible, the reason, and the current weights (no trade).
  Status solve_into(RebalanceSolution& out);

  const RebalanceProblem& problem() const noexcept { return p_; }
  struct Counters {
    std::uint64_t cold = 0, warm = 0, warm_fallbacks = 0, polish_rejected = 0, factorizations = 0;
    std::uint64_t active_set_hits = 0;  ///< solves answered by an exact active-set solve, no ADMM
  };
  const Counters& counters() const noexcept { return c_; }

 private:
  void build_box();
  Status factorize();  // K = P + rho I for the current rho
  Status check_feasible() const;
  void build_linear_term();

  void solve_k(const Eigen::VectorXd& rhs, Eigen::VectorXd& out) const;
  void prox(const Eigen::VectorXd& v, Eigen::VectorXd& z, double& mu) const;
  double turnover_at(const Eigen::VectorXd& v, double mu) const;
  bool run_admm(RebalanceSolution& sol, bool warm);
  /// A guess of the optimum's active set: fixed values (NaN = free) and the free trades' sides.
  struct ActiveSet {
    Eigen::VectorXd fixed;  ///< n + 1 (cash last)
    Eigen::VectorXd sign;   ///< +1 bought, -1 sold (free instruments)
    bool cash_fixed = false;
    bool turnover_active = false;
  };
  void classify_point(ActiveSet& a) const;                                    // from the ADMM point
  void classify_previous(const RebalanceSolution& prev, ActiveSet& a) const;  // from the last one
  /// Solves exactly on the active set into the candidate (false: singular system).
  bool solve_active_set(const ActiveSet& a, RebalanceSolution& sol);
  /// Accepts the candidate when it meets the KKT conditions.
  bool accept_candidate(RebalanceSolution& sol) const;
  /// One primal-dual active-set step from the candidate; false when nothing changed.
  bool refine_active_set(ActiveSet& a) const;
  /// Up to active_set_rounds of solve, check, refine.
  bool active_set_solve(ActiveSet& a, RebalanceSolution& sol);
  /// Finishes a solve answered exactly by the active-set path (no ADMM).
  Status accept_exact(RebalanceSolution& sol, bool warm);
  void apply_p_into(const Eigen::VectorXd& x, Eigen::VectorXd& out) const;
  /// Sigma (w - t) into `out` (zero without a tracking term).
  void sigma_dt_into(const Eigen::VectorXd& w, Eigen::Ref<Eigen::VectorXd> out) const;
  /// `candidate_sdt`: sol.weights are the candidate accept_candidate() just checked, whose
  /// Sigma (w - t) is in ws_.cand_sdt (the product is not taken again).
  void finish(RebalanceSolution& sol, bool candidate_sdt = false) const;
  /// Sets sol.outcome (and reason) from the check of the returned point.
  void certify(RebalanceSolution& sol, const Eigen::Ref<const Eigen::VectorXd>& sdt) const;
  /// Makes an ADMM point meet the budget exactly (cash first, then trades toward w0).
  void repair_budget(RebalanceSolution& sol) const;
  /// The dense KKT system on the free set when P_FF is singular (allocates; rare).
  bool solve_reduced_kkt(Eigen::Index m, Eigen::Index rows, const double* c, double* lambda);

  OptimizerSettings settings_;
  RebalanceProblem p_;
  bool loaded_ = false;
  bool have_solution_ = false;
  double rho_ = 1;
  double lambda_te_ = 1, eps_prox_ = 0;
  // Extended (n + 1, cash last) data.
  Eigen::VectorXd lo_, hi_, w0_, cbar_, q_, mdiag_;
  // K = P + rho I factorisation: dense LLT, or diagonal + Woodbury core for the factor form.
  Eigen::LLT<Eigen::MatrixXd> k_llt_;
  Eigen::VectorXd k_diag_inv_;
  Eigen::MatrixXd wb_b_;  // B scaled: D^-1 B (n+1 x k)
  Eigen::LLT<Eigen::MatrixXd> wb_core_;
  Eigen::MatrixXd ft_inv_;  // (2 lambda_te F)^-1, factor form
  std::vector<Eigen::Index> free_;
  Eigen::VectorXd cand_w_;
  double cand_cash_ = 0, cand_nu_ = 0, cand_mu_ = 0;
  RebalanceSolution last_;
  ActiveSet as_;
  /// Scratch sized at load(): hot paths use blocks of these and never allocate.
  struct Workspace {
    mutable Eigen::VectorXd tk1, tk2;    // k
    mutable Eigen::VectorXd v1, v2, v3;  // n + 1
    Eigen::VectorXd b, dinv;             // n (head(m) used)
    Eigen::MatrixXd rhs, rhsd, solm;     // n x 3
    Eigen::MatrixXd bf, bfs;             // n x k
    Eigen::MatrixXd kx3;                 // k x 3
    Eigen::MatrixXd core;                // k x k
    Eigen::LLT<Eigen::MatrixXd> core_llt;
    Eigen::MatrixXd mff;      // n x n (dense covariance only)
    Eigen::VectorXd sigma_t;  // Sigma t
    /// Sigma (w - t) of the candidate accept_candidate() last checked, while `cand_sdt_fresh`
    /// (solve_active_set() makes a new candidate and clears it): the refinement step and
    /// finish() use it instead of multiplying by Sigma again.
    mutable Eigen::VectorXd cand_sdt;  // n
    mutable bool cand_sdt_fresh = false;
  };
  mutable Workspace ws_;
  Eigen::VectorXd k_inv_ones_;
  double ones_k_inv_ones_ = 0;
  // ADMM state and scratch.
  Eigen::VectorXd x_, z_, u_, z_prev_, rhs_, y_, v_;
  double mu_ = 0;
  Counters c_;
};

/// KKT residual of a candidate (w, cash) with multipliers (nu, mu), scaled as in
/// docs/optimizer.md. Independent of the solver's internals (tests use their own check too).
double rebalance_kkt_residual(const RebalanceProblem& p, const Eigen::VectorXd& w, double cash,
                              double nu, double mu);

/// The weight of the proximity term eps ||w - w0||^2: 1e-6 when the objective has no tracking
/// term (band-edge mode, or tracking_weight 0), which makes the problem strictly convex.
double proximity_weight(const RebalanceProblem& p) noexcept;

/// The exact feasibility test (docs/optimizer.md): Ok, or an Error naming the constraints that
/// conflict (an empty box, the bounds against the budget, or the least turnover any feasible
/// point needs against turnover_cap). Needs a valid problem.
Status rebalance_feasibility(const RebalanceProblem& p);

}  // namespace ballast
