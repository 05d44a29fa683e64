// The slicing engine.
#include "ballast/execution/slicing_engine.hpp"

#include "ballast/core/exchange_time.hpp"

namespace ballast {

namespace {
constexpr std::uint64_t kTimerCookie = 1;
}  // namespace

SlicingEngine::SlicingEngine(const ExecutionConfig& cfg, const VolumeProfile& profile,
                             const InstrumentTable& instruments, const MarketState& market,
                             const OrderManager& om, ClOrdIdGenerator& ids, std::size_t max_parents)
    : cfg_(cfg), profile_(profile), instruments_(instruments), market_(market), om_(om), ids_(ids) {
  parents_.resize(max_parents);
  free_.reserve(max_parents);
  for (std::size_t k = max_parents; k-- > 0;) free_.push_back(static_cast<std::uint32_t>(k));
  working_.reserve(max_parents);
}

std::optional<ParentRefusal> SlicingEngine::start_parent(const ParentOrderRequested& r,
                                                         Timestamp now, Outbox& out) {
  if (r.qty.raw <= 0) return ParentRefusal::kBadQuantity;
  if (!instruments_.contains(r.instrument) || !market_.has_mark(r.instrument)) {
    return ParentRefusal::kNoPrice;
  }
  if (free_.empty()) return ParentRefusal::kSlicerFull;
  Parent p;
  p.req = r;
  p.st.side = r.side;
  p.st.quantity = r.qty;
  p.st.arrival = market_.mark_long(r.instrument);
  p.st.start = now;
  p.st.end = now + cfg_.horizon;
  const ExchangeLocalTime lt = to_us_eastern(now);
  p.st.start_minute = static_cast<double>(lt.ns_of_day) / 60e9;
  p.st.end_minute = p.st.start_minute + static_cast<double>(cfg_.horizon.count()) / 60e9;
  p.active = true;
  const std::uint32_t slot = free_.back();
  free_.pop_back();
  parents_[slot] = p;
  working_.push_back(slot);
  ++active_;
  if (r.account.value >= active_by_account_.size()) {
    active_by_account_.resize(r.account.value + 1, 0);  // cold: a parent start
  }
  ++active_by_account_[r.account.value];
  if (!timer_running_) schedule(now, out);
  return std::nullopt;
}

void SlicingEngine::finish(Parent& p, bool left_over, Timestamp now, Outbox& out) {
  if (left_over) ++c_.left_over;
  ++c_.finished;
  p.active = false;
  --active_;
  if (p.req.account.value < active_by_account_.size()) --active_by_account_[p.req.account.value];
  // The order manager closes it (it leaves with its last child); the rebalancer counts the
  // account's parents down.
  ParentOrderClosed done{};
  done.hdr.event_time = now;
  done.parent = p.req.parent;
  done.account = p.req.account;
  done.filled = p.st.filled;
  out.emit(done);
}

void SlicingEngine::schedule(Timestamp now, Outbox& out) {
  ScheduleTimer t{};
  t.timer = TimerId{(static_cast<std::uint64_t>(kTimerOwner) << 32) | kTimerCookie};
  t.due = now + cfg_.interval;
  t.owner = kTimerOwner;
  t.cookie = kTimerCookie;
  out.emit(t);
  timer_running_ = true;
}

bool SlicingEngine::step(Parent& p, Timestamp now, Outbox& out) {
  const ParentOrder* po = om_.parent(p.req.parent);
  p.st.filled = po != nullptr ? po->filled : Qty{};
  const ChildOrder* child = p.live.valid() ? om_.child(p.live) : nullptr;
  if (child == nullptr && p.live.valid() && p.replaced.valid()) {
    // The replacement left the order manager's tables (refused, then retired by the retention or
    // a full table): the order it was to replace may still work.
    p.live = p.replaced;
    child = om_.child(p.live);
  }
  if (child != nullptr && !child->active()) {
    // A replacement the broker has not made live (FIX 35=G answered by neither Replaced nor 35=9
    // yet): the order it replaces is what works at the broker until the answer. Nothing is decided
    // meanwhile: a new child now would leave two working, and the parent could buy or sell more
    // than its quantity. Refused (35=9), or the request withdrawn after a status answer (the order
    // manager's wait for an unanswered request), the original works on.
    const ChildOrder* orig = child->replaces().valid() ? om_.child(child->replaces()) : nullptr;
    if (child->state() == OrderState::kPendingNew && orig != nullptr && orig->replace_pending() &&
        orig->replaced_by() == child->id()) {
      return true;
    }
    p.live = orig != nullptr ? orig->id() : OrderId{};
    child = orig;
  }
  if (child != nullptr && child->request_pending()) return true;  // a cancel awaits its answer
  if (child != nullptr && child->leaves().raw <= 0) {
    p.live = OrderId{};  // done (filled, cancelled, rejected)
    child = nullptr;
  }
  if (p.denied_past_end && child == nullptr) {
    // Past its horizon and its remainder denied by the gate: it ends with that left over.
    p.st.done = true;
    finish(p, p.st.quantity > p.st.filled, now, out);
    return false;
  }
  p.st.working = child != nullptr ? child->leaves() : Qty{};
  p.st.working_limit = child != nullptr ? child->limit() : Price{};
  const Instrument& inst = instruments_[p.req.instrument];
  MarketSnapshot m;
  m.bid = market_.bid(p.req.instrument);
  m.ask = market_.ask(p.req.instrument);
  m.tick = inst.tick_size;
  m.lot = inst.lot_size;
  const double minute = static_cast<double>(to_us_eastern(now).ns_of_day) / 60e9;
  const VolumeProfile& prof = profiles_ != nullptr && p.req.instrument.value < profiles_->size()
                                  ? (*profiles_)[p.req.instrument.value]
                                  : profile_;
  const bool was_done = p.st.done;  // finished earlier, while a child still worked
  const SliceDecision d = decide(cfg_, prof, p.st, m, now, minute);
  auto propose = [&](Qty qty, OrderId replaces) {
    ChildOrderProposed o{};
    o.hdr.event_time = now;
    o.order = ids_.next();
    o.parent = p.req.parent;
    o.account = p.req.account;
    o.instrument = p.req.instrument;
    o.session = p.req.session;
    o.side = p.req.side;
    o.type = OrdType::kLimit;
    o.qty = qty;
    o.limit = d.limit;
    o.reference = p.st.arrival;
    o.replaces = replaces;
    out.emit(o);
    p.replaced = replaces;
    p.live = o.order;
  };
  auto cancel_live = [&] {
    if (child == nullptr) return;
    CancelOrder c{};
    c.hdr.event_time = now;
    c.order = ids_.next();
    c.orig_order = p.live;
    c.session = p.req.session;
    out.emit(c);
    ++c_.cancelled;
  };
  if (was_done) {
    // Its child is gone now: the parent ends. Still working (the cancel was refused, lost or
    // withdrawn after a status answer): cancel it again.
    if (child == nullptr) {
      finish(p, p.st.quantity > p.st.filled, now, out);
      return false;
    }
    cancel_live();
    return true;
  }
  switch (d.action) {
    case SliceDecision::Action::kNone:
      break;
    case SliceDecision::Action::kNew:
      propose(d.quantity, OrderId{});
      ++c_.proposed;
      break;
    case SliceDecision::Action::kReplace:
      // FIX replaces state the new total quantity: what the child already filled plus the new
      // working quantity.
      propose(child->cum_qty() + d.quantity, p.live);
      ++c_.replaced;
      break;
    case SliceDecision::Action::kCancel:
      cancel_live();
      break;
    case SliceDecision::Action::kFinished:
      if (child != nullptr) {
        // The parent ends once the broker has answered the cancel of its working child (the step
        // above waits for it): a cancel lost, refused or withdrawn leaves the child working, and
        // the next step cancels again rather than closing a parent whose order still trades.
        cancel_live();
        return true;
      }
      finish(p, d.left_over.raw > 0, now, out);
      return false;
  }
  return true;
}

void SlicingEngine::on_event(const Event& e, Timestamp now, Outbox& out) {
  if (const auto* pa = std::get_if<ParentOrderAccepted>(&e)) {
    if (const auto why = start_parent(*pa, now, out)) {
      // The order manager opened it: it closes it on this.
      ++c_.refused;
      ParentOrderRefused no{};
      no.hdr.event_time = now;
      no.parent = pa->parent;
      no.account = pa->account;
      no.instrument = pa->instrument;
      no.reason = *why;
      out.emit(no);
    }
  } else if (const auto* t = std::get_if<TimerFired>(&e)) {
    if (t->owner != kTimerOwner) return;
    timer_running_ = false;
    // In start order; the finished leave the list (kept in order) and free their slots.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < working_.size(); ++k) {
      const std::uint32_t slot = working_[k];
      if (step(parents_[slot], now, out)) {
        working_[kept++] = slot;
      } else {
        free_.push_back(slot);
      }
    }
    working_.resize(kept);
    if (active_ > 0) schedule(now, out);
  } else if (const auto* cc = std::get_if<ControlCommand>(&e)) {
    if (cc->action != ControlAction::kCancelAll) return;
    // The operator's cancel-all: the parents in scope end. The compliance gate cancels their
    // working children (after this, in the chain); each parent's next step waits for its child's
    // cancel to be answered and then closes it, proposing nothing more.
    for (const std::uint32_t slot : working_) {
      Parent& p = parents_[slot];
      if (p.st.done || (cc->account.valid() && p.req.account != cc->account)) continue;
      p.st.done = true;
      ++c_.cancelled_by_operator;
    }
  } else if (const auto* tr = std::get_if<TradePrinted>(&e)) {
    for (const std::uint32_t slot : working_) {
      Parent& p = parents_[slot];
      if (p.req.instrument == tr->instrument) p.st.market_volume += tr->size;
    }
  } else if (const auto* dn = std::get_if<OrderDenied>(&e)) {
    for (const std::uint32_t slot : working_) {
      Parent& p = parents_[slot];
      if (p.live == dn->order) {
        p.live = p.replaced;  // a denied replace leaves the old child working
        p.replaced = OrderId{};
        ++c_.denied;
        // Past the finish-by time, a denial that waiting does not lift (not the order-rate or
        // open-order limits, nor a duplicate) ends the parent at its next step.
        const bool transient = dn->reason == DenyReason::kOrderRate ||
                               dn->reason == DenyReason::kMaxOpenOrders ||
                               dn->reason == DenyReason::kDuplicate;
        if (!p.live.valid() && now >= p.st.end && !transient) p.denied_past_end = true;
      }
    }
  }
}

}  // namespace ballast
