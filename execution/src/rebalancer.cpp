// The rebalancer.
#include "ballast/execution/rebalancer.hpp"

#include "ballast/engine/lot_rounding.hpp"
#include "ballast/execution/cash_sequencer.hpp"

namespace ballast {

Rebalancer::Rebalancer(const PortfolioBook& book, const MarketState& market,
                       const InstrumentTable& instruments, const OptimizerConfig& cfg,
                       Eigen::MatrixXd universe_cov, double cash_allowance, double commission_bps,
                       SlicingEngine& slicer, ClOrdIdGenerator& parent_ids, SessionId session)
    : book_(book),
      market_(market),
      instruments_(instruments),
      cfg_(cfg),
      cov_(std::move(universe_cov)),
      cash_allowance_(cash_allowance),
      commission_(commission_bps * 1e-4),
      slicer_(slicer),
      ids_(parent_ids),
      session_(session) {
  BALLAST_INVARIANT(
      cov_.rows() == static_cast<Eigen::Index>(instruments.size()) && cov_.cols() == cov_.rows(),
      "rebalancer: the covariance must cover the instrument universe");
}

void Rebalancer::start(AccountId a, InstrumentId i, Side side, Qty qty, Timestamp now,
                       Outbox& out) {
  ParentRequest r;
  r.id = ids_.next();
  r.account = a;
  r.instrument = i;
  r.session = router_ != nullptr ? router_->route(a, i) : session_;
  r.side = side;
  r.quantity = qty;
  if (slicer_.start_parent(r, now, out)) ++c_.parents;
}

void Rebalancer::rebalance(AccountId a, Timestamp now, Outbox& out) {
  ++c_.rebalances;
  const Slot* slots = book_.slot_data(a);
  const std::uint32_t n = book_.slot_count(a);
  const double nav = static_cast<double>(book_.nav_exact(a)) * 1e-15;
  if (!(nav > 0) || n == 0) return;
  RebalanceProblem p;
  p.sigma.dense.resize(n, n);
  p.target.resize(n);
  p.current.resize(n);
  p.cost.resize(n);
  p.upper = Eigen::VectorXd::Ones(n);
  p.lower = Eigen::VectorXd::Zero(n);
  p.no_buy.assign(n, 0);
  p.no_sell.assign(n, 0);
  double invested = 0;
  std::vector<LotLine> lines(n);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Slot& s = slots[k];
    const InstrumentId inst{s.inst};
    for (std::uint32_t l = 0; l < n; ++l) p.sigma.dense(k, l) = cov_(s.inst, slots[l].inst);
    // Holdings count working orders: the book's pending quantities are the order manager's.
    const std::int64_t q = s.qty + book_.slot_pending_raw(book_.first_slot(a) + k);
    const Price mark = market_.mark_for(inst, q);
    p.current[k] = static_cast<double>(q) * static_cast<double>(mark.raw) * 1e-15 / nav;
    invested += p.current[k];
    p.target[k] = s.target;
    p.cost[k] = market_.half_spread(inst) + commission_;
    if (s.flags & kSlotRestricted) p.no_buy[k] = p.no_sell[k] = 1;
    if (cfg_.long_only) p.lower[k] = 0;
    LotLine& l = lines[k];
    l.price = mark;
    l.lot = instruments_[inst].lot_size;
    l.position = Qty{q};
    l.lower = p.lower[k];
    l.upper = p.upper[k];
    l.no_buy = p.no_buy[k];
    l.no_sell = p.no_sell[k];
    l.cost_rate = p.cost[k];
  }
  p.current_cash = 1.0 - invested;
  p.cash_buffer = cfg_.cash_buffer;
  p.turnover_cap = cfg_.turnover_cap;
  p.tracking_weight = cfg_.tracking_weight;
  p.cost_weight = cfg_.cost_weight;
  p.impact_weight = cfg_.impact_weight;
  RebalanceOptimizer opt;
  if (!opt.load(p)) {
    ++c_.solve_errors;
    return;
  }
  auto sol = opt.solve();
  if (!sol) {
    ++c_.solve_errors;
    return;
  }
  for (std::uint32_t k = 0; k < n; ++k) lines[k].target = sol.value().weights[k];
  const LotResult lots =
      round_to_lots(lines, book_.cash(a), cfg_.cash_buffer, cfg_.min_trade_value);
  // Sells start now; buys wait for the cash the sells raise (release()).
  for (std::uint32_t k = 0; k < n; ++k) {
    const Qty t = lots.trades[k];
    const InstrumentId inst{slots[k].inst};
    if (t.raw < 0) {
      start(a, inst, Side::kSell, -t, now, out);
    } else if (t.raw > 0) {
      const Money v = notional(lines[k].price, t, Rounding::kUp);
      const Money fee =
          Money::from_double(v.to_double() * lines[k].cost_rate, Rounding::kUp).value_or(Money{});
      waiting_.push_back({a, inst, t, v + fee});
      ++c_.buys_waiting;
    }
  }
  release(now, out);
}

void Rebalancer::release(Timestamp now, Outbox& out) {
  // Per account, in the order the buys were queued: a buy starts when the account's buying power
  // (cash - working buys + allowance) covers its whole notional.
  for (std::size_t i = 0; i < waiting_.size();) {
    const WaitingBuy& w = waiting_[i];
    Money pending_buys{};
    const std::uint32_t first = book_.first_slot(w.account);
    for (std::uint32_t k = 0; k < book_.slot_count(w.account); ++k) {
      const std::int64_t pq = book_.slot_pending_raw(first + k);
      if (pq > 0) {
        const InstrumentId inst{book_.slot_data(w.account)[k].inst};
        pending_buys += notional(market_.mark_long(inst), Qty{pq}, Rounding::kUp);
      }
    }
    const BuyNeed need{OrderId{}, w.notional};
    Money granted;
    release_buys(book_.cash(w.account), pending_buys,
                 buy_allowance(cash_allowance_, book_.nav(w.account)), {&need, 1}, {&granted, 1});
    if (granted == w.notional) {
      start(w.account, w.instrument, Side::kBuy, w.qty, now, out);
      waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

void Rebalancer::on_event(const Event& e, Timestamp now, Outbox& out) {
  if (const auto* r = std::get_if<RebalanceTriggered>(&e)) {
    bool queued = false;
    for (const auto& w : waiting_) queued = queued || w.account == r->account;
    if (book_.has_pending(r->account) || queued || slicer_.has_active_parent(r->account)) {
      ++c_.skipped_in_progress;
      return;
    }
    rebalance(r->account, now, out);
  } else if (std::holds_alternative<ExecutionReported>(e) && !waiting_.empty()) {
    release(now, out);  // fills change cash: waiting buys may go
  }
}

}  // namespace ballast
