// Every field of every event and meta record, by name: visit_fields(x, f) calls f(name, value)
// once per field, in declaration order (the header's seq, event_time, receive_time first).
// journal dump prints records with it; a test checks it covers every byte of every event.
#pragma once

#include "ballast/core/events.hpp"
#include "ballast/journal/format.hpp"

namespace ballast {

/// Names of the event enums ("limit", "partial_fill"...); nullptr for a value with no name.
const char* enum_name(Side v) noexcept;
const char* enum_name(OrdType v) noexcept;
const char* enum_name(TimeInForce v) noexcept;
const char* enum_name(DenyReason v) noexcept;
const char* enum_name(KillReason v) noexcept;
const char* enum_name(ExecType v) noexcept;
const char* enum_name(OrdStatus v) noexcept;
const char* enum_name(CancelRejectResponseTo v) noexcept;
const char* enum_name(SessionState v) noexcept;
const char* enum_name(HeldReason v) noexcept;
const char* enum_name(TriggerRule v) noexcept;
const char* enum_name(ControlAction v) noexcept;
const char* enum_name(ReportIssue v) noexcept;
const char* enum_name(ParentRefusal v) noexcept;
const char* enum_name(BookingKind v) noexcept;
const char* enum_name(DeferReason v) noexcept;

template <class F>
void visit_fields(const EventHeader& h, F&& f) {
  f("seq", h.seq);
  f("event_time", h.event_time);
  f("receive_time", h.receive_time);
}
template <class F>
void visit_fields(const QuoteUpdated& e, F&& f) {
  visit_fields(e.hdr, f);
  f("instrument", e.instrument);
  f("bid", e.bid);
  f("bid_size", e.bid_size);
  f("ask", e.ask);
  f("ask_size", e.ask_size);
}
template <class F>
void visit_fields(const TradePrinted& e, F&& f) {
  visit_fields(e.hdr, f);
  f("instrument", e.instrument);
  f("price", e.price);
  f("size", e.size);
}
template <class F>
void visit_fields(const BarClosed& e, F&& f) {
  visit_fields(e.hdr, f);
  f("instrument", e.instrument);
  f("open", e.open);
  f("high", e.high);
  f("low", e.low);
  f("close", e.close);
  f("volume", e.volume);
  f("period_ns", e.period_ns);
}
template <class F>
void visit_fields(const CashFlowReceived& e, F&& f) {
  visit_fields(e.hdr, f);
  f("account", e.account);
  f("amount", e.amount);
}
template <class F>
void visit_fields(const TimerFired& e, F&& f) {
  visit_fields(e.hdr, f);
  f("timer", e.timer);
  f("owner", e.owner);
  f("cookie", e.cookie);
}
template <class F>
void visit_fields(const ScheduleTimer& e, F&& f) {
  visit_fields(e.hdr, f);
  f("timer", e.timer);
  f("due", e.due);
  f("owner", e.owner);
  f("cookie", e.cookie);
}
template <class F>
void visit_fields(const CancelTimer& e, F&& f) {
  visit_fields(e.hdr, f);
  f("timer", e.timer);
}
template <class F>
void visit_fields(const SubmitOrder& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("session", e.session);
  f("side", e.side);
  f("type", e.type);
  f("tif", e.tif);
  f("qty", e.qty);
  f("limit", e.limit);
}
template <class F>
void visit_fields(const ChildOrderProposed& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("session", e.session);
  f("side", e.side);
  f("type", e.type);
  f("tif", e.tif);
  f("qty", e.qty);
  f("limit", e.limit);
  f("reference", e.reference);
  f("replaces", e.replaces);
}
template <class F>
void visit_fields(const OrderDenied& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("side", e.side);
  f("qty", e.qty);
  f("limit", e.limit);
  f("reason", e.reason);
}
template <class F>
void visit_fields(const KillSwitchTripped& e, F&& f) {
  visit_fields(e.hdr, f);
  f("account", e.account);
  f("reason", e.reason);
}
template <class F>
void visit_fields(const ParentOrderRequested& e, F&& f) {
  visit_fields(e.hdr, f);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("session", e.session);
  f("side", e.side);
  f("qty", e.qty);
}
template <class F>
void visit_fields(const ParentOrderAccepted& e, F&& f) {
  visit_fields(static_cast<const ParentOrderRequested&>(e), f);
}
template <class F>
void visit_fields(const ParentOrderRefused& e, F&& f) {
  visit_fields(e.hdr, f);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("reason", e.reason);
}
template <class F>
void visit_fields(const ParentOrderClosed& e, F&& f) {
  visit_fields(e.hdr, f);
  f("parent", e.parent);
  f("account", e.account);
  f("filled", e.filled);
}
template <class F>
void visit_fields(const FillBooked& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("parent", e.parent);
  f("account", e.account);
  f("instrument", e.instrument);
  f("booking", e.booking);
  f("qty", e.qty);
  f("px", e.px);
}
template <class F>
void visit_fields(const RebalanceDeferred& e, F&& f) {
  visit_fields(e.hdr, f);
  f("account", e.account);
  f("reason", e.reason);
}
template <class F>
void visit_fields(const CancelOrder& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("orig_order", e.orig_order);
  f("session", e.session);
  f("sweep", e.sweep);
}
template <class F>
void visit_fields(const ReplaceOrder& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("orig_order", e.orig_order);
  f("session", e.session);
  f("qty", e.qty);
  f("limit", e.limit);
}
template <class F>
void visit_fields(const QueryOrderStatus& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("session", e.session);
}
template <class F>
void visit_fields(const ExecutionReported& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("orig_order", e.orig_order);
  f("session", e.session);
  f("exec_type", e.exec_type);
  f("status", e.status);
  f("side", e.side);
  f("issue", e.issue);
  f("rounded", e.rounded);  // RoundedField bits
  f("last_qty", e.last_qty);
  f("last_px", e.last_px);
  f("cum_qty", e.cum_qty);
  f("leaves_qty", e.leaves_qty);
  f("avg_px", e.avg_px);
  f("exec_id", e.exec_id);
  f("exec_ref_id", e.exec_ref_id);
}
template <class F>
void visit_fields(const CancelRejected& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("orig_order", e.orig_order);
  f("session", e.session);
  f("response_to", e.response_to);
  f("reason", e.reason);
}
template <class F>
void visit_fields(const MessageRejected& e, F&& f) {
  visit_fields(e.hdr, f);
  f("order", e.order);
  f("session", e.session);
  f("reason", e.reason);
  f("business", e.business);
}
template <class F>
void visit_fields(const SessionStatusChanged& e, F&& f) {
  visit_fields(e.hdr, f);
  f("session", e.session);
  f("state", e.state);
  f("next_sender_seq", e.next_sender_seq);
  f("next_target_seq", e.next_target_seq);
}
template <class F>
void visit_fields(const MarketDataHeld& e, F&& f) {
  visit_fields(e.hdr, f);
  f("instrument", e.instrument);
  f("reason", e.reason);
  f("bid", e.bid);
  f("ask", e.ask);
  f("price", e.price);
  f("last_good", e.last_good);
  f("last_good_time", e.last_good_time);
}
template <class F>
void visit_fields(const RebalanceTriggered& e, F&& f) {
  visit_fields(e.hdr, f);
  f("account", e.account);
  f("model", e.model);
  f("rule", e.rule);
  f("rules_held", e.rules_held);
  f("max_abs_drift", e.max_abs_drift);
  f("max_rel_drift", e.max_rel_drift);
  f("half_turnover", e.half_turnover);
  f("tracking_error", e.tracking_error);
  f("band_utilization", e.band_utilization);
  f("worst", e.worst);
  f("worst_weight", e.worst_weight);
  f("worst_target", e.worst_target);
  f("worst_price", e.worst_price);
  f("worst_price_time", e.worst_price_time);
  f("nav", e.nav);
  f("why_id", e.why_id);
}
template <class F>
void visit_fields(const ControlCommand& e, F&& f) {
  visit_fields(e.hdr, f);
  f("action", e.action);
  f("model_plus_one", e.model_plus_one);
  f("account", e.account);
}

// Meta records.
template <class F>
void visit_fields(const SessionStart& s, F&& f) {
  f("epoch", s.epoch);
  f("wall_time", s.wall_time);
  f("pid", s.pid);
}
template <class F>
void visit_fields(const FixSeqCheckpoint& c, F&& f) {
  f("session_index", c.session_index);
  f("next_sender", c.next_sender);
  f("next_target", c.next_target);
  f("time", c.time);
}
template <class F>
void visit_fields(const JournalNote& n, F&& f) {
  f("text", n.text);
}

}  // namespace ballast
