// The compliance gate component: fills the rule inputs, books working children, runs the kill
// switch.
#include <algorithm>
#include <bit>
#include <cmath>

#include "ballast/risk/compliance.hpp"

namespace ballast {

namespace {
using i128 = __int128;

std::int64_t to_ppb(double v) noexcept {
  return static_cast<std::int64_t>(std::llround(v * static_cast<double>(kPpb)));
}
}  // namespace

// ------------------------------------------------------------------------------- TimeRing

void ComplianceGate::TimeRing::push(Timestamp t) noexcept {
  if (t_.empty()) return;
  t_[head_] = t;
  head_ = (head_ + 1) % t_.size();
  if (n_ < t_.size()) ++n_;
}

std::uint32_t ComplianceGate::TimeRing::count_after(Timestamp after) const noexcept {
  // Times are pushed in order, so the ring is sorted from its oldest entry: binary-search
  // for the first entry newer than `after` (a rate of 20k orders/s kept 20k entries, and
  // walking them cost 9 us per order).
  const std::size_t cap = t_.size();
  const std::size_t start = n_ == cap ? head_ : 0;
  std::size_t lo = 0;
  std::size_t hi = n_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    std::size_t idx = start + mid;
    if (idx >= cap) idx -= cap;
    if (t_[idx] <= after) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return static_cast<std::uint32_t>(n_ - lo);
}

// ------------------------------------------------------------------------------- gate

ComplianceGate::ComplianceGate(const ComplianceConfig& cfg, const InstrumentTable& instruments,
                               PortfolioBook& book, const MarketState& market,
                               const ComplianceGateOptions& opts)
    : instruments_(instruments),
      book_(book),
      market_(market),
      cfg_(cfg),
      opts_(opts),
      n_instruments_(instruments.size()),
      weight_ppb_(instruments.size(), to_ppb(cfg.max_weight.default_max)),
      class_of_(instruments.size(), AssetClass::kEquity),
      global_flags_(instruments.size(), 0),
      account_flags_(book.accounts() * instruments.size(), 0),
      adv_raw_(instruments.size(), 0),
      slot_(book.slots()),
      pend_buy_notional_(book.accounts(), 0),
      kill_account_(book.accounts(), 0),
      kill_by_model_(book.accounts(), 0),
      orders_(opts.max_working_orders, kMinMapSlots),
      cancels_(opts.max_working_orders, kMinMapSlots),
      retired_(std::max<std::size_t>(opts.max_retired_orders, 1), kMinMapSlots),
      retired_ring_(std::max<std::size_t>(opts.max_retired_orders, 1), 0),
      parents_(opts.max_parents, kMinMapSlots),
      session_rate_(opts.max_sessions, TimeRing(cfg.max_orders_per_second)),
      proposals_(static_cast<std::size_t>(cfg.kill_switch.order_rate_runaway) + 1),
      rejects_(cfg.kill_switch.reject_storm_count),
      mismatch_tol_ppb_(to_ppb(cfg.kill_switch.mismatch_tolerance)),
      next_cancel_id_(opts.first_cancel_id) {
  for (const auto& in : instruments) class_of_[in.id.value] = in.asset_class;
  for (const auto& sym : cfg.restricted) {
    const InstrumentId i = instruments.find(sym);
    if (i.valid()) global_flags_[i.value] |= kComplianceRestricted;
  }
  for (const auto& in : instruments)
    weight_ppb_[in.id.value] = to_ppb(cfg.max_weight.cap_of(in.symbol));
  if (cfg.max_order_qty) lim_.max_order_qty_raw = cfg.max_order_qty->raw;
  if (cfg.max_order_notional) lim_.max_order_notional_raw = cfg.max_order_notional->raw;
  if (cfg.daily_gross_notional_limit)
    lim_.daily_gross_limit_raw = cfg.daily_gross_notional_limit->raw;
  lim_.collar_ppb = static_cast<std::int64_t>(std::llround(cfg.price_collar_bps * 1e5));
  lim_.reference_stale_after = cfg.reference_stale_after;
  lim_.max_adv_share_ppb = cfg.max_adv_share > 0 ? to_ppb(cfg.max_adv_share) : kComplianceNoLimit;
  lim_.instrument_weight_ppb = weight_ppb_.data();
  lim_.instrument_weight_count = weight_ppb_.size();
  lim_.default_weight_ppb = to_ppb(cfg.max_weight.default_max);
  for (const auto& l : cfg.max_weight.asset_classes)
    lim_.class_weight_ppb[static_cast<std::size_t>(l.asset_class)] = to_ppb(l.max_weight);
  lim_.max_open_orders = cfg.max_open_orders_per_instrument;
  lim_.max_orders_per_second = cfg.max_orders_per_second;
  lim_.duplicate_window = cfg.duplicate_window;
}

void ComplianceGate::set_account_overrides(AccountId a, const AccountOverrides& ov) {
  auto add = [&](const std::vector<std::string>& syms, std::uint8_t flag) {
    for (const auto& sym : syms) {
      const InstrumentId i = instruments_.find(sym);
      if (i.valid()) add_account_flags(a, i, flag);
    }
  };
  add(ov.restricted, kComplianceRestricted);
  add(ov.no_buy, kComplianceNoBuy);
  add(ov.no_sell, kComplianceNoSell);
}

void ComplianceGate::add_account_flags(AccountId a, InstrumentId i, std::uint8_t flags) {
  BALLAST_INVARIANT(a.value < book_.accounts() && i.value < n_instruments_,
                    "compliance flags: account or instrument out of range");
  account_flags_[static_cast<std::size_t>(a.value) * n_instruments_ + i.value] |= flags;
}

void ComplianceGate::set_cash_allowance(double share) noexcept {
  lim_.cash_allowance_ppb = share > 0 ? to_ppb(std::min(share, 1.0)) : 0;
}

void ComplianceGate::set_adv(InstrumentId i, Qty adv) noexcept {
  if (i.value < adv_raw_.size()) adv_raw_[i.value] = adv.raw;
}

bool ComplianceGate::register_parent(OrderId parent, AccountId a, Qty intended) noexcept {
  if (!parent.valid() || parent.value == 0) return false;
  Parent* p = parents_.insert(parent.value);
  if (p == nullptr) return false;
  p->account = a.value;
  p->intended_raw = intended.raw;
  return true;
}

void ComplianceGate::unregister_parent(OrderId parent) noexcept {
  parents_.erase(parent.value);
}

std::int64_t ComplianceGate::find_slot(AccountId a, InstrumentId i) const noexcept {
  if (a.value >= book_.accounts()) return -1;
  const std::uint32_t first = book_.first_slot(a);
  const std::uint32_t n = book_.slot_count(a);
  const Slot* s = book_.slot_data(a);
  for (std::uint32_t k = 0; k < n; ++k)
    if (s[k].inst == i.value) return static_cast<std::int64_t>(first) + k;
  return -1;
}

std::uint32_t ComplianceGate::open_orders(AccountId a, InstrumentId i) const noexcept {
  const std::int64_t s = find_slot(a, i);
  return s < 0 ? 0 : slot_[static_cast<std::size_t>(s)].open;
}

Money ComplianceGate::daily_gross() const noexcept {
  return Money{static_cast<std::int64_t>(daily_gross_e15_ / 1'000'000'000)};
}

void ComplianceGate::roll_day(Timestamp now) noexcept {
  const std::int64_t day = utc_day(now);
  if (day != day_) {
    day_ = day;
    daily_gross_e15_ = 0;
  }
}

bool ComplianceGate::fill_state(const ChildOrderProposed& o, Timestamp now,
                                ComplianceState& s) noexcept {
  const std::int64_t slot = find_slot(o.account, o.instrument);
  if (slot < 0 || o.instrument.value >= n_instruments_) return false;
  roll_day(now);
  const std::uint32_t i = o.instrument.value;
  const SlotState& ss = slot_[static_cast<std::size_t>(slot)];
  s.kill_global = kill_global_;
  s.kill_account = kill_account_[o.account.value] != 0;
  s.restrictions = static_cast<std::uint8_t>(
      global_flags_[i] |
      account_flags_[static_cast<std::size_t>(o.account.value) * n_instruments_ + i]);
  s.asset_class = class_of_[i];
  s.reference = market_.has_mark(o.instrument) ? market_.mark_long(o.instrument) : Price{};
  s.reference_time = market_.mark_time(o.instrument);
  s.adv = Qty{adv_raw_[i]};
  s.position = Qty{book_.slot_qty_raw(static_cast<std::uint32_t>(slot))};
  s.pending_buy = Qty{ss.pend_buy_raw};
  s.pending_sell = Qty{ss.pend_sell_raw};
  s.cash = book_.cash(o.account);
  s.pending_buy_notional_e15 = pend_buy_notional_[o.account.value];
  s.nav = book_.nav(o.account);
  s.open_orders = ss.open;
  if (o.replaces.valid()) {
    // A replace is judged as if the order it replaces were not there.
    Working* w = orders_.find(o.replaces.value);
    if (w != nullptr && w->slot == static_cast<std::uint32_t>(slot)) {
      if (w->side == Side::kBuy) {
        s.pending_buy.raw -= w->leaves_raw;
        s.pending_buy_notional_e15 -= static_cast<i128>(w->leaves_raw) * w->price_raw;
      } else {
        s.pending_sell.raw -= w->leaves_raw;
      }
      if (s.open_orders > 0) --s.open_orders;
    }
  }
  // Same asset class, other holdings: position plus working buys at their long marks.
  i128 other = 0;
  const std::uint32_t first = book_.first_slot(o.account);
  const std::uint32_t n = book_.slot_count(o.account);
  const Slot* sd = book_.slot_data(o.account);
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t inst = sd[k].inst;
    if (inst == i || class_of_[inst] != s.asset_class) continue;
    const InstrumentId id{inst};
    if (!market_.has_mark(id)) continue;
    other +=
        (static_cast<i128>(sd[k].qty) + slot_[first + k].pend_buy_raw) * market_.mark_long(id).raw;
  }
  s.class_other_value_e15 = other;
  const std::size_t sess = o.session.value;
  s.session_orders_last_s = sess < session_rate_.size()
                                ? session_rate_[sess].count_after(now - std::chrono::seconds(1))
                                : 0;
  s.recent = ss.recent.data();
  s.recent_count = static_cast<std::uint32_t>(kRecentPerSlot);
  s.daily_gross_e15 = daily_gross_e15_;
  return true;
}

void ComplianceGate::deny(const ChildOrderProposed& o, DenyReason r, Timestamp now,
                          ComplianceOutbox& out) {
  ++counters_.denied[static_cast<std::size_t>(r)];
  OrderDenied d;
  d.hdr.event_time = now;
  d.order = o.order;
  d.parent = o.parent;
  d.account = o.account;
  d.instrument = o.instrument;
  d.side = o.side;
  d.qty = o.qty;
  d.limit = o.limit;
  d.reason = r;
  out.emit(d);
}

void ComplianceGate::trip(AccountId scope, KillReason why, Timestamp now, ComplianceOutbox& out,
                          bool emit) {
  if (scope.valid()) {
    if (scope.value >= kill_account_.size()) return;
    // The first reason is kept (1 + KillReason): what stopped the account, for the operator.
    if (kill_account_[scope.value] == 0)
      kill_account_[scope.value] = static_cast<std::uint8_t>(1 + static_cast<unsigned>(why));
  } else {
    if (!kill_global_) kill_global_reason_ = why;
    kill_global_ = true;
  }
  ++counters_.kill_trips;
  if (emit) {
    KillSwitchTripped k;
    k.hdr.event_time = now;
    k.account = scope;
    k.reason = why;
    out.emit(k);
  }
  cancel_working(scope, now, out);
}

void ComplianceGate::cancel_working(AccountId scope, Timestamp now, ComplianceOutbox& out) {
  // A global sweep is numbered: a session with mass_cancel covers it with one 35=q.
  const std::uint32_t sweep = scope.valid() ? 0 : ++sweeps_;
  orders_.for_each([&](Working& w) {
    if (w.cancel_sent || (scope.valid() && w.account != scope.value)) return;
    send_cancel(w, sweep, now, out);
  });
}

void ComplianceGate::send_cancel(Working& w, std::uint32_t sweep, Timestamp now,
                                 ComplianceOutbox& out) {
  w.cancel_sent = true;
  CancelOrder c{};
  c.hdr.event_time = now;
  c.order = OrderId{next_cancel_id_++};
  c.orig_order = OrderId{w.id};
  c.session = SessionId{w.session};
  c.sweep = sweep;
  ++counters_.cancels_sent;
  out.emit(c);
}

void ComplianceGate::release(Working& w, std::int64_t qty_raw) noexcept {
  qty_raw = std::clamp<std::int64_t>(qty_raw, 0, w.leaves_raw);
  SlotState& ss = slot_[w.slot];
  if (w.side == Side::kBuy) {
    ss.pend_buy_raw -= qty_raw;
    pend_buy_notional_[w.account] -= static_cast<i128>(qty_raw) * w.price_raw;
  } else {
    ss.pend_sell_raw -= qty_raw;
  }
  w.leaves_raw -= qty_raw;
}

void ComplianceGate::remove(std::uint64_t id) noexcept {
  Working* w = orders_.find(id);
  if (w == nullptr) return;
  Working r = *w;  // retired with the leaves it had: a restore brings them back
  release(*w, w->leaves_raw);
  SlotState& ss = slot_[w->slot];
  if (ss.open > 0) --ss.open;
  if (w->cancel_id != 0) cancels_.erase(w->cancel_id);
  r.cancel_id = 0;
  r.cancel_sent = false;
  r.replaced_by = 0;
  orders_.erase(id);
  if (Working* old = retired_.find(id)) {
    *old = r;
    return;
  }
  // The ring's next slot holds the oldest: forget it (a no-op if it went already).
  if (retired_ring_[retired_head_] != 0) retired_.erase(retired_ring_[retired_head_]);
  if (Working* n = retired_.insert(id)) {
    *n = r;
    retired_ring_[retired_head_] = id;
    retired_head_ = (retired_head_ + 1) % retired_ring_.size();
  }
}

ComplianceGate::Working* ComplianceGate::find_retired(std::uint64_t id) noexcept {
  return id == 0 ? nullptr : retired_.find(id);
}

void ComplianceGate::forget_retired(std::uint64_t id) noexcept {
  if (id != 0) retired_.erase(id);
}

void ComplianceGate::set_leaves(Working& w, std::int64_t leaves_raw) noexcept {
  leaves_raw = std::max<std::int64_t>(leaves_raw, 0);
  if (leaves_raw <= w.leaves_raw) {
    release(w, w.leaves_raw - leaves_raw);
    return;
  }
  const std::int64_t add = leaves_raw - w.leaves_raw;
  SlotState& ss = slot_[w.slot];
  if (w.side == Side::kBuy) {
    ss.pend_buy_raw += add;
    pend_buy_notional_[w.account] += static_cast<i128>(add) * w.price_raw;
  } else {
    ss.pend_sell_raw += add;
  }
  w.leaves_raw = leaves_raw;
}

ComplianceGate::Working* ComplianceGate::restore(std::uint64_t id,
                                                 std::int64_t leaves_raw) noexcept {
  Working* r = find_retired(id);
  if (r == nullptr || leaves_raw <= 0 || orders_.find(id) != nullptr) return nullptr;
  const Working saved = *r;
  forget_retired(id);
  Working* w = orders_.insert(id);
  if (w == nullptr) return nullptr;
  *w = saved;
  w->leaves_raw = 0;
  w->replaced_by = 0;
  ++slot_[w->slot].open;
  set_leaves(*w, leaves_raw);
  return w;
}

ComplianceGate::Working* ComplianceGate::resolve(const ExecutionReported& e) noexcept {
  Working* w = e.order.valid() ? orders_.find(e.order.value) : nullptr;
  if (w == nullptr && e.orig_order.valid()) w = orders_.find(e.orig_order.value);
  if (w == nullptr && e.order.valid()) {
    if (const CancelRef* c = cancels_.find(e.order.value)) w = orders_.find(c->orig);
  }
  return w;
}

void ComplianceGate::close(const ExecutionReported& e, bool final) noexcept {
  // Every id the report may be about: ClOrdID, OrigClOrdID, and the order our cancel targets.
  // Closed for good: not working, and not restorable (a late refusal of its replace).
  std::uint64_t ids[3] = {e.order.valid() ? e.order.value : 0,
                          e.orig_order.valid() ? e.orig_order.value : 0, 0};
  if (e.order.valid()) {
    if (const CancelRef* c = cancels_.find(e.order.value)) {
      ids[2] = c->orig;
      if (const Working* w = orders_.find(c->orig); w == nullptr || w->cancel_id != e.order.value)
        cancels_.erase(e.order.value);  // a cancel of a retired order: nothing else erases it
    }
  }
  for (const std::uint64_t id : ids) {
    if (id == 0) continue;
    remove(id);
    if (final) forget_retired(id);
  }
}

void ComplianceGate::on_cancel_order(const CancelOrder& c) noexcept {
  if (!c.order.valid() || c.order.value == 0 || !c.orig_order.valid()) return;
  Working* w = orders_.find(c.orig_order.value);
  if (w == nullptr) {
    // An order replaced away (its replace still open): its cancel's reports must still find it.
    if (find_retired(c.orig_order.value) != nullptr) {
      if (CancelRef* r = cancels_.insert(c.order.value)) r->orig = c.orig_order.value;
    }
    return;
  }
  if (w->cancel_id != 0) cancels_.erase(w->cancel_id);
  w->cancel_id = 0;
  if (CancelRef* r = cancels_.insert(c.order.value)) {
    r->orig = w->id;
    w->cancel_id = c.order.value;
  }
  w->cancel_sent = true;
}

void ComplianceGate::on_kill_switch_tripped(const KillSwitchTripped& k, Timestamp now,
                                            ComplianceOutbox& out) {
  if (kill_global_) return;
  if (k.account.valid() && k.account.value < kill_account_.size() &&
      kill_account_[k.account.value] != 0) {
    return;
  }
  trip(k.account, k.reason, now, out, false);
}

void ComplianceGate::on_child_order_proposed(const ChildOrderProposed& o, Timestamp now,
                                             ComplianceOutbox& out) {
  // Runaway detector: counts proposals (denied ones too), so a looping slicer trips it.
  proposals_.push(now);
  if (!kill_global_ && proposals_.full() && now - proposals_.oldest() < std::chrono::seconds(1))
    trip(AccountId{}, KillReason::kOrderRate, now, out);

  ComplianceState s;
  if (!fill_state(o, now, s)) {
    deny(o, DenyReason::kRestricted, now, out);
    return;
  }
  if (const auto r = check(o, s, lim_, now)) {
    deny(o, *r, now, out);
    return;
  }
  const std::int64_t slot = find_slot(o.account, o.instrument);
  Working* old = o.replaces.valid() ? orders_.find(o.replaces.value) : nullptr;
  if (o.order.value == 0 || !o.order.valid() ||
      (orders_.find(o.order.value) != nullptr && o.order != o.replaces)) {
    // An id already working (or unusable as a key) would corrupt the book: a duplicate.
    deny(o, DenyReason::kDuplicate, now, out);
    return;
  }
  const std::int64_t old_leaves = old != nullptr ? old->leaves_raw : 0;

  // Sent-versus-intended: the child that would overshoot its parent never leaves.
  Parent* p = o.parent.valid() && o.parent.value != 0 ? parents_.find(o.parent.value) : nullptr;
  if (p != nullptr) {
    const i128 sent = static_cast<i128>(p->sent_raw) + o.qty.raw - old_leaves;
    if (sent * kPpb > static_cast<i128>(p->intended_raw) * (kPpb + mismatch_tol_ppb_)) {
      trip(AccountId{p->account}, KillReason::kSentIntendedMismatch, now, out);
      deny(o, DenyReason::kKillSwitch, now, out);
      return;
    }
  }
  if (old != nullptr) {
    remove(o.replaces.value);
    if (Working* r = find_retired(o.replaces.value)) r->replaced_by = o.order.value;
  }
  Working* w = orders_.insert(o.order.value);
  if (w == nullptr) {
    // The working table is full: nothing more can be tracked, so nothing more may go out.
    deny(o, DenyReason::kMaxOpenOrders, now, out);
    return;
  }
  if (p != nullptr) p->sent_raw += o.qty.raw - old_leaves;
  w->parent = o.parent.value;
  w->account = o.account.value;
  w->instrument = o.instrument.value;
  w->slot = static_cast<std::uint32_t>(slot);
  w->session = o.session.value;
  w->side = o.side;
  w->leaves_raw = o.qty.raw;
  w->price_raw = notional_price(o, s).raw;
  SlotState& ss = slot_[static_cast<std::size_t>(slot)];
  ++ss.open;
  if (o.side == Side::kBuy) {
    ss.pend_buy_raw += o.qty.raw;
    pend_buy_notional_[o.account.value] += static_cast<i128>(o.qty.raw) * w->price_raw;
  } else {
    ss.pend_sell_raw += o.qty.raw;
  }
  ss.recent[ss.recent_head] = RecentOrder{now, o.account, o.instrument, o.side, o.qty, o.limit};
  ss.recent_head = static_cast<std::uint32_t>((ss.recent_head + 1) % kRecentPerSlot);
  if (o.session.value < session_rate_.size()) session_rate_[o.session.value].push(now);
  daily_gross_e15_ += static_cast<i128>(o.qty.raw) * w->price_raw;

  if (o.replaces.valid()) {
    ReplaceOrder r;
    r.hdr.event_time = now;
    r.order = o.order;
    r.orig_order = o.replaces;
    r.session = o.session;
    r.qty = o.qty;
    r.limit = o.limit;
    ++counters_.replaced;
    out.emit(r);
  } else {
    SubmitOrder so = submit_of(o);
    so.hdr.event_time = now;
    ++counters_.submitted;
    out.emit(so);
  }
}

void ComplianceGate::note_reject(Timestamp now, ComplianceOutbox& out) {
  rejects_.push(now);
  if (!kill_global_ && rejects_.full() &&
      now - rejects_.oldest() <= cfg_.kill_switch.reject_storm_window)
    trip(AccountId{}, KillReason::kRejectStorm, now, out);
}

void ComplianceGate::on_execution_reported(const ExecutionReported& e, Timestamp now,
                                           ComplianceOutbox& out) {
  // A report that cannot be booked changes nothing here: the order manager (which knows every
  // order's account) asks for the account's kill, and the gate applies it.
  if (e.issue != ReportIssue::kNone) return;
  const OrdStatus st = e.status;
  const bool closed_status = st == OrdStatus::kFilled || st == OrdStatus::kCanceled ||
                             st == OrdStatus::kRejected || st == OrdStatus::kExpired ||
                             st == OrdStatus::kDoneForDay;
  switch (e.exec_type) {
    case ExecType::kPartialFill:
    case ExecType::kFill:
    case ExecType::kTrade: {
      Working* w = resolve(e);
      if (w == nullptr) {
        // A fill on an order replaced away whose replace may still be refused: keep its
        // retired entry's leaves right for a restore.
        if (Working* r = find_retired(e.order.value)) {
          r->leaves_raw = std::max<std::int64_t>(r->leaves_raw - e.last_qty.raw, 0);
        }
        return;
      }
      release(*w, e.last_qty.raw);
      if (w->leaves_raw <= 0 || st == OrdStatus::kFilled) remove(w->id);
      return;
    }
    case ExecType::kCanceled:
    case ExecType::kExpired:
    case ExecType::kDoneForDay:
    case ExecType::kRejected: {
      close(e, true);
      if (e.exec_type == ExecType::kRejected) note_reject(now, out);
      return;
    }
    case ExecType::kReplaced: {
      // The original is done for good (its entry left when the replace went out).
      forget_retired(e.orig_order.value);
      if (closed_status) remove(e.order.value);
      return;
    }
    case ExecType::kTradeCancel:
    case ExecType::kTradeCorrect:
    case ExecType::kRestated:
    case ExecType::kSuspended:
    case ExecType::kCalculated:
    case ExecType::kOrderStatus: {
      // The broker restates the order: its OrdStatus and LeavesQty are the authority.
      Working* w = resolve(e);
      if (closed_status || st == OrdStatus::kReplaced || e.leaves_qty.raw == 0) {
        // Filled (or nothing left) is not final: a later bust may reopen it.
        close(e, closed_status && st != OrdStatus::kFilled);
        return;
      }
      if (w != nullptr) {
        set_leaves(*w, e.leaves_qty.raw);
      } else {
        // Working again at the broker (a bust reopened it): count it again. Not an order
        // replaced away (its replacement is counted; a refused replace restores it).
        for (const OrderId id : {e.order, e.orig_order}) {
          Working* r = id.valid() ? find_retired(id.value) : nullptr;
          if (r == nullptr) continue;
          if (r->replaced_by != 0) {
            r->leaves_raw = e.leaves_qty.raw;  // kept right for a refused replace's restore
            break;
          }
          if (restore(id.value, e.leaves_qty.raw) != nullptr) break;
        }
      }
      return;
    }
    case ExecType::kNew:
    case ExecType::kPendingNew:
    case ExecType::kPendingCancel:
    case ExecType::kPendingReplace:
    case ExecType::kStopped:
      // Acknowledgements; Stopped is still working (a guaranteed price, not the end).
      return;
  }
}

void ComplianceGate::on_message_rejected(const MessageRejected& e, Timestamp now,
                                         ComplianceOutbox& out) {
  if (e.order.valid()) remove(e.order.value);
  note_reject(now, out);
}

void ComplianceGate::on_cancel_rejected(const CancelRejected& e, Timestamp now,
                                        ComplianceOutbox& out) {
  if (e.response_to == CancelRejectResponseTo::kCancel && e.reason == -1) {
    // The order manager's finding, not the broker's refusal: a status answer showed the order
    // working with no cancel pending, so the cancel never arrived (lost with a connection, or
    // journaled by a run that crashed before sending it). The order is not being cancelled; under
    // a kill switch it is cancelled again at once.
    Working* w = orders_.find(e.orig_order.value);
    if (w == nullptr || !w->cancel_sent) return;
    if (w->cancel_id != 0) cancels_.erase(w->cancel_id);
    w->cancel_id = 0;
    w->cancel_sent = false;
    if (kill_global_ || (w->account < kill_account_.size() && kill_account_[w->account] != 0)) {
      ++counters_.cancels_resent;
      send_cancel(*w, 0, now, out);
    }
    return;
  }
  // A refused replace never lived at the broker: stop counting the replacement as working
  // (typically the original filled first). The original's own entry was released when the
  // replace went out, so the gate stops counting it too; fills on it still reach the book through
  // the order manager.
  if (e.response_to == CancelRejectResponseTo::kReplace) {
    remove(e.order.value);
    // The original works on at the broker: count it again, with the leaves it had (less the
    // fills it got since the replace went out).
    if (e.orig_order.valid()) {
      if (Working* r = find_retired(e.orig_order.value)) {
        r->replaced_by = 0;  // the replace is dead: a plain retired order now (a bust may reopen)
        (void)restore(r->id, r->leaves_raw);
      }
    }
  }
  if (e.reason != -1) note_reject(now, out);  // -1: lost, found by a status answer, not refused
}

std::size_t ComplianceGate::accounts_killed() const noexcept {
  std::size_t n = 0;
  for (const std::uint8_t k : kill_account_) n += k != 0;
  return n;
}

void ComplianceGate::on_control_command(const ControlCommand& c, Timestamp now,
                                        ComplianceOutbox& out) {
  const ModelId model = control_model(c);
  if (!c.account.valid() && model.valid() &&
      (c.action == ControlAction::kKillSwitchOn || c.action == ControlAction::kKillSwitchOff)) {
    // A model's kill switch is each of its accounts' own (released the same way).
    // Releasing it lifts only the kills it made: an account stopped on its own (by the operator
    // or by a rule) before stays stopped.
    for (std::uint32_t a = 0; a < kill_account_.size(); ++a) {
      if (book_.model_of(AccountId{a}).value != model.value) continue;
      if (c.action == ControlAction::kKillSwitchOff) {
        if (kill_by_model_[a] != 0) kill_account_[a] = 0;
        kill_by_model_[a] = 0;
      } else if (kill_account_[a] == 0) {
        trip(AccountId{a}, KillReason::kOperator, now, out);
        kill_by_model_[a] = 1;
      }
    }
    return;
  }
  if (c.action == ControlAction::kCancelAll) {
    cancel_working(c.account, now, out);
  } else if (c.action == ControlAction::kKillSwitchOn) {
    // An account's own command owns its kill from now on (a model's release leaves it).
    if (c.account.valid() && c.account.value < kill_by_model_.size()) {
      kill_by_model_[c.account.value] = 0;
    }
    trip(c.account, KillReason::kOperator, now, out);
  } else if (c.action == ControlAction::kKillSwitchOff) {
    if (c.account.valid()) {
      if (c.account.value < kill_account_.size()) {
        kill_account_[c.account.value] = 0;
        kill_by_model_[c.account.value] = 0;
      }
    } else {
      kill_global_ = false;
      // A fresh start: old rejects and proposals must not re-trip the switch at once.
      rejects_.clear();
      proposals_.clear();
    }
  }
}

void ComplianceGate::on_event(const Event& e, Timestamp now, ComplianceOutbox& out) {
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, ChildOrderProposed>) {
          on_child_order_proposed(ev, now, out);
        } else if constexpr (std::is_same_v<T, ExecutionReported>) {
          on_execution_reported(ev, now, out);
        } else if constexpr (std::is_same_v<T, MessageRejected>) {
          on_message_rejected(ev, now, out);
        } else if constexpr (std::is_same_v<T, CancelRejected>) {
          on_cancel_rejected(ev, now, out);
        } else if constexpr (std::is_same_v<T, ControlCommand>) {
          on_control_command(ev, now, out);
        } else if constexpr (std::is_same_v<T, KillSwitchTripped>) {
          on_kill_switch_tripped(ev, now, out);
        } else if constexpr (std::is_same_v<T, CancelOrder>) {
          on_cancel_order(ev);
        }
      },
      e);
}

}  // namespace ballast
