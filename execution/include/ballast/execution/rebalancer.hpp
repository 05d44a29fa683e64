// The rebalancer: turns a RebalanceTriggered into parent orders. It builds the account's problem
// from the book (holdings including working orders, targets, spreads as costs), solves it with the
// optimizer, rounds the result to whole lots, starts the sells at once and releases the buys as
// cash allows (cash-aware sequencing), emitting one ParentOrderRequested per line of the trade
// list.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/lot_rounding.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/optimizer.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/session_router.hpp"
#include "ballast/risk/compliance_config.hpp"

namespace ballast {

/// Thread: the core thread only. In the component chain it comes after the order manager, so the
/// fills it reacts to are already booked. A trigger for an account with orders working, a parent
/// still being sliced or buys still queued is skipped (counted).
///
/// Solvers are kept between rebalances, one per account shape (the instruments an account holds
/// and which of them are restricted): accounts that follow the same model share one. The first
/// rebalance of a shape loads it (copies the covariance, factorises, solves cold: about a
/// millisecond for 100 instruments); every later one only updates the current weights, targets
/// and costs and solves warm from the shape's previous solution, which the optimizer's
/// active-set path usually answers exactly with no ADMM iteration (tens of microseconds).
/// Loading a shape allocates; a warm rebalance allocates only for the parents it starts. Up to
/// `kMaxSolvers` shapes are kept, the least recently used one is dropped. The solvers' state
/// follows from the events alone, so replay and recovery reach the same decisions.
class Rebalancer {
 public:
  /// `universe_cov`: annualised covariance over the whole instrument universe (n x n, instrument
  /// id order; the risk model provides it). `commission_bps` is added to half the quoted spread
  /// as each instrument's cost rate.
  Rebalancer(const PortfolioBook& book, const MarketState& market,
             const InstrumentTable& instruments, const OptimizerConfig& cfg,
             Eigen::MatrixXd universe_cov, double cash_allowance, double commission_bps,
             ClOrdIdGenerator& parent_ids, SessionId session);

  void on_event(const Event& e, Timestamp now, Outbox& out);

  /// Band-edge mode (OptimizerConfig::mode band_edge) trades each instrument back inside the
  /// band the monitor holds it to, scaled to the monitor's re-arm line (rearm_fraction x band,
  /// with a 5 % margin for lot rounding), and cash likewise; the monitor must outlive the
  /// rebalancer. Without a monitor, band-edge mode uses no bands (every trade is optional).
  /// A trigger skipped because the account's previous rebalance is still in progress emits
  /// RebalanceDeferred, on which the monitor re-arms the account (DriftMonitor::rearm), so a drift
  /// that persists -- an instrument left out for want of a price that has quoted since -- fires
  /// again after the cool-down.
  void set_drift_monitor(const DriftMonitor* monitor) noexcept { monitor_ = monitor; }

  /// Approval mode (docs/operator.md, "Approval"): a trade list the mode holds back waits,
  /// one per account, until a ControlCommand kApproveRebalance sends it (sells at once, buys as
  /// cash allows, as without approval) or kRejectRebalance drops it; one acted on after
  /// expire_after is dropped instead of sent. A dropped list emits RebalanceDeferred
  /// kNotApproved (the account may trigger again); a waiting one makes later triggers of its
  /// account wait (in progress). Before the first event.
  void set_approval(const ApprovalConfig& a) noexcept { approval_ = a; }
  /// A trade list waiting for approval.
  struct Proposal {
    AccountId account{};
    Timestamp time{};  ///< when it was decided
    Money gross{};     ///< sum of |qty| x price over its lines
    struct Line {
      InstrumentId instrument{};
      Qty qty{};  ///< signed: buys +, sells -
      Price price{};
      Money notional{};  ///< buys: at the price with the cost rate (the cash check's)
    };
    std::vector<Line> lines;
  };
  /// Waiting trade lists, oldest first.
  const std::vector<Proposal>& proposals() const noexcept { return proposals_; }

  /// Solves account `a`'s problem as it stands and keeps the solver warm, without starting any
  /// order (start of day: the first trigger of each account shape is then warm). False when the
  /// account cannot be solved now (no NAV, or the optimizer's error).
  bool warm_up(AccountId a);

  /// Routes parents by account and instrument (the router must outlive the rebalancer); without
  /// one every parent goes to the session given at construction.
  void set_router(const SessionRouter* router) noexcept { router_ = router; }

  /// Upper bounds on post-trade weights, by instrument id (compliance.max_weight: its default and
  /// per-instrument caps), for the optimizer and the lot rounding: a rebalance never plans a buy
  /// the compliance gate would deny for its weight (planned to planned_weight_bound of the cap).
  /// Like the gate it caps buys only: a holding above its cap may stay (prices moved it there), and
  /// the cap wins over a band-edge band. Missing entries are 1.
  void set_max_weights(std::vector<double> by_instrument);

  /// Why a rebalance traded nothing, or traded on whole lots that break a constraint (the
  /// optimizer's status is decided by its check of the returned point, docs/optimizer.md):
  ///  - infeasible or not converged: nothing is traded (`traded` false);
  ///  - optimal, but the whole-lot trades break a constraint (`constraint`, by `by` of NAV, on
  ///    `slot` or kAccount): the trades go ahead (`traded` true) and the note says so.
  struct SolveNote {
    AccountId account{};
    SolveStatus status{SolveStatus::kOptimal};
    bool traded = false;
    double kkt_residual = 0;      ///< of the optimizer's point
    double primal_violation = 0;  ///< of the optimizer's point
    const char* constraint = "";  ///< rounding: the worst violated constraint
    std::uint32_t slot = kAccount;
    double by = 0;
    static constexpr std::uint32_t kAccount = ~0u;
  };
  /// The last kMaxNotes notes, oldest first (a ring: no allocation after construction).
  std::vector<SolveNote> notes() const;

