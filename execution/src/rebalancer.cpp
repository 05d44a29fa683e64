// The rebalancer.
#include "ballast/execution/rebalancer.hpp"

#include <algorithm>
#include <cmath>

#include "ballast/execution/cash_sequencer.hpp"

namespace ballast {

Rebalancer::Rebalancer(const PortfolioBook& book, const MarketState& market,
                       const InstrumentTable& instruments, const OptimizerConfig& cfg,
                       Eigen::MatrixXd universe_cov, double cash_allowance, double commission_bps,
                       ClOrdIdGenerator& parent_ids, SessionId session)
    : book_(book),
      market_(market),
      instruments_(instruments),
      cfg_(cfg),
      cov_(std::move(universe_cov)),
      cash_allowance_(cash_allowance),
      commission_(commission_bps * 1e-4),
      ids_(parent_ids),
      session_(session) {
  BALLAST_INVARIANT(
      cov_.rows() == static_cast<Eigen::Index>(instruments.size()) && cov_.cols() == cov_.rows(),
      "rebalancer: the covariance must cover the instrument universe");
}

void Rebalancer::start(AccountId a, InstrumentId i, Side side, Qty qty, Timestamp now,
                       Outbox& out) {
  // One line of the trade list: the slicing engine works it, the order manager opens it
  // (ParentOrderRefused if either cannot); journaled with the order intents.
  ParentOrderRequested r{};
  r.hdr.event_time = now;
  r.parent = ids_.next();
  r.account = a;
  r.instrument = i;
  r.session = router_ != nullptr ? router_->route(a, i) : session_;
  r.side = side;
  r.qty = qty;
  out.emit(r);
  ++c_.parents;
  if (a.value >= active_by_account_.size()) active_by_account_.resize(a.value + 1, 0);  // cold
  ++active_by_account_[a.value];
}

void Rebalancer::parent_done(AccountId a) noexcept {
  if (a.value < active_by_account_.size() && active_by_account_[a.value] > 0) {
    --active_by_account_[a.value];
  }
}

Rebalancer::Solver* Rebalancer::find_solver(const Slot* slots, const std::uint8_t* fixed,
                                            std::uint32_t n) noexcept {
  for (auto& sp : solvers_) {
    Solver& v = *sp;
    if (v.instruments.size() != n) continue;
    bool same = true;
    for (std::uint32_t k = 0; k < n && same; ++k) {
      same = v.instruments[k] == slots[k].inst && v.restricted[k] == fixed[k];
    }
    if (same) return &v;
  }
  return nullptr;
}

OptimizerSettings Rebalancer::solver_settings() const noexcept {
  // optimizer.max_iterations and optimizer.tolerance are the solver's ADMM limit and tolerance
  // (docs/configuration.md); the rest are the solver's own defaults.
  OptimizerSettings st;
  st.max_iterations = cfg_.max_iterations;
  st.eps_abs = cfg_.tolerance;
  st.eps_rel = cfg_.tolerance;
  return st;
}

Rebalancer::Solver* Rebalancer::solve(AccountId a, const Timestamp* now) {
  const Slot* slots = book_.slot_data(a);
  const std::uint32_t n = book_.slot_count(a);
  const __int128 nav_e15 = book_.nav_exact(a);
  // Weights need a positive NAV that Money holds (each line's value too, checked below).
  constexpr __int128 kMaxE15 = static_cast<__int128>(INT64_MAX - 1) * Price::kScale;
  if (nav_e15 <= 0 || nav_e15 > kMaxE15 || n == 0) {
    ++c_.skipped_no_nav;
    return nullptr;
  }
  const double nav = static_cast<double>(nav_e15) * 1e-15;
  const bool band_edge = cfg_.mode == OptimizerMode::kBandEdge;
  // Prices (docs/drift.md, "Instruments without a price"): an instrument without a fresh mark at
  // `now` (any mark at all for warm_up) cannot be traded. Not held: it is left out of this
  // rebalance (fixed at zero, target zero, so its share stays in cash). Held, or with working
  // orders: the account's value is unknown, so there is no rebalance.
  fixed_.resize(n);
  for (std::uint32_t k = 0; k < n; ++k) {
    const InstrumentId inst{slots[k].inst};
    const std::int64_t q = slots[k].qty + book_.slot_pending_raw(book_.first_slot(a) + k);
    const bool priced = now != nullptr ? market_.is_fresh(inst, *now) : market_.has_mark(inst);
    const Price mark = market_.mark_for(inst, q);
    if (q != 0 && (!priced || mark.raw <= 0 ||
                   static_cast<__int128>(q) * (q < 0 ? -mark.raw : mark.raw) > kMaxE15)) {
      ++c_.skipped_no_price;
      return nullptr;
    }
    fixed_[k] = (slots[k].flags & kSlotRestricted) != 0 || !priced ? 1 : 0;
  }
  std::uint32_t excluded = 0;
  for (std::uint32_t k = 0; k < n; ++k)
    excluded += fixed_[k] != 0 && (slots[k].flags & kSlotRestricted) == 0;
  Solver* v = find_solver(slots, fixed_.data(), n);
  const bool fresh = v == nullptr;
  if (fresh) {
    if (solvers_.size() < kMaxSolvers) {
      solvers_.push_back(std::make_unique<Solver>(solver_settings()));
      v = solvers_.back().get();
    } else {
      auto lru = std::min_element(
          solvers_.begin(), solvers_.end(),
          [](const auto& x, const auto& y) { return x->last_used < y->last_used; });
      *lru = std::make_unique<Solver>(solver_settings());
      v = lru->get();
    }
    v->instruments.resize(n);
    v->restricted.resize(n);
    for (std::uint32_t k = 0; k < n; ++k) {
      v->instruments[k] = slots[k].inst;
      v->restricted[k] = fixed_[k];
    }
    v->current.resize(n);
    v->target.resize(n);
    v->cost.resize(n);
    v->band.resize(n);
  }
  v->last_used = ++use_clock_;
  // The band-edge line: the monitor's band scaled to its re-arm line, less a margin for lots.
  const double rearm = monitor_ != nullptr ? monitor_->profile(a).rearm_fraction * 0.95 : 0.0;
  auto band_at = [&](std::uint32_t k) {
    const double b = monitor_ != nullptr ? monitor_->band(a, k) * rearm : 1.0;
    return std::isfinite(b) ? std::min(b, 1.0) : 1.0;
  };
  lines_.resize(n);
  double invested = 0;
  bool targets_changed = fresh;
  for (std::uint32_t k = 0; k < n; ++k) {
    const Slot& s = slots[k];
    const InstrumentId inst{s.inst};
    // Holdings count working orders: the book's pending quantities are the order manager's.
    const std::int64_t q = s.qty + book_.slot_pending_raw(book_.first_slot(a) + k);
    const bool left_out = fixed_[k] != 0 && (s.flags & kSlotRestricted) == 0;
    const Price mark = left_out ? Price{} : market_.mark_for(inst, q);  // left out: q == 0
    v->current[k] = static_cast<double>(q) * static_cast<double>(mark.raw) * 1e-15 / nav;
    invested += v->current[k];
    const double target = left_out ? 0.0 : s.target;
    targets_changed = targets_changed || v->target[k] != target;
    v->target[k] = target;
    v->cost[k] = market_.half_spread(inst) + commission_;
    // A left-out or restricted slot is frozen at its weight: no band may ask it to move.
    if (band_edge) v->band[k] = fixed_[k] != 0 ? 1.0 : band_at(k);
    LotLine& l = lines_[k];
    l = LotLine{};
    l.price = mark;
    l.lot = instruments_[inst].lot_size;
    l.position = Qty{q};
    l.lower = 0;  // long-only: the optimizer's lower bounds are 0 too
    // The optimizer's upper bound too: a cap on buys; a weight already above it may stay.
    l.upper = weight_bound(inst);
    l.caps_buys_only = true;
    l.no_buy = l.no_sell = v->restricted[k] != 0;
    l.cost_rate = v->cost[k];
  }
  const double current_cash = 1.0 - invested;
  // Cash bounds: the buffer, and in band-edge mode the cash weight's own band around its target.
  double cash_lo = cfg_.cash_buffer;
  double cash_hi = 1.0;
  if (band_edge && monitor_ != nullptr) {
    const double tc = book_.cash_target(a);
    const double bc = monitor_->cash_band(a) * rearm;
    if (std::isfinite(bc)) {
      cash_lo = std::max(cash_lo, tc - bc);
      cash_hi = std::min(1.0, tc + bc);
    }
  }
  Status st = Ok{};
  if (fresh) {
    RebalanceProblem p;
    p.sigma.dense.resize(n, n);
    for (std::uint32_t k = 0; k < n; ++k)
      for (std::uint32_t l = 0; l < n; ++l)
        p.sigma.dense(k, l) = cov_(slots[k].inst, slots[l].inst);
    p.target = v->target;
    p.current = v->current;
    p.cost = v->cost;
    p.current_cash = current_cash;
    p.upper.resize(n);
    for (std::uint32_t k = 0; k < n; ++k) p.upper[k] = weight_bound(InstrumentId{slots[k].inst});
    p.upper_caps_buys_only = true;
    p.lower = Eigen::VectorXd::Zero(n);
    p.no_buy.assign(v->restricted.begin(), v->restricted.end());
    p.no_sell.assign(v->restricted.begin(), v->restricted.end());
    p.cash_buffer = cash_lo;
    p.cash_max = cash_hi;
    p.turnover_cap = cfg_.turnover_cap;
    p.tracking_weight = cfg_.tracking_weight;
    p.cost_weight = cfg_.cost_weight;
    p.impact_weight = cfg_.impact_weight;
    if (band_edge) {
      p.mode = RebalanceMode::kBandEdge;
      p.band = v->band;
    }
    ++c_.solver_loads;
    st = v->opt.load(p);
  } else {
    ++c_.solver_reuses;
    // Targets are the model's: unchanged between accounts of a model, and they cost a
    // covariance product to update.
    if (targets_changed) st = v->opt.update_targets(v->target);
    if (st) st = v->opt.update_costs(v->cost);
    if (st && band_edge) st = v->opt.update_bands(v->band);
    if (st) st = v->opt.update_cash_bounds(cash_lo, cash_hi);
    if (st) st = v->opt.update_current(v->current, current_cash);
  }
  if (!st) {
    ++c_.solve_errors;
    // A solver that failed to load holds no usable state: forget its shape.
    if (fresh) v->instruments.clear();
    return nullptr;
  }
  const std::uint64_t hits_before = v->opt.counters().active_set_hits;
  const Status solved = v->opt.solve_into(v->sol);
  if (!solved) ++c_.solve_errors;
  if (!solved || !v->sol.optimal()) {
    // Infeasible, or a point that fails the optimizer's check: trade nothing, and say why.
    ++(v->sol.outcome == SolveStatus::kInfeasible ? c_.refused_infeasible
                                                  : c_.refused_not_converged);
    SolveNote nt;
    nt.account = a;
    nt.status = solved ? v->sol.outcome : SolveStatus::kInfeasible;
    nt.kkt_residual = v->sol.kkt_residual;
    nt.primal_violation = v->sol.primal_violation;
    note(nt);
    return nullptr;
  }
  if (!fresh && v->sol.warm && v->opt.counters().active_set_hits != hits_before) ++c_.exact_warm;
  if (now != nullptr) c_.excluded += excluded;
  return v;
}

void Rebalancer::note(const SolveNote& n) noexcept {
  notes_[notes_written_++ % kMaxNotes] = n;
}

std::vector<Rebalancer::SolveNote> Rebalancer::notes() const {
  std::vector<SolveNote> out;
  const std::uint64_t first = notes_written_ > kMaxNotes ? notes_written_ - kMaxNotes : 0;
  for (std::uint64_t k = first; k < notes_written_; ++k) out.push_back(notes_[k % kMaxNotes]);
  return out;
}

bool Rebalancer::warm_up(AccountId a) {
  return solve(a, nullptr) != nullptr;
}

void Rebalancer::set_max_weights(std::vector<double> by_instrument) {
  max_weight_ = std::move(by_instrument);
  solvers_.clear();  // a kept solver holds the bounds it was loaded with
}

void Rebalancer::rebalance(AccountId a, Timestamp now, Outbox& out) {
  ++c_.rebalances;
  Solver* sv = solve(a, &now);
  if (sv == nullptr) return;
  const Slot* slots = book_.slot_data(a);
  const std::uint32_t n = book_.slot_count(a);
  std::vector<LotLine>& lines = lines_;
  for (std::uint32_t k = 0; k < n; ++k) lines[k].target = sv->sol.weights[k];
  round_to_lots_into(lines, book_.cash(a), cfg_.cash_buffer, cfg_.min_trade_value, lot_ws_, lots_);
  const LotResult& lots = lots_;
  // The whole lots may break what the optimizer's point kept: trade, and say which and by how
  // much (the worst one). The configured limits are the hard ones (band-edge bands are not).
  const std::vector<LotViolation> broken = check_lots(
      {lines.data(), n}, lots, book_.cash(a), LotLimits{cfg_.cash_buffer, 1.0, cfg_.turnover_cap});
  if (!broken.empty()) {
    ++c_.rounding_violations;
    const auto worst = std::max_element(broken.begin(), broken.end(),
                                        [](const auto& x, const auto& y) { return x.by < y.by; });
    SolveNote nt;
    nt.account = a;
    nt.traded = true;
    nt.kkt_residual = sv->sol.kkt_residual;
    nt.primal_violation = sv->sol.primal_violation;
    nt.constraint = worst->constraint;
    nt.slot = worst->line == LotViolation::kAccount ? SolveNote::kAccount
                                                    : static_cast<std::uint32_t>(worst->line);
    nt.by = worst->by;
    note(nt);
  }
  Proposal& p = scratch_;
  p.account = a;
  p.time = now;
  p.gross = Money{};
  p.lines.clear();
  for (std::uint32_t k = 0; k < n; ++k) {
    const Qty t = lots.trades[k];
    if (t.raw == 0) continue;
    Proposal::Line l;
    l.instrument = InstrumentId{slots[k].inst};
    l.qty = t;
    l.price = lines[k].price;
    const Money v = notional(lines[k].price, Qty{t.raw < 0 ? -t.raw : t.raw}, Rounding::kUp);
    p.gross = p.gross + v;
    if (t.raw > 0) {
      const Money fee =
          Money::from_double(v.to_double() * lines[k].cost_rate, Rounding::kUp).value_or(Money{});
      l.notional = v + fee;
    }
    p.lines.push_back(l);
  }
  const bool hold =
      !p.lines.empty() &&
      (approval_.mode == ApprovalMode::kManual ||
       (approval_.mode == ApprovalMode::kAboveValue && p.gross > approval_.above_value));
  if (hold) {
    ++c_.held_for_approval;
    proposals_.push_back(p);
    return;
  }
  execute(p, now, out);
}

void Rebalancer::execute(const Proposal& p, Timestamp now, Outbox& out) {
  // Sells start now; buys wait for the cash the sells raise (release()).
  for (const Proposal::Line& l : p.lines) {
    if (l.qty.raw < 0) {
      start(p.account, l.instrument, Side::kSell, Qty{-l.qty.raw}, now, out);
    } else {
      waiting_.push_back({p.account, l.instrument, l.qty, l.notional});
      ++c_.buys_waiting;
    }
  }
  release(now, out);
}

void Rebalancer::rearm_if_cancelled(AccountId a, Timestamp now, Outbox& out) {
  if (a.value >= rearm_on_close_.size() || rearm_on_close_[a.value] == 0 || has_active_parent(a)) {
    return;
  }
  rearm_on_close_[a.value] = 0;
  RebalanceDeferred d{};
  d.hdr.event_time = now;
  d.account = a;
  d.reason = DeferReason::kNotApproved;
  out.emit(d);
}

void Rebalancer::on_approval(const ControlCommand& c, Timestamp now, Outbox& out) {
  const bool approve = c.action == ControlAction::kApproveRebalance;
  std::size_t kept = 0;
  std::vector<Proposal> acted;
  for (std::size_t i = 0; i < proposals_.size(); ++i) {
    if (c.account.valid() && proposals_[i].account != c.account) {
      if (kept != i) proposals_[kept] = std::move(proposals_[i]);
      ++kept;
      continue;
    }
    acted.push_back(std::move(proposals_[i]));
  }
  proposals_.resize(kept);
  for (const Proposal& p : acted) {
    if (approve && now - p.time <= approval_.expire_after) {
      ++c_.approved;
      execute(p, now, out);
      continue;
    }
    ++(approve ? c_.expired : c_.rejected);
    RebalanceDeferred d{};
    d.hdr.event_time = now;
    d.account = p.account;
    d.reason = DeferReason::kNotApproved;
    out.emit(d);
  }
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
    // NAV for the allowance: none when it is <= 0 or beyond Money (a price no account is worth).
    const __int128 nav_e15 = book_.nav_exact(w.account);
    const Money nav = nav_e15 > 0 && nav_e15 <= static_cast<__int128>(INT64_MAX - 1) * Price::kScale
                          ? book_.nav(w.account)
                          : Money{};
    release_buys(book_.cash(w.account), pending_buys, buy_allowance(cash_allowance_, nav),
                 {&need, 1}, {&granted, 1});
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
    for (const auto& p : proposals_) queued = queued || p.account == r->account;
    if (book_.has_pending(r->account) || queued || has_active_parent(r->account)) {
      ++c_.skipped_in_progress;
      // Not acted on: the drift monitor re-arms the account, so it may fire again.
      RebalanceDeferred d{};
      d.hdr.event_time = now;
      d.account = r->account;
      d.reason = DeferReason::kInProgress;
      out.emit(d);
      return;
    }
    rebalance(r->account, now, out);
  } else if (const auto* pc = std::get_if<ParentOrderClosed>(&e)) {
    parent_done(pc->account);
    rearm_if_cancelled(pc->account, now, out);
  } else if (const auto* rf = std::get_if<ParentOrderRefused>(&e)) {
    // Refused by the slicing engine or the order manager (each emits at most one per parent).
    ++c_.parents_refused;
    parent_done(rf->account);
    rearm_if_cancelled(rf->account, now, out);
  } else if (const auto* cc = std::get_if<ControlCommand>(&e)) {
    if (cc->action == ControlAction::kApproveRebalance ||
        cc->action == ControlAction::kRejectRebalance) {
      on_approval(*cc, now, out);
      return;
    }
    if (cc->action != ControlAction::kCancelAll) return;
    // Once their ended parents have closed, the accounts in scope may trigger again (after the
    // cool-down): a drift that persists is decided on afresh, not left disarmed for the day.
    for (std::size_t a = 0; a < active_by_account_.size(); ++a) {
      if (active_by_account_[a] == 0 || (cc->account.valid() && cc->account.value != a)) continue;
      if (rearm_on_close_.size() <= a) rearm_on_close_.resize(active_by_account_.size(), 0);
      rearm_on_close_[a] = 1;
    }
    // Nothing of the accounts in scope goes to the market: their waiting lists are dropped too.
    ControlCommand reject = *cc;
    reject.action = ControlAction::kRejectRebalance;
    on_approval(reject, now, out);
    // The operator's cancel-all: buys queued for cash in scope never start.
    const auto gone = std::remove_if(waiting_.begin(), waiting_.end(), [&](const WaitingBuy& w) {
      return !cc->account.valid() || w.account == cc->account;
    });
    c_.buys_dropped += static_cast<std::uint64_t>(waiting_.end() - gone);
    waiting_.erase(gone, waiting_.end());
  } else if (std::holds_alternative<ExecutionReported>(e) && !waiting_.empty()) {
    release(now, out);  // fills change cash: waiting buys may go
  }
}

}  // namespace ballast
