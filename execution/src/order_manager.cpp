// OrderManager: children, parents, blocks, fills and cost basis (docs/execution.md).
#include "ballast/execution/order_manager.hpp"

#include <algorithm>

namespace ballast {

namespace {

constexpr Qty signed_qty(Side side, Qty q) noexcept {
  return side == Side::kBuy ? q : -q;
}

constexpr std::int64_t abs64(std::int64_t v) noexcept {
  return v < 0 ? -v : v;
}

/// Closed: the broker works it no more and no request of ours is outstanding. An inactive
/// replacement is PendingNew until the broker answers, so it is open.
bool closed(const ChildOrder& c) noexcept {
  const OrderState s = c.state();
  return !c.request_pending() && (s == OrderState::kFilled || is_terminal(s));
}

std::int64_t round_e15(__int128 v, std::int64_t den) noexcept {
  const __int128 r = detail::div_round(v, den, Rounding::kHalfEven);
  BALLAST_INVARIANT(detail::fits_i64(r), "cost basis out of range");
  return static_cast<std::int64_t>(r);
}

}  // namespace

Price ParentOrder::avg_px() const noexcept {
  if (filled.raw == 0) return Price{};
  return Price{round_e15(notional_e15, filled.raw)};
}

OrderManager::OrderManager(PortfolioBook& book, const MarketState& market,
                           OrderManagerLimits limits)
    : book_(book),
      market_(market),
      limits_(limits),
      child_index_(limits.max_children),
      // Room for every cancel id the children remember (kCancelIdsPerChild each): sized at
      // max_children, a table whose children had two cancels each refused the later ids, and a
      // reject addressed to one of them found no order.
      cancel_index_(limits.max_children * kCancelIdsPerChild),
      parent_index_(limits.max_parents),
      basis_index_(limits.max_positions),
      ledger_(limits.max_exec_ids),
      allocator_(limits.max_block_shares),
      alloc_in_(limits.max_block_shares),
      alloc_out_(limits.max_block_shares) {
  children_.reserve(limits.max_children);
  child_meta_.reserve(limits.max_children);
  free_children_.reserve(limits.max_children);
  closed_.resize(2 * std::max<std::size_t>(limits.max_children, 1));
  parents_.reserve(limits.max_parents);
  parent_meta_.reserve(limits.max_parents);
  free_parents_.reserve(limits.max_parents);
  bases_.reserve(limits.max_positions);
  shares_.reserve(limits.max_block_shares);
}

void OrderManager::on_event(const Event& e, Timestamp now, Outbox& out) noexcept {
  roll_day(now);
  reclaim(now);
  n_touched_ = 0;
  out_ = &out;
  now_ = now;
  dispatch(e, now, out);
  out_ = nullptr;
  for (std::uint32_t k = 0; k < n_touched_; ++k) settle(touched_[k], now);
  n_touched_ = 0;
}

void OrderManager::on_parent_requested(const ParentOrderRequested& r, Outbox& out) {
  if (open_parent(r.parent, r.account, r.instrument, r.side, r.qty)) {
    // The slicing engine works it from here (or refuses it: then it is closed below).
    ParentOrderAccepted ok{r};
    ok.hdr = EventHeader{};
    ok.hdr.event_time = now_;
    out.emit(ok);
    return;
  }
  ++counters_.parents_refused;
  ParentOrderRefused no{};
  no.hdr.event_time = now_;
  no.parent = r.parent;
  no.account = r.account;
  no.instrument = r.instrument;
  no.reason = ParentRefusal::kOrderBook;
  out.emit(no);
}

void OrderManager::dispatch(const Event& e, Timestamp now, Outbox& out) noexcept {
  if (const auto* pr = std::get_if<ParentOrderRequested>(&e)) {
    on_parent_requested(*pr, out);
  } else if (const auto* pc = std::get_if<ParentOrderClosed>(&e)) {
    (void)close_parent(pc->parent);
  } else if (const auto* rf = std::get_if<ParentOrderRefused>(&e)) {
    // The slicing engine refused a parent this manager opened (and accepted): no child will come
    // for it. Its own refusals (kOrderBook) opened nothing.
    if (rf->reason != ParentRefusal::kOrderBook) (void)close_parent(rf->parent);
  } else if (const auto* s = std::get_if<SubmitOrder>(&e)) {
    on_submit_order(*s);
  } else if (const auto* r = std::get_if<ExecutionReported>(&e)) {
    on_report(*r, now, &out);
  } else if (const auto* c = std::get_if<CancelOrder>(&e)) {
    const std::uint32_t seq = request_seq_of(c->orig_order);
    on_cancel_order(*c);
    arm_if_requested(c->orig_order, seq, now, out);
  } else if (const auto* rp = std::get_if<ReplaceOrder>(&e)) {
    const std::uint32_t seq = request_seq_of(rp->orig_order);
    on_replace_order(*rp);
    arm_if_requested(rp->orig_order, seq, now, out);
  } else if (const auto* t = std::get_if<TimerFired>(&e)) {
    on_timer(*t, now, out);
  } else if (const auto* cr = std::get_if<CancelRejected>(&e)) {
    on_cancel_rejected(*cr);
  } else if (const auto* mr = std::get_if<MessageRejected>(&e)) {
    on_message_rejected(*mr);
  } else if (const auto* ss = std::get_if<SessionStatusChanged>(&e);
             ss != nullptr && ss->state == SessionState::kLoggedOn) {
    on_logon(ss->session);
  }
}

void OrderManager::on_logon(SessionId s) noexcept {
  // A cancel or replace sent before the connection went (or by a run that crashed after
  // journaling it, before or while sending it) either reached the broker or never will: stale
  // resends are gap-filled. The session supervisor asks the status of every live order now, and
  // that answer decides, as after a request timeout: an order the broker works as before (no
  // request pending) had its request lost (kFlagRequestLost; follow_up tells the gate).
  for (ChildOrder& c : children_) {
    if (!c.id().valid() || !c.live() || c.session() != s || !c.request_pending()) continue;
    touch(&c);
    c.on_request_timeout();
  }
}

// ------------------------------------------------------------------------------- lookups

ChildOrder* OrderManager::find_child(OrderId id) noexcept {
  const std::uint32_t i = child_index_.find(id.value);
  if (i == FlatIdMap::kNone) return nullptr;
  touch(&children_[i]);
  return &children_[i];
}

const ChildOrder* OrderManager::child(OrderId id) const noexcept {
  const std::uint32_t i = child_index_.find(id.value);
  return i == FlatIdMap::kNone ? nullptr : &children_[i];
}

ChildOrder* OrderManager::resolve(OrderId id) noexcept {
  ChildOrder* c = find_child(id);
  if (c == nullptr) {
    const std::uint32_t i = cancel_index_.find(id.value);
    if (i == FlatIdMap::kNone) return nullptr;
    touch(&children_[i]);
    return &children_[i];
  }
  if (!c->active() && c->replaces().valid()) {
    // Reports during a pending replace may carry the new ClOrdID; the old order is the one
    // working until the broker says Replaced.
    if (ChildOrder* old = find_child(c->replaces())) return old;
  }
  return c;
}

ParentOrder* OrderManager::find_parent(OrderId id) noexcept {
  const std::uint32_t i = parent_index_.find(id.value);
  return i == FlatIdMap::kNone ? nullptr : &parents_[i];
}

const ParentOrder* OrderManager::parent(OrderId id) const noexcept {
  const std::uint32_t i = parent_index_.find(id.value);
  return i == FlatIdMap::kNone ? nullptr : &parents_[i];
}

ParentOrder* OrderManager::parent_for(const ChildOrder& c) noexcept {
  return c.parent().valid() ? find_parent(c.parent()) : nullptr;
}

// ------------------------------------------------------------------------------- set-up

std::uint32_t OrderManager::take_parent_slot() noexcept {
  if (!free_parents_.empty()) {
    const std::uint32_t slot = free_parents_.back();
    free_parents_.pop_back();
    return slot;
  }
  if (parents_.size() >= limits_.max_parents) return kNoSlot;
  parents_.emplace_back();
  parent_meta_.emplace_back();
  return static_cast<std::uint32_t>(parents_.size() - 1);
}

bool OrderManager::open_parent(OrderId id, AccountId account, InstrumentId instrument, Side side,
                               Qty intended) noexcept {
  if (!id.valid() || parent_index_.find(id.value) != FlatIdMap::kNone) return false;
  const std::uint32_t slot = take_parent_slot();
  if (slot == kNoSlot) return false;
  if (!parent_index_.insert(id.value, slot)) {
    free_parents_.push_back(slot);
    return false;
  }
  parents_[slot] = ParentOrder{
      .id = id, .account = account, .instrument = instrument, .side = side, .intended = intended};
  parent_meta_[slot] = ParentMeta{};
  return true;
}

bool OrderManager::close_parent(OrderId id) noexcept {
  const std::uint32_t slot = parent_index_.find(id.value);
  if (slot == FlatIdMap::kNone || parents_[slot].block) return false;
  parent_meta_[slot].finished = true;
  maybe_retire_parent(slot);
  return true;
}

void OrderManager::maybe_retire_parent(std::uint32_t slot) noexcept {
  const ParentMeta& m = parent_meta_[slot];
  ParentOrder& p = parents_[slot];
  if (!m.finished || m.children != 0 || p.block || !p.id.valid()) return;
  (void)parent_index_.erase(p.id.value);
  p = ParentOrder{};
  parent_meta_[slot] = ParentMeta{};
  free_parents_.push_back(slot);
  ++counters_.retired_parents;
}

bool OrderManager::open_block(OrderId id, InstrumentId instrument, Side side, Qty lot,
                              std::span<const BlockShare> shares) {
  if (!id.valid() || lot.raw <= 0 || shares_.size() + shares.size() > limits_.max_block_shares ||
      parent_index_.find(id.value) != FlatIdMap::kNone) {
    return false;
  }
  std::vector<std::uint32_t> ids;  // cold path: checking for repeated accounts
  Qty total{};
  for (const BlockShare& s : shares) {
    if (s.requested.raw < 0 || !s.account.valid()) return false;
    ids.push_back(s.account.value);
    total += s.requested;
  }
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return false;
  const std::uint32_t slot = take_parent_slot();
  if (slot == kNoSlot) return false;
  if (!parent_index_.insert(id.value, slot)) {
    free_parents_.push_back(slot);
    return false;
  }
  parent_meta_[slot] = ParentMeta{};
  parents_[slot] = (ParentOrder{.id = id,
                                .instrument = instrument,
                                .side = side,
                                .intended = total,
                                .lot = lot,
                                .first_share = static_cast<std::uint32_t>(shares_.size()),
                                .n_shares = static_cast<std::uint32_t>(shares.size()),
                                .block = true});
  for (const BlockShare& s : shares) {
    shares_.push_back(ShareState{.account = s.account, .requested = s.requested});
    (void)book_.add_pending(s.account, instrument, signed_qty(side, s.requested));
  }
  return true;
}

bool OrderManager::close_block(OrderId id) noexcept {
  ParentOrder* p = find_parent(id);
  if (p == nullptr || !p->block) return false;
  for (std::uint32_t k = 0; k < p->n_shares; ++k) {
    ShareState& s = shares_[p->first_share + k];
    const Qty rest = s.requested - s.allocated;
    if (rest.raw > 0) (void)book_.add_pending(s.account, p->instrument, -signed_qty(p->side, rest));
    s.requested = s.allocated;
  }
  return true;
}

bool OrderManager::set_cost_basis(AccountId a, InstrumentId i, Qty qty, Price avg_cost) noexcept {
  Basis* b = basis_for(a, i);
  if (b == nullptr) return false;
  b->qty = qty.raw;
  b->cost_e15 = static_cast<__int128>(qty.raw) * avg_cost.raw;
  b->estimated = false;
  b->priced = true;
  return true;
}

OrderManager::Basis* OrderManager::basis_for(AccountId a, InstrumentId i) noexcept {
  const std::uint64_t key = (static_cast<std::uint64_t>(a.value) << 32) | i.value;
  const std::uint32_t idx = basis_index_.find(key);
  if (idx != FlatIdMap::kNone) return &bases_[idx];
  if (bases_.size() >= limits_.max_positions) return nullptr;
  if (!basis_index_.insert(key, static_cast<std::uint32_t>(bases_.size()))) return nullptr;
  Basis b;
  // A position from before start: its cost is unknown until set_cost_basis; book() prices it at
  // the first fill and marks it estimated.
  b.qty = book_.position(a, i).raw;
  b.estimated = b.qty != 0;
  bases_.push_back(b);
  return &bases_.back();
}

CostBasis OrderManager::cost_basis(AccountId a, InstrumentId i) const noexcept {
  const std::uint64_t key = (static_cast<std::uint64_t>(a.value) << 32) | i.value;
  const std::uint32_t idx = basis_index_.find(key);
  if (idx == FlatIdMap::kNone) return CostBasis{};
  const Basis& b = bases_[idx];
  CostBasis r;
  r.qty = Qty{b.qty};
  r.avg_cost = b.qty == 0 ? Price{} : Price{round_e15(b.cost_e15, b.qty)};
  r.realized = Money{round_e15(b.realized_e15, Price::kScale)};
  r.estimated = b.estimated;
  return r;
}

Qty OrderManager::block_allocated(OrderId id, AccountId a) const noexcept {
  const ParentOrder* p = parent(id);
  if (p == nullptr || !p->block) return Qty{};
  for (std::uint32_t k = 0; k < p->n_shares; ++k) {
    const ShareState& s = shares_[p->first_share + k];
    if (s.account == a) return s.allocated;
  }
  return Qty{};
}

// ------------------------------------------------------------------------------- commands

std::uint32_t OrderManager::take_child_slot() noexcept {
  if (free_children_.empty() && children_.size() < limits_.max_children) {
    children_.emplace_back();
    child_meta_.emplace_back();
    return static_cast<std::uint32_t>(children_.size() - 1);
  }
  // Full: the oldest closed children leave before their retention.
  while (free_children_.empty() && closed_n_ > 0) {
    const Closed e = closed_[closed_head_];
    closed_head_ = (closed_head_ + 1) % closed_.size();
    --closed_n_;
    if (retire_if(e)) ++counters_.retired_early;
  }
  if (free_children_.empty()) return kNoSlot;
  const std::uint32_t slot = free_children_.back();
  free_children_.pop_back();
  return slot;
}

void OrderManager::on_submit_order(const SubmitOrder& s) noexcept {
  if (find_child(s.order) != nullptr) return;  // the same command seen twice
  const std::uint32_t slot = take_child_slot();
  if (slot == kNoSlot) {
    ++counters_.capacity_exhausted;
    return;
  }
  if (!child_index_.insert(s.order.value, slot)) {
    free_children_.push_back(slot);
    ++counters_.capacity_exhausted;
    return;
  }
  children_[slot] = ChildOrder(s);
  ChildOrder& c = children_[slot];
  touch(&c);
  if (s.parent.valid()) {
    std::uint32_t p = parent_index_.find(s.parent.value);
    if (p == FlatIdMap::kNone && open_parent(s.parent, s.account, s.instrument, s.side, Qty{})) {
      // Seen only through its children (a replayed log): nobody will finish it.
      p = parent_index_.find(s.parent.value);
      parent_meta_[p].finished = true;
    }
    if (p != FlatIdMap::kNone) {
      ++parent_meta_[p].children;
      child_meta_[slot].counted = true;
    }
  }
  sync_pending(c, Qty{});
}

void OrderManager::on_cancel_order(const CancelOrder& c) noexcept {
  const std::uint32_t idx = child_index_.find(c.orig_order.value);
  if (idx == FlatIdMap::kNone) {
    ++counters_.unknown_orders;
    return;
  }
  children_[idx].on_cancel_request();
  touch(&children_[idx]);
  ChildMeta& m = child_meta_[idx];
  if (cancel_index_.insert(c.order.value, idx)) {
    // The child remembers its recent cancel requests, to take them out of the index when it
    // leaves the table; an answer to an older one finds the child by OrigClOrdID.
    std::uint64_t& cell = m.cancels[m.n_cancels % kCancelIdsPerChild];
    if (m.n_cancels >= kCancelIdsPerChild && cancel_index_.find(cell) == idx) {
      (void)cancel_index_.erase(cell);
    }
    cell = c.order.value;
    ++m.n_cancels;
  }
}

void OrderManager::on_replace_order(const ReplaceOrder& r) noexcept {
  const std::uint32_t orig = child_index_.find(r.orig_order.value);
  if (orig == FlatIdMap::kNone) {
    ++counters_.unknown_orders;
    return;
  }
  if (closed(children_[orig])) {
    // A replace of an order the broker works no more: it will refuse it (35=9, answered against
    // the original). No replacement is made, so none is left waiting for an answer that never
    // activates it.
    ++counters_.replaces_of_closed;
    return;
  }
  if (child_index_.find(r.order.value) != FlatIdMap::kNone) {
    ++counters_.capacity_exhausted;  // an id already in use: refused as before
    return;
  }
  // Taking a slot may retire closed children early (a full table); the original is open, so it
  // stays, but look it up again after all the same.
  const std::uint32_t slot = take_child_slot();
  if (slot == kNoSlot) {
    ++counters_.capacity_exhausted;
    return;
  }
  const std::uint32_t idx = child_index_.find(r.orig_order.value);
  if (idx == FlatIdMap::kNone) {
    free_children_.push_back(slot);
    ++counters_.unknown_orders;
    return;
  }
  if (!child_index_.insert(r.order.value, slot)) {
    free_children_.push_back(slot);
    ++counters_.capacity_exhausted;
    return;
  }
  children_[slot] = ChildOrder::replacement_of(children_[idx], r.order, r.qty, r.limit);
  children_[idx].on_replace_request(r.order);
  touch(&children_[idx]);
  touch(&children_[slot]);
  if (children_[slot].parent().valid()) {
    const std::uint32_t p = parent_index_.find(children_[slot].parent().value);
    if (p != FlatIdMap::kNone) {
      ++parent_meta_[p].children;
      child_meta_[slot].counted = true;
    }
  }
}

// ------------------------------------------------------------------------------- reports

void OrderManager::sync_pending(const ChildOrder& c, Qty leaves_before) noexcept {
  const ParentOrder* p = c.parent().valid() ? parent(c.parent()) : nullptr;
  if (p != nullptr && p->block) return;  // block accounts' pending follows the allocation
  const Qty delta = c.leaves() - leaves_before;
  if (delta.raw != 0 && c.account().valid()) {
    (void)book_.add_pending(c.account(), c.instrument(), signed_qty(c.side(), delta));
  }
}

void OrderManager::count(std::uint32_t f) noexcept {
  counters_.duplicates += (f & kFlagDuplicate) != 0;
  counters_.exec_id_reuses += (f & kFlagExecIdReused) != 0;
  counters_.out_of_order += (f & kFlagOutOfOrder) != 0;
  counters_.fills_after_cancel_request += (f & kFlagFillAfterCancelRequest) != 0;
  counters_.unsolicited_cancels += (f & kFlagUnsolicitedCancel) != 0;
  counters_.cancel_rejects += (f & kFlagCancelRejected) != 0;
  counters_.replace_rejects += (f & kFlagReplaceRejected) != 0;
  counters_.busts += (f & kFlagBust) != 0;
  counters_.corrections += (f & kFlagCorrection) != 0;
  counters_.unknown_exec_refs += (f & kFlagUnknownExecRef) != 0;
  counters_.overfills += (f & kFlagOverfill) != 0;
  counters_.late_reports += (f & kFlagLateReport) != 0;
  counters_.ledger_full += (f & kFlagLedgerFull) != 0;
  counters_.reconciled_fills += (f & kFlagReconciled) != 0;
  counters_.closed_by_status += (f & kFlagClosedByStatus) != 0;
}

void OrderManager::reject_replacement(ChildOrder& old) noexcept {
  if (!old.replaced_by().valid()) return;
  ChildOrder* repl = find_child(old.replaced_by());
  if (repl != nullptr && !repl->active()) (void)repl->on_message_rejected();
}

std::uint32_t OrderManager::request_seq_of(OrderId id) const noexcept {
  const ChildOrder* c = child(id);
  return c != nullptr ? c->request_seq() : 0;
}

void OrderManager::arm_if_requested(OrderId id, std::uint32_t seq_before, Timestamp now,
                                    Outbox& out) noexcept {
  // Only a request the order took arms its timer: a refused one (no room, an id in use, a
  // terminal order) must not restart the timer of the request still outstanding (its attempts
  // would start over and a stream of refused replaces would postpone the escalation forever).
  const ChildOrder* c = child(id);
  if (c != nullptr && c->request_pending() && c->request_seq() != seq_before)
    arm_request_timer(*c, 0, now, out);
}

void OrderManager::arm_request_timer(const ChildOrder& c, std::uint32_t attempt, Timestamp now,
                                     Outbox& out) noexcept {
  if (limits_.request_timeout_ns <= 0) return;
  const std::uint32_t idx = child_index_.find(c.id().value);
  if (idx == FlatIdMap::kNone) return;
  ScheduleTimer t{};
  // One timer per child: a new request (or attempt) replaces the previous one.
  t.timer = TimerId{(static_cast<std::uint64_t>(kTimerOwner) << 32) | idx};
  const std::int64_t delay = limits_.request_timeout_ns << std::min<std::uint32_t>(attempt, 16);
  t.due = Timestamp{now.ns + delay};
  t.owner = kTimerOwner;
  // attempt (8 bits) | the slot's generation (24 bits) | the request's sequence number
  t.cookie = (static_cast<std::uint64_t>(std::min<std::uint32_t>(attempt, 255)) << 56) |
             (static_cast<std::uint64_t>(child_meta_[idx].gen & 0xFFFFFFu) << 32) | c.request_seq();
  out.emit(t);
}

void OrderManager::on_timer(const TimerFired& t, Timestamp now, Outbox& out) noexcept {
  if (t.owner != kTimerOwner) return;
  const std::uint64_t idx = t.timer.value & 0xFFFFFFFFu;
  if (idx >= children_.size()) return;
  // The slot now holds another child: the timer was for one that left the table.
  if ((child_meta_[idx].gen & 0xFFFFFFu) != ((t.cookie >> 32) & 0xFFFFFFu)) return;
  ChildOrder& c = children_[idx];
  if (!c.id().valid()) return;
  touch(&c);
  const auto attempt = static_cast<std::uint32_t>(t.cookie >> 56);
  const auto seq = static_cast<std::uint32_t>(t.cookie & 0xFFFFFFFFu);
  // Answered (or superseded by a newer request) since: nothing to do.
  if (!c.request_pending() || c.request_seq() != seq || !c.live()) return;
  if (attempt >= limits_.max_status_requests) {
    ++counters_.requests_unanswered;
    stop_account(&c, KillReason::kUnansweredRequest, now, &out);
    return;
  }
  c.on_request_timeout();
  QueryOrderStatus q{};
  q.hdr.event_time = now;
  q.order = c.id();
  q.session = c.session();
  ++counters_.status_requests;
  out.emit(q);
  arm_request_timer(c, attempt + 1, now, out);
}

void OrderManager::stop_account(const ChildOrder* c, KillReason why, Timestamp now,
                                Outbox* out) noexcept {
  if (out == nullptr) return;
  KillSwitchTripped k{};
  k.hdr.event_time = now;
  k.account = c != nullptr ? c->account() : AccountId{};
  if (c != nullptr && !k.account.valid()) {
    // A block child: its accounts are the block's.
    if (const ParentOrder* p = c->parent().valid() ? parent(c->parent()) : nullptr;
        p != nullptr && p->block && p->n_shares == 1) {
      k.account = shares_[p->first_share].account;
    }
  }
  k.reason = why;
  out->emit(k);
}

void OrderManager::follow_up(ChildOrder& c, const ExecutionReported& r, std::uint32_t f,
                             Timestamp now, Outbox* out) noexcept {
  counters_.restated += (f & kFlagBrokerRestated) != 0;
  counters_.requests_lost += (f & kFlagRequestLost) != 0;
  const bool done = c.state() == OrderState::kFilled ||
                    (is_terminal(c.state()) && c.state() != OrderState::kReplaced);
  const ChildOrder* pending_repl = c.replaced_by().valid() ? child(c.replaced_by()) : nullptr;
  if (pending_repl != nullptr && !pending_repl->active() && !is_terminal(pending_repl->state()) &&
      ((f & kFlagRequestLost) != 0 || done)) {
    // The replace never arrived (lost), or the order is done before it could apply (the broker
    // will refuse it): the replacement dies; the gate hears it as a refused replace.
    const OrderId repl = c.replaced_by();
    reject_replacement(c);
    if (out != nullptr) {
      CancelRejected cr{};
      cr.hdr.event_time = now;
      cr.order = repl;
      cr.orig_order = c.id();
      cr.session = c.session();
      cr.response_to = CancelRejectResponseTo::kReplace;
      cr.reason = -1;  // not the broker's: Ballast's timeout and status request
      out->emit(cr);
    }
  }
  if ((f & kFlagRequestLost) != 0 && !c.replaced_by().valid() && out != nullptr) {
    // A cancel that never reached the broker: the gate hears it as a refused cancel that is not
    // the broker's (reason -1) and cancels again where it must (a kill switch covers the order).
    const ChildMeta& m = child_meta_[slot_of(c)];
    CancelRejected cr{};
    cr.hdr.event_time = now;
    if (m.n_cancels > 0) cr.order = OrderId{m.cancels[(m.n_cancels - 1) % kCancelIdsPerChild]};
    cr.orig_order = c.id();
    cr.session = c.session();
    cr.response_to = CancelRejectResponseTo::kCancel;
    cr.reason = -1;  // not the broker's: a status answer showed no cancel pending
    ++counters_.cancels_lost;
    out->emit(cr);
  }
  if ((f & kFlagCumMismatch) == 0) return;
  ++counters_.cum_mismatches;
  if (r.exec_type == ExecType::kOrderStatus) {
    // A status answer already reconciled upwards; a CumQty below what we booked cannot be
    // reconciled without the broker's fill list: stop trading on the account.
    if (r.cum_qty < c.cum_qty()) stop_account(&c, KillReason::kBrokerMismatch, now, out);
    return;
  }
  if (out == nullptr) return;
  QueryOrderStatus q{};
  q.hdr.event_time = now;
  q.order = c.id();
  q.session = c.session();
  ++counters_.status_requests;
  out->emit(q);
}

void OrderManager::on_report(const ExecutionReported& r, Timestamp now, Outbox* out) noexcept {
  ++counters_.reports;
  if (r.issue != ReportIssue::kNone) {
    // Never half-applied: the report is in the journal; the account stops trading.
    ++counters_.unbookable_reports;
    ChildOrder* c = resolve(r.order);
    if (c == nullptr && r.orig_order.valid()) c = resolve(r.orig_order);
    last_flags_ = 0;
    stop_account(c, KillReason::kUnbookableReport, now, out);
    return;
  }
  if (r.exec_type == ExecType::kOrderStatus && r.status == OrdStatus::kReplaced) {
    // A status answer saying the order was replaced: the Replaced report was lost. Apply it as
    // one (the replacement becomes live with the chain's cum qty).
    ChildOrder* old = resolve(r.order);
    if (old != nullptr && old->replaced_by().valid()) {
      ExecutionReported as = r;
      as.exec_type = ExecType::kReplaced;
      as.order = old->replaced_by();
      as.orig_order = old->id();
      as.status = OrdStatus::kNew;
      --counters_.reports;
      on_report(as, now, out);
      return;
    }
  }
  if (r.exec_type == ExecType::kReplaced) {
    ChildOrder* repl = find_child(r.order);
    ChildOrder* old = find_child(r.orig_order);
    if (old == nullptr && repl != nullptr && repl->replaces().valid()) {
      old = find_child(repl->replaces());
    }
    if (old == nullptr) {
      ++counters_.unknown_orders;
      return;
    }
    if (repl == old && old->replaced_by().valid()) {
      // ClOrdID (11) and OrigClOrdID (41) both name the old order: the replacement meant is the
      // one the old order awaits (one replace at a time). Left unresolved, the old order was
      // marked Replaced and its replacement never went live: the slicer sent a new child while
      // the broker worked the replacement.
      repl = find_child(old->replaced_by());
    }
    const Qty old_leaves = old->leaves();
    const ReportOutcome o = old->on_report(r, ledger_);
    sync_pending(*old, old_leaves);
    if (repl != nullptr && !repl->active() && old->state() == OrderState::kReplaced) {
      repl->activate(old->cum_qty());
      sync_pending(*repl, Qty{});
    } else if (repl == nullptr) {
      ++counters_.unknown_orders;  // a replace we never asked for: the old order is done
    }
    last_flags_ = o.flags;
    count(o.flags);
    return;
  }

  ChildOrder* c = resolve(r.order);
  if (c == nullptr && r.orig_order.valid()) c = resolve(r.orig_order);
  if (c == nullptr) {
    ++counters_.unknown_orders;
    last_flags_ = 0;
    // A fill (or a bust or correction) for an order Ballast never sent, or whose ClOrdID it
    // cannot read (empty): it cannot be booked to any account, and the broker's book now
    // differs from ours. Trading stops everywhere, and says why (issue 13).
    const bool economic =
        ((r.exec_type == ExecType::kTrade || r.exec_type == ExecType::kPartialFill ||
          r.exec_type == ExecType::kFill) &&
         r.last_qty.raw != 0) ||
        r.exec_type == ExecType::kTradeCancel || r.exec_type == ExecType::kTradeCorrect;
    if (economic) {
      ++counters_.unknown_order_fills;
      stop_account(nullptr, KillReason::kUnknownOrder, now, out);
    }
    return;
  }
  const Qty before = c->leaves();
  const ReportOutcome o = c->on_report(r, ledger_);
  apply_outcome(*c, o);
  follow_up(*c, r, o.flags, now, out);
  sync_pending(*c, before);
  last_flags_ = o.flags;
  count(o.flags);
}

void OrderManager::on_cancel_rejected(const CancelRejected& r) noexcept {
  ChildOrder* c = nullptr;
  if (r.response_to == CancelRejectResponseTo::kReplace) {
    c = find_child(r.orig_order);
    ChildOrder* repl = find_child(r.order);
    if (c == nullptr && repl != nullptr && repl->replaces().valid())
      c = find_child(repl->replaces());
    if (repl != nullptr && !repl->active()) (void)repl->on_message_rejected();
  } else {
    c = find_child(r.orig_order);
    if (c == nullptr) c = resolve(r.order);
  }
  if (c == nullptr) {
    ++counters_.unknown_orders;
    return;
  }
  const std::uint32_t f = c->on_cancel_rejected(r.response_to);
  last_flags_ = f;
  count(f);
}

void OrderManager::on_message_rejected(const MessageRejected& r) noexcept {
  ChildOrder* c = find_child(r.order);
  if (c == nullptr) {
    // A refused cancel request: the order keeps working.
    const std::uint32_t idx = cancel_index_.find(r.order.value);
    if (idx == FlatIdMap::kNone) {
      ++counters_.unknown_orders;
      return;
    }
    touch(&children_[idx]);
    last_flags_ = children_[idx].on_cancel_rejected(CancelRejectResponseTo::kCancel);
    count(last_flags_);
    return;
  }
  if (!c->active() && c->replaces().valid()) {
    // A refused replace request: the replacement dies, the old order keeps working.
    (void)c->on_message_rejected();
    if (ChildOrder* old = find_child(c->replaces())) {
      last_flags_ = old->on_cancel_rejected(CancelRejectResponseTo::kReplace);
      count(last_flags_);
    }
    return;
  }
  const Qty before = c->leaves();
  last_flags_ = c->on_message_rejected();
  sync_pending(*c, before);
}

// ------------------------------------------------------------------------------- retention

void OrderManager::touch(const ChildOrder* c) noexcept {
  const std::uint32_t slot = slot_of(*c);
  for (std::uint32_t k = 0; k < n_touched_; ++k) {
    if (touched_[k] == slot) return;
  }
  if (n_touched_ < touched_.size()) touched_[n_touched_++] = slot;
}

void OrderManager::settle(std::uint32_t slot, Timestamp now) noexcept {
  const ChildOrder& c = children_[slot];
  if (!c.id().valid()) return;
  ChildMeta& m = child_meta_[slot];
  if (!closed(c)) {
    m.closed_at = kOpen;  // reopened (a bust): an older ring entry no longer matches
    return;
  }
  if (m.closed_at != kOpen) return;
  // A child that closes, reopens (a bust, a cancel request on a filled order) and closes again
  // leaves a stale entry per close: a full ring is mostly stale ones, never a reason to retire a
  // child early (only a full child table is).
  if (closed_n_ == closed_.size()) compact_closed();
  m.closed_at = now.ns;
  ++m.mark;
  closed_[(closed_head_ + closed_n_) % closed_.size()] = Closed{slot, m.mark, now.ns};
  ++closed_n_;
}

bool OrderManager::current(const Closed& e) const noexcept {
  const ChildMeta& m = child_meta_[e.slot];
  return m.mark == e.mark && m.closed_at != kOpen && children_[e.slot].id().valid();
}

void OrderManager::compact_closed() noexcept {
  const std::size_t n = closed_.size();
  std::size_t kept = 0;
  for (std::size_t k = 0; k < closed_n_; ++k) {
    const Closed e = closed_[(closed_head_ + k) % n];
    if (current(e)) closed_[(closed_head_ + kept++) % n] = e;
  }
  closed_n_ = kept;
}

void OrderManager::reclaim(Timestamp now) noexcept {
  while (closed_n_ > 0) {
    const Closed& e = closed_[closed_head_];
    if (now.ns - e.at < limits_.retention_ns) return;
    const Closed taken = e;
    closed_head_ = (closed_head_ + 1) % closed_.size();
    --closed_n_;
    (void)retire_if(taken);
  }
}

bool OrderManager::retire_if(const Closed& e) noexcept {
  if (!current(e)) return false;
  retire_child(e.slot);
  return true;
}

void OrderManager::retire_child(std::uint32_t slot) noexcept {
  ChildOrder& c = children_[slot];
  ChildMeta& m = child_meta_[slot];
  (void)child_index_.erase(c.id().value);
  const std::uint32_t n = std::min<std::uint32_t>(m.n_cancels, kCancelIdsPerChild);
  for (std::uint32_t k = 0; k < n; ++k) {
    if (cancel_index_.find(m.cancels[k]) == slot) (void)cancel_index_.erase(m.cancels[k]);
  }
  if (m.counted) {
    // Only a child counted in its parent when it came (the parent was in the table) uncounts.
    const std::uint32_t p = parent_index_.find(c.parent().value);
    if (p != FlatIdMap::kNone && parent_meta_[p].children > 0) {
      --parent_meta_[p].children;
      maybe_retire_parent(p);
    }
  }
  c = ChildOrder{};
  const std::uint32_t gen = m.gen + 1;
  const std::uint32_t mark = m.mark;
  m = ChildMeta{};
  m.gen = gen;
  m.mark = mark;  // kept: the slot's old ring entries stay stale for the next occupant
  free_children_.push_back(slot);
  ++counters_.retired_children;
}

void OrderManager::roll_day(Timestamp now) noexcept {
  const std::int64_t day = utc_day(now);
  // Forward only: the wall clock steps back (NTP, a leap second at midnight), and a day seen
  // again must not roll the ledger a second time (forward, back and forward wiped both days).
  if (day <= day_) return;
  // ExecIDs are unique per broker per day: the ledger keeps today's and the previous day's.
  if (day_ != INT64_MIN) {
    ledger_.roll();
    ++counters_.day_rolls;
  }
  day_ = day;
}

// ------------------------------------------------------------------------------- booking

void OrderManager::apply_outcome(ChildOrder& c, const ReportOutcome& o) noexcept {
  if (o.effect == FillEffect::kNone) return;
  ParentOrder* p = parent_for(c);
  booking_order_ = c.id();
  booking_parent_ = c.parent();
  booking_kind_ = o.effect == FillEffect::kFill   ? BookingKind::kFill
                  : o.effect == FillEffect::kBust ? BookingKind::kBust
                                                  : BookingKind::kCorrection;
  const auto add_to_parent = [&](Qty q, Price px) {
    if (p == nullptr) return;
    p->filled += q;
    p->notional_e15 += static_cast<__int128>(q.raw) * px.raw;
  };
  if (p != nullptr && p->block) {
    if (o.effect == FillEffect::kFill) {
      ++counters_.fills;
      add_to_parent(o.qty, o.px);
      allocate_block(*p, o.qty, o.px);
    } else {
      // A bust on a block child cannot be traced to the accounts' per-fill allocations here:
      // counted for the operator, parent corrected, accounts untouched.
      ++counters_.block_busts;
      if (o.effect == FillEffect::kBust) {
        add_to_parent(-o.qty, o.px);
      } else {
        add_to_parent(-o.old_qty, o.old_px);
        add_to_parent(o.qty, o.px);
      }
    }
    return;
  }
  switch (o.effect) {
    case FillEffect::kFill:
      ++counters_.fills;
      add_to_parent(o.qty, o.px);
      book(c.account(), c.instrument(), signed_qty(c.side(), o.qty), o.px);
      if (c.state() == OrderState::kReplaced && c.replaced_by().valid()) {
        // A fill on the old ClOrdID after Replaced also fills the replacement (one chain).
        if (ChildOrder* next = find_child(c.replaced_by()); next != nullptr && next->active()) {
          const Qty before = next->leaves();
          next->add_chain_fill(o.qty);
          sync_pending(*next, before);
        }
      }
      break;
    case FillEffect::kBust:
      add_to_parent(-o.qty, o.px);
      book(c.account(), c.instrument(), -signed_qty(c.side(), o.qty), o.px);
      break;
    case FillEffect::kCorrect:
      add_to_parent(-o.old_qty, o.old_px);
      add_to_parent(o.qty, o.px);
      book(c.account(), c.instrument(), -signed_qty(c.side(), o.old_qty), o.old_px);
      if (o.qty.raw > 0) book(c.account(), c.instrument(), signed_qty(c.side(), o.qty), o.px);
      break;
    case FillEffect::kNone:
      break;
  }
}

void OrderManager::allocate_block(ParentOrder& p, Qty qty, Price px) noexcept {
  const std::size_t n = p.n_shares;
  Qty room{};
  for (std::size_t k = 0; k < n; ++k) {
    const ShareState& s = shares_[p.first_share + k];
    alloc_in_[k] = BlockShare{.account = s.account, .requested = s.requested - s.allocated};
    room += alloc_in_[k].requested;
  }
  Qty q = qty;
  if (q > room) {
    p.unallocated += q - room;
    ++counters_.block_overfills;
    q = room;
  }
  if (q.raw <= 0) return;
  allocator_.allocate(std::span<const BlockShare>(alloc_in_.data(), n), q, p.lot,
                      std::span<Qty>(alloc_out_.data(), n));
  for (std::size_t k = 0; k < n; ++k) {
    const Qty a = alloc_out_[k];
    if (a.raw == 0) continue;
    ShareState& s = shares_[p.first_share + k];
    s.allocated += a;
    (void)book_.add_pending(s.account, p.instrument, -signed_qty(p.side, a));
    book(s.account, p.instrument, signed_qty(p.side, a), px);
  }
}

void OrderManager::book(AccountId a, InstrumentId i, Qty signed_fill, Price px) noexcept {
  if (!a.valid() || signed_fill.raw == 0) return;
  Basis* b = basis_for(a, i);  // before the fill: a new entry starts from the book's position
  const Side side = signed_fill.raw > 0 ? Side::kBuy : Side::kSell;
  if (!book_.apply_fill(a, i, side, signed_fill.abs(), px, market_)) {
    ++counters_.unbooked_fills;
    return;
  }
  if (b == nullptr) {
    ++counters_.capacity_exhausted;
  } else {
    if (!b->priced) {
      b->cost_e15 = static_cast<__int128>(b->qty) * px.raw;
      b->priced = true;
    }
    const std::int64_t q = b->qty;
    const std::int64_t f = signed_fill.raw;
    if (q == 0 || (q > 0) == (f > 0)) {
      b->cost_e15 += static_cast<__int128>(f) * px.raw;
      b->qty += f;
    } else {
      // Closing (part of) the position: the closed share of the cost leaves at average cost.
      const std::int64_t closed = std::min(abs64(f), abs64(q));
      const std::int64_t fc = f > 0 ? closed : -closed;
      const __int128 removed =
          closed == abs64(q)
              ? b->cost_e15
              : detail::div_round(b->cost_e15 * closed, abs64(q), Rounding::kHalfEven);
      b->realized_e15 += -static_cast<__int128>(fc) * px.raw - removed;
      b->cost_e15 -= removed;
      b->qty += fc;
      const std::int64_t rest = f - fc;  // flips through zero: the rest opens at px
      if (rest != 0) {
        b->cost_e15 += static_cast<__int128>(rest) * px.raw;
        b->qty += rest;
      }
    }
  }
  if (out_ != nullptr) {
    // The drift monitor re-evaluates the account; the run's counters count it.
    FillBooked f{};
    f.hdr.event_time = now_;
    f.order = booking_order_;
    f.parent = booking_parent_;
    f.account = a;
    f.instrument = i;
    f.booking = booking_kind_;
    f.qty = signed_fill;
    f.px = px;
    out_->emit(f);
  }
}

}  // namespace ballast