  struct Counters {
    std::uint64_t rebalances = 0, buys_waiting = 0, solve_errors = 0;
    std::uint64_t parents = 0;             ///< ParentOrderRequested emitted
    std::uint64_t parents_refused = 0;     ///< of which the slicing engine or order manager refused
    std::uint64_t refused_infeasible = 0;  ///< rebalances not traded: infeasible problem
    std::uint64_t refused_not_converged = 0;  ///< not traded: the point failed the check
    std::uint64_t rounding_violations = 0;    ///< traded, but the whole lots break a constraint
    std::uint64_t skipped_in_progress = 0;
    std::uint64_t solver_loads = 0;      ///< solves that built a new solver (cold)
    std::uint64_t solver_reuses = 0;     ///< solves on a kept solver (warm)
    std::uint64_t exact_warm = 0;        ///< warm solves answered by the active-set path alone
    std::uint64_t skipped_no_price = 0;  ///< a held instrument (or working order) had no price
    std::uint64_t skipped_no_nav = 0;    ///< NAV <= 0 or beyond the Money range: no weights
    std::uint64_t excluded = 0;          ///< instruments left out of rebalances for want of a price
    std::uint64_t buys_dropped = 0;      ///< queued buys dropped by an operator's cancel-all
    std::uint64_t held_for_approval = 0;  ///< trade lists that waited for approval
    std::uint64_t approved = 0, rejected = 0, expired = 0;
  };
  const Counters& counters() const noexcept { return c_; }
  /// The settings every solver is built with: optimizer.max_iterations and optimizer.tolerance
  /// (ADMM's iteration limit and its absolute and relative tolerance), the rest the solver's own.
  OptimizerSettings solver_settings() const noexcept;

 private:
  struct WaitingBuy {
    AccountId account{};
    InstrumentId instrument{};
    Qty qty{};
    Money notional{};  ///< at the mark with the cost rate, for the cash check
  };
  /// One account shape's solver and the scratch it is updated from.
  struct Solver {
    explicit Solver(const OptimizerSettings& st) : opt(st) {}
    std::vector<std::uint32_t> instruments;
    std::vector<std::uint8_t> restricted;
    std::uint64_t last_used = 0;
    RebalanceOptimizer opt;
    RebalanceSolution sol;
    Eigen::VectorXd current, target, cost, band;
  };
  static constexpr std::size_t kMaxSolvers = 64;
  static constexpr std::size_t kMaxNotes = 256;
  void note(const SolveNote& n) noexcept;

  /// Builds account a's problem, solves it on its shape's solver (lines_ holds the lot lines).
  /// Prices must be fresh at *now (warm_up passes null: any mark will do).
  Solver* solve(AccountId a, const Timestamp* now);
  /// The solver of a shape: the instruments and which are fixed (restricted, or left out for
  /// want of a price).
  Solver* find_solver(const Slot* slots, const std::uint8_t* fixed, std::uint32_t n) noexcept;
  void rebalance(AccountId a, Timestamp now, Outbox& out);
  void release(Timestamp now, Outbox& out);
  /// Sends a trade list: sells at once, buys queued for cash (release()).
  void execute(const Proposal& p, Timestamp now, Outbox& out);
  void on_approval(const ControlCommand& c, Timestamp now, Outbox& out);
  /// After a cancel-all ended account a's parents: once the last has closed, the account is
  /// re-armed (RebalanceDeferred kNotApproved).
  void rearm_if_cancelled(AccountId a, Timestamp now, Outbox& out);
  void start(AccountId a, InstrumentId i, Side side, Qty qty, Timestamp now, Outbox& out);
  void parent_done(AccountId a) noexcept;
  /// The optimizer's upper bound for `i` (planned_weight_bound of its cap).
  double weight_bound(InstrumentId i) const noexcept {
    return i.value < max_weight_.size() ? planned_weight_bound(max_weight_[i.value]) : 1.0;
  }
  bool has_active_parent(AccountId a) const noexcept {
    return a.value < active_by_account_.size() && active_by_account_[a.value] != 0;
  }

  const PortfolioBook& book_;
  const MarketState& market_;
  const InstrumentTable& instruments_;
  OptimizerConfig cfg_;
  Eigen::MatrixXd cov_;
  double cash_allowance_;
  double commission_;
  ClOrdIdGenerator& ids_;
  SessionId session_;
  const SessionRouter* router_ = nullptr;
  std::vector<double> max_weight_;  ///< by instrument id; see set_max_weights
  const DriftMonitor* monitor_ = nullptr;
  /// Parents requested and not yet closed or refused, per account (from the events).
  std::vector<std::uint32_t> active_by_account_;
  std::vector<WaitingBuy> waiting_;
  ApprovalConfig approval_{};
  std::vector<Proposal> proposals_;
  std::vector<std::uint8_t> rearm_on_close_;  ///< by account: a cancel-all ended its parents
  Proposal scratch_;                          // the list being decided (its lines' capacity reused)
  std::vector<std::unique_ptr<Solver>> solvers_;
  std::uint64_t use_clock_ = 0;
  std::vector<LotLine> lines_;
  LotWorkspace lot_ws_;  // lot rounding's scratch and result, reused: no allocation per rebalance
  LotResult lots_;
  std::vector<SolveNote> notes_ = std::vector<SolveNote>(kMaxNotes);
  std::uint64_t notes_written_ = 0;
  std::vector<std::uint8_t> fixed_;  // per slot of the account being solved: not tradable
  Counters c_;
};

}  // namespace ballast
