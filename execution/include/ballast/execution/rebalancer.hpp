// The rebalancer: turns a RebalanceTriggered into parent orders. It builds the account's problem
// from the book (holdings including working orders, targets, spreads as costs), solves it with the
// optimizer, rounds the result to whole lots, starts the sells at once and releases the buys as
// cash allows (cash-aware sequencing), handing parents to the slicing engine.
#pragma once

#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/optimizer.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/session_router.hpp"
#include "ballast/execution/slicing_engine.hpp"

namespace ballast {

/// Thread: the core thread only. The solve allocates (a rebalance is a cold path next to ticks);
/// nothing on the per-tick path does. In the component chain it comes after the order manager,
/// so the fills it reacts to are already booked. A trigger for an account with orders working, a
/// parent still being sliced or buys still queued is skipped (counted).
class Rebalancer {
 public:
  /// `universe_cov`: annualised covariance over the whole instrument universe (n x n, instrument
  /// id order; the risk model provides it). `commission_bps` is added to half the quoted spread
  /// as each instrument's cost rate.
  Rebalancer(const PortfolioBook& book, const MarketState& market,
             const InstrumentTable& instruments, const OptimizerConfig& cfg,
             Eigen::MatrixXd universe_cov, double cash_allowance, double commission_bps,
             SlicingEngine& slicer, ClOrdIdGenerator& parent_ids, SessionId session);

  void on_event(const Event& e, Timestamp now, Outbox& out);

  /// Routes parents by account and instrument (the router must outlive the rebalancer); without
  /// one every parent goes to the session given at construction.
  void set_router(const SessionRouter* router) noexcept { router_ = router; }

  struct Counters {
    std::uint64_t rebalances = 0, parents = 0, buys_waiting = 0, solve_errors = 0;
    std::uint64_t skipped_in_progress = 0;
  };
  const Counters& counters() const noexcept { return c_; }

 private:
  struct WaitingBuy {
    AccountId account{};
    InstrumentId instrument{};
    Qty qty{};
    Money notional{};  ///< at the mark with the cost rate, for the cash check
  };
  void rebalance(AccountId a, Timestamp now, Outbox& out);
  void release(Timestamp now, Outbox& out);
  void start(AccountId a, InstrumentId i, Side side, Qty qty, Timestamp now, Outbox& out);

  const PortfolioBook& book_;
  const MarketState& market_;
  const InstrumentTable& instruments_;
  OptimizerConfig cfg_;
  Eigen::MatrixXd cov_;
  double cash_allowance_;
  double commission_;
  SlicingEngine& slicer_;
  ClOrdIdGenerator& ids_;
  SessionId session_;
  const SessionRouter* router_ = nullptr;
  std::vector<WaitingBuy> waiting_;
  Counters c_;
};

}  // namespace ballast
