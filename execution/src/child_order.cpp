// ChildOrder: FIX order state machine (rules in docs/execution.md, "Orders").
#include "ballast/execution/child_order.hpp"

#include "ballast/base/enum_names.hpp"

namespace ballast {

namespace {

/// The terminal state the broker's closing OrdStatus puts an order in (Filled aside): Canceled,
/// Rejected, Expired as such; anything else closed (DoneForDay, Replaced) is done for the day.
OrderState terminal_of(OrdStatus st) noexcept {
  switch (st) {
    case OrdStatus::kCanceled:
      return OrderState::kCanceled;
    case OrdStatus::kRejected:
      return OrderState::kRejected;
    case OrdStatus::kExpired:
      return OrderState::kExpired;
    default:
      return OrderState::kDoneForDay;
  }
}

}  // namespace

const char* to_string(OrderState s) noexcept {
  static constexpr EnumNames<OrderState, OrderState::kDoneForDay> kNames{
      {"pending_new", "new", "partially_filled", "filled", "pending_cancel", "canceled",
       "pending_replace", "replaced", "rejected", "expired", "done_for_day"}};
  return kNames.name_or(s, "?");
}

ChildOrder::ChildOrder(const SubmitOrder& s) noexcept
    : id_(s.order),
      parent_(s.parent),
      account_(s.account),
      instrument_(s.instrument),
      session_(s.session),
      side_(s.side),
      qty_(s.qty),
      limit_(s.limit) {}

ChildOrder ChildOrder::replacement_of(const ChildOrder& orig, OrderId id, Qty qty,
                                      Price limit) noexcept {
  ChildOrder c = orig;
  c.id_ = id;
  c.replaces_ = orig.id_;
  c.replaced_by_ = OrderId{};
  c.qty_ = qty;
  c.limit_ = limit;
  c.cum_ = Qty{};
  c.broker_cum_ = Qty{};
  c.flags_ = 0;
  c.terminal_ = OrderState::kNew;
  c.pending_ = Pending::kNone;
  c.has_terminal_ = false;
  c.acked_ = false;
  c.active_ = false;
  return c;
}

OrderState ChildOrder::state() const noexcept {
  if (!active_) return has_terminal_ ? terminal_ : OrderState::kPendingNew;
  if (has_terminal_ && terminal_ == OrderState::kReplaced) return OrderState::kReplaced;
  if (qty_.raw > 0 && cum_ >= qty_) return OrderState::kFilled;
  if (has_terminal_) return terminal_;
  if (pending_ == Pending::kCancel) return OrderState::kPendingCancel;
  if (pending_ == Pending::kReplace) return OrderState::kPendingReplace;
  if (!acked_) return OrderState::kPendingNew;
  return cum_.raw > 0 ? OrderState::kPartiallyFilled : OrderState::kNew;
}

Qty ChildOrder::leaves() const noexcept {
  if (!live() || cum_ >= qty_) return Qty{};
  return qty_ - cum_;
}

void ChildOrder::set_terminal(OrderState s) noexcept {
  pending_ = Pending::kNone;
  request_timed_out_ = false;
  if (has_terminal_) return;  // the first terminal report wins; later ones are stale
  has_terminal_ = true;
  terminal_ = s;
}

void ChildOrder::on_cancel_request() noexcept {
  if (has_terminal_) return;
  pending_ = Pending::kCancel;
  request_timed_out_ = false;
  ++request_seq_;
}

void ChildOrder::on_replace_request(OrderId replacement) noexcept {
  if (has_terminal_) return;
  pending_ = Pending::kReplace;
  replaced_by_ = replacement;
  request_timed_out_ = false;
  ++request_seq_;
}

std::uint32_t ChildOrder::on_cancel_rejected(CancelRejectResponseTo to) noexcept {
  const std::uint32_t f =
      to == CancelRejectResponseTo::kReplace ? kFlagReplaceRejected : kFlagCancelRejected;
  if (to == CancelRejectResponseTo::kReplace) replaced_by_ = OrderId{};
  // Only the request the reject answers is withdrawn; a terminal order stays terminal.
  if ((to == CancelRejectResponseTo::kCancel && pending_ == Pending::kCancel) ||
      (to == CancelRejectResponseTo::kReplace && pending_ == Pending::kReplace)) {
    pending_ = Pending::kNone;
    request_timed_out_ = false;
  }
  flags_ |= f;
  return f;
}

std::uint32_t ChildOrder::on_message_rejected() noexcept {
  if (acked_ || has_terminal_ || cum_.raw != 0) return kFlagIgnored;
  set_terminal(OrderState::kRejected);
  return 0;
}

void ChildOrder::activate(Qty chain_cum) noexcept {
  active_ = true;
  acked_ = true;
  cum_ = chain_cum;
  broker_cum_ = chain_cum;
}

void ChildOrder::add_chain_fill(Qty q) noexcept {
  cum_ += q;
  if (cum_ > qty_) flags_ |= kFlagOverfill;
}

ReportOutcome ChildOrder::on_trade(const ExecutionReported& r, ExecLedger& ledger) noexcept {
  ReportOutcome o;
  if (r.last_qty.raw <= 0) {
    o.flags = kFlagIgnored;
    return o;
  }
  if (r.exec_id.empty()) {
    o.flags |= kFlagNoExecId;
  } else {
    ExecRecord* rec = nullptr;
    switch (ledger.insert(r.session, r.exec_id, id_, r.last_qty, r.last_px, &rec)) {
      case ExecLedger::Insert::kDuplicate:
        o.flags = kFlagDuplicate;
        // A resend repeats the fill it resends: same order, quantity and price. Anything else
        // under a used ExecID is another fill the broker numbered twice (issue 13, found by an
        // adversarial broker): the broker's CumQty decides, through a status request.
        if (rec != nullptr &&
            (rec->order != id_ || rec->qty != r.last_qty || rec->px != r.last_px)) {
          o.flags |= kFlagExecIdReused;
          if (r.cum_qty != cum_) o.flags |= kFlagCumMismatch;
        }
        return o;
      case ExecLedger::Insert::kFull:
        o.flags |= kFlagLedgerFull;
        break;
      case ExecLedger::Insert::kInserted:
        break;
    }
  }
  if (r.cum_qty < broker_cum_) o.flags |= kFlagOutOfOrder;
  if (r.cum_qty > broker_cum_) broker_cum_ = r.cum_qty;
  if (has_terminal_) o.flags |= kFlagLateReport;
  if (pending_ == Pending::kCancel) o.flags |= kFlagFillAfterCancelRequest;
  if (pending_ == Pending::kReplace) o.flags |= kFlagFillAfterReplaceRequest;
  acked_ = true;
  cum_ += r.last_qty;
  if (cum_ > qty_) o.flags |= kFlagOverfill;
  o.effect = FillEffect::kFill;
  o.qty = r.last_qty;
  o.px = r.last_px;
  return o;
}

ReportOutcome ChildOrder::on_bust_or_correct(const ExecutionReported& r,
                                             ExecLedger& ledger) noexcept {
  ReportOutcome o;
  const bool bust = r.exec_type == ExecType::kTradeCancel;
  // The bust/correction is itself de-duplicated on its own ExecID.
  if (!r.exec_id.empty()) {
    if (ledger.find(r.session, r.exec_id) != nullptr) {
      o.flags = kFlagDuplicate;
      return o;
    }
  }
  ExecRecord* ref = ledger.find(r.session, r.exec_ref_id);
  if (ref == nullptr || ref->busted || ref->qty.raw <= 0) {
    o.flags = kFlagUnknownExecRef;
    return o;
  }
  if (!r.exec_id.empty()) {
    ExecRecord* self = nullptr;
    if (ledger.insert(r.session, r.exec_id, id_, Qty{}, Price{}, &self) ==
        ExecLedger::Insert::kFull) {
      o.flags |= kFlagLedgerFull;
    }
  } else {
    o.flags |= kFlagNoExecId;
  }
  // CumQty legitimately falls on a bust: the broker's figure replaces the high-water mark.
  broker_cum_ = r.cum_qty;
  if (bust) {
    ref->busted = true;
    cum_ -= ref->qty;
    o.effect = FillEffect::kBust;
    o.qty = ref->qty;
    o.px = ref->px;
    o.flags |= kFlagBust;
  } else {
    o.effect = FillEffect::kCorrect;
    o.old_qty = ref->qty;
    o.old_px = ref->px;
    o.qty = r.last_qty;
    o.px = r.last_px;
    cum_ = cum_ - ref->qty + r.last_qty;
    ref->qty = r.last_qty;
    ref->px = r.last_px;
    if (r.last_qty.raw <= 0) ref->busted = true;  // corrected to nothing: a bust in effect
    o.flags |= kFlagCorrection;
  }
  if (cum_ > qty_) o.flags |= kFlagOverfill;
  return o;
}

ReportOutcome ChildOrder::on_status(const ExecutionReported& r) noexcept {
  // The answer to an OrderStatusRequest (sent for every working order after each logon). Fill
  // reports are de-duplicated by ExecID, and a status report carries the broker's CumQty: when
  // it is above what we booked, a fill report was lost (the engine died after QuickFIX took the
  // message and before the journal had it). The difference is booked now, at AvgPx (the price
  // of the lost fills is not in the report). Status reports arrive after any resent fills of
  // the same session (FIX delivers in sequence order), so a late original cannot follow.
  ReportOutcome o;
  if (r.cum_qty > broker_cum_) broker_cum_ = r.cum_qty;
  const bool closed = r.status == OrdStatus::kCanceled || r.status == OrdStatus::kRejected ||
                      r.status == OrdStatus::kExpired || r.status == OrdStatus::kDoneForDay ||
                      r.status == OrdStatus::kFilled;
  if (r.status != OrdStatus::kRejected || cum_.raw > 0 || r.cum_qty.raw > 0) acked_ = true;
  if (active_ && r.cum_qty > cum_ && (!has_terminal_ || terminal_ != OrderState::kReplaced)) {
    o.effect = FillEffect::kFill;
    o.qty = r.cum_qty - cum_;
    o.px = r.avg_px.raw > 0 ? r.avg_px : r.last_px;
    o.flags |= kFlagReconciled;
    cum_ = r.cum_qty;
    if (cum_ > qty_) o.flags |= kFlagOverfill;
  }
  if (closed && r.status != OrdStatus::kFilled && !has_terminal_) {
    set_terminal(terminal_of(r.status));
    o.flags |= kFlagClosedByStatus;
  }
  return o;
}

std::uint32_t ChildOrder::apply_broker_view(const ExecutionReported& r) noexcept {
  // An inactive replacement, or an order already replaced: the broker's figures describe the
  // chain's live order, not this one.
  if (!active_ || (has_terminal_ && terminal_ == OrderState::kReplaced)) return 0;
  std::uint32_t f = 0;
  if (r.cum_qty != cum_) f |= kFlagCumMismatch;
  const OrdStatus st = r.status;
  // LeavesQty 0 is closed too, whatever the status says: nothing works at the broker.
  const bool closed = st == OrdStatus::kFilled || st == OrdStatus::kCanceled ||
                      st == OrdStatus::kRejected || st == OrdStatus::kExpired ||
                      st == OrdStatus::kDoneForDay || st == OrdStatus::kReplaced ||
                      r.leaves_qty.raw == 0;
  if (closed) {
    if (has_terminal_) return f;
    if ((st == OrdStatus::kFilled || r.leaves_qty.raw == 0) && cum_.raw > 0 &&
        st != OrdStatus::kCanceled && st != OrdStatus::kRejected && st != OrdStatus::kExpired &&
        st != OrdStatus::kDoneForDay && st != OrdStatus::kReplaced) {
      // Done with what it has: nothing more works at the broker.
      if (qty_ != cum_) {
        qty_ = cum_;
        f |= kFlagBrokerRestated;
      }
    } else {
      // Filled with nothing booked, DoneForDay, Replaced (of a chain we lost): done for the day.
      set_terminal(terminal_of(st));
      f |= kFlagBrokerRestated;
    }
    return f;
  }
  if (has_terminal_) return f;  // the first terminal report stands
  if (request_timed_out_ && st != OrdStatus::kPendingCancel && st != OrdStatus::kPendingReplace) {
    // We asked because a cancel/replace went unanswered; the broker works the order as before:
    // the request never arrived (or was refused without an answer).
    pending_ = Pending::kNone;
    request_timed_out_ = false;
    f |= kFlagRequestLost;
  }
  // LeavesQty is what the broker still works: the order's quantity is what we booked plus it.
  const Qty want = cum_ + r.leaves_qty;
  if (want != qty_) {
    qty_ = want;
    f |= kFlagBrokerRestated;
  }
  return f;
}

ReportOutcome ChildOrder::on_report(const ExecutionReported& r, ExecLedger& ledger) noexcept {
  ReportOutcome o;
  switch (r.exec_type) {
    case ExecType::kTrade:
    case ExecType::kPartialFill:
    case ExecType::kFill:
      o = on_trade(r, ledger);
      break;
    case ExecType::kTradeCancel:
    case ExecType::kTradeCorrect:
      o = on_bust_or_correct(r, ledger);
      // What the order is after the bust is the broker's word (OrdStatus, LeavesQty), not
      // "the busted quantity is to fill again".
      if ((o.flags & kFlagDuplicate) == 0) o.flags |= apply_broker_view(r);
      break;
    case ExecType::kOrderStatus:
      o = on_status(r);
      o.flags |= apply_broker_view(r);
      break;
    case ExecType::kRestated:
    case ExecType::kSuspended:
    case ExecType::kCalculated:
      // Nothing traded; the broker restates the order (e.g. cuts OrderQty): adopt its view.
      if (r.status != OrdStatus::kRejected) acked_ = true;
      if (r.cum_qty > broker_cum_) broker_cum_ = r.cum_qty;
      o.flags |= apply_broker_view(r);
      break;
    case ExecType::kNew:
    case ExecType::kPendingCancel:
    case ExecType::kPendingReplace:
    case ExecType::kStopped:
      // Acknowledgements: they show the broker holds the order, never move the state back.
      acked_ = true;
      if (r.cum_qty > broker_cum_) broker_cum_ = r.cum_qty;
      break;
    case ExecType::kPendingNew:
      if (acked_ || has_terminal_) o.flags = kFlagIgnored;
      break;
    case ExecType::kCanceled:
      if (has_terminal_) {
        if (terminal_ != OrderState::kCanceled) o.flags = kFlagIgnored;
        break;
      }
      if (pending_ != Pending::kCancel) o.flags |= kFlagUnsolicitedCancel;
      acked_ = true;
      set_terminal(OrderState::kCanceled);
      break;
    case ExecType::kReplaced:
      if (has_terminal_ && terminal_ != OrderState::kReplaced) {
        o.flags = kFlagIgnored;
        break;
      }
      acked_ = true;
      set_terminal(OrderState::kReplaced);
      break;
    case ExecType::kRejected:
      if (has_terminal_ && terminal_ != OrderState::kRejected) o.flags = kFlagIgnored;
      set_terminal(OrderState::kRejected);
      break;
    case ExecType::kExpired:
      if (has_terminal_ && terminal_ != OrderState::kExpired) o.flags = kFlagIgnored;
      set_terminal(OrderState::kExpired);
      break;
    case ExecType::kDoneForDay:
      if (has_terminal_ && terminal_ != OrderState::kDoneForDay) o.flags = kFlagIgnored;
      set_terminal(OrderState::kDoneForDay);
      break;
  }
  flags_ |= o.flags;
  return o;
}

}  // namespace ballast
