// ChildOrder: one broker order's FIX state machine (OrdStatus), fed by our requests and the
// broker's reports. docs/execution.md ("Orders", "Fills") states the rules.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ballast/core/events.hpp"
#include "ballast/execution/exec_ledger.hpp"

namespace ballast {

/// The order's state, per FIX OrdStatus (39).
enum class OrderState : std::uint8_t {
  kPendingNew,
  kNew,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kCanceled,
  kPendingReplace,
  kReplaced,
  kRejected,
  kExpired,
  kDoneForDay,
};
const char* to_string(OrderState s) noexcept;

/// True for states after which the broker works the order no more (Filled excepted: a bust can
/// reopen it).
constexpr bool is_terminal(OrderState s) noexcept {
  return s == OrderState::kCanceled || s == OrderState::kReplaced || s == OrderState::kRejected ||
         s == OrderState::kExpired || s == OrderState::kDoneForDay;
}

/// What a report did, as bits: per report (ReportOutcome::flags) and sticky per order.
enum OrderFlag : std::uint32_t {
  kFlagDuplicate = 1u << 0,               ///< ExecID already applied: nothing changed
  kFlagOutOfOrder = 1u << 1,              ///< CumQty below one already seen: fill applied
  kFlagFillAfterCancelRequest = 1u << 2,  ///< a fill while our cancel was outstanding
  kFlagFillAfterReplaceRequest = 1u << 3,
  kFlagUnsolicitedCancel = 1u << 4,  ///< the broker cancelled without our request
  kFlagBust = 1u << 5,               ///< TradeCancel applied
  kFlagCorrection = 1u << 6,         ///< TradeCorrect applied
  kFlagOverfill = 1u << 7,           ///< cum qty above order qty (broken invariant at the broker)
  kFlagUnknownExecRef = 1u << 8,     ///< bust/correction of a fill we never booked (or busted)
  kFlagLateReport = 1u << 9,         ///< a fill after the order was terminal: applied
  kFlagCancelRejected = 1u << 10,
  kFlagReplaceRejected = 1u << 11,
  kFlagLedgerFull = 1u << 12,  ///< applied without de-duplication (ExecLedger full)
  kFlagIgnored = 1u << 13,     ///< no effect: stale state report or a zero-quantity trade
  kFlagNoExecId = 1u << 14,    ///< economic report without ExecID: applied, not de-duplicated
  /// A status report (ExecType I) showed more filled than the fills we received (a fill report
  /// lost in a crash): the difference was booked at the report's AvgPx.
  kFlagReconciled = 1u << 15,
  /// A status report said the order is done (canceled, rejected, expired, unknown at the
  /// broker): the order was closed on the broker's word.
  kFlagClosedByStatus = 1u << 16,
  /// The broker restated the order (a bust, correction, Restated, Suspended, Calculated or status
  /// report): its OrdStatus and LeavesQty changed what the engine holds as working (quantity cut
  /// or raised, or the order closed). The broker is the authority.
  kFlagBrokerRestated = 1u << 17,
  /// The broker's CumQty differs from the fills booked (after any reconciliation): the order
  /// manager asks for the order's status, or, on a status answer below our fills, stops trading.
  kFlagCumMismatch = 1u << 18,
  /// A cancel or replace was never answered; a status answer showed it lost: withdrawn.
  kFlagRequestLost = 1u << 19,
  /// A trade carried an ExecID already applied to another fill (another order, quantity or
  /// price): not a resend. Nothing is booked from it; when its CumQty differs from the fills
  /// booked, kFlagCumMismatch asks the broker for the order's status, whose CumQty is booked.
  kFlagExecIdReused = 1u << 20,
};

/// The economic effect of one report.
enum class FillEffect : std::uint8_t { kNone, kFill, kBust, kCorrect };

/// Result of ChildOrder::on_report.
struct ReportOutcome {
  FillEffect effect{FillEffect::kNone};
  Qty qty{};       ///< kFill: the new fill; kBust: the busted fill; kCorrect: the corrected qty
  Price px{};      ///< price of `qty`
  Qty old_qty{};   ///< kCorrect: the fill as booked before the correction
  Price old_px{};  ///< kCorrect
  std::uint32_t flags{0};
};

/// A child order. Value type, trivially copyable; the OrderManager keeps them in a flat pool.
///
/// The state is derived, never stored, from: whether the broker has acknowledged the order, the
/// applied cum qty, the outstanding request (cancel or replace) and the first terminal report. So
/// a late or reordered report cannot move it backwards, and cancel rejects return to whatever
/// working state the fills in between produced. Precedence (FIX): Replaced > Filled > other
/// terminal > PendingCancel > PendingReplace > PendingNew > PartiallyFilled > New.
class ChildOrder {
 public:
  ChildOrder() = default;
  /// A child just sent (PendingNew).
  explicit ChildOrder(const SubmitOrder& s) noexcept;
  /// The replacement `id` of `orig` (new qty = total order qty, FIX OrderQty on 35=G). Inactive
  /// (no leaves, state PendingNew) until the broker's Replaced report activates it.
  static ChildOrder replacement_of(const ChildOrder& orig, OrderId id, Qty qty,
                                   Price limit) noexcept;

  /// We asked to cancel (35=F). No effect on a terminal order (the broker will reject it).
  void on_cancel_request() noexcept;
  /// We asked to replace (35=G) with `replacement`.
  void on_replace_request(OrderId replacement) noexcept;
  /// The broker refused our cancel or replace (35=9): back to the working state. Returns the flag
  /// set (kFlagCancelRejected or kFlagReplaceRejected).
  std::uint32_t on_cancel_rejected(CancelRejectResponseTo to) noexcept;
  /// The session or business layer refused the order itself (35=3/35=j): Rejected if it was
  /// never acknowledged, else ignored (kFlagIgnored).
  std::uint32_t on_message_rejected() noexcept;
  /// Applies an execution report addressed to this order. Trades, busts and corrections are
  /// de-duplicated on (session, ExecID) through `ledger`; every other report is idempotent by
  /// construction. Never fails: anything unexpected is a flag.
  ReportOutcome on_report(const ExecutionReported& r, ExecLedger& ledger) noexcept;
  /// The broker's Replaced report made this (inactive) replacement live; `chain_cum` is the cum
  /// qty of the order it replaces (FIX CumQty runs across the chain).
  void activate(Qty chain_cum) noexcept;
  /// A fill booked on the replaced predecessor after activation also fills this order.
  void add_chain_fill(Qty q) noexcept;
  /// The outstanding cancel/replace timed out and its status was asked for: the next status
  /// answer that shows the order working (not pending, not closed) withdraws the request.
  void on_request_timeout() noexcept { request_timed_out_ = pending_ != Pending::kNone; }
  /// True while a cancel or replace request is outstanding.
  bool request_pending() const noexcept { return pending_ != Pending::kNone; }
  bool replace_pending() const noexcept { return pending_ == Pending::kReplace; }
  /// Increases with each cancel/replace request (identifies the request a timer is for).
  std::uint32_t request_seq() const noexcept { return request_seq_; }

  OrderState state() const noexcept;
  /// Open quantity at the broker: qty - cum (>= 0) while live, else 0.
  Qty leaves() const noexcept;
  bool live() const noexcept { return active_ && !has_terminal_; }

  OrderId id() const noexcept { return id_; }
  OrderId parent() const noexcept { return parent_; }
  OrderId replaced_by() const noexcept { return replaced_by_; }
  OrderId replaces() const noexcept { return replaces_; }
  AccountId account() const noexcept { return account_; }
  InstrumentId instrument() const noexcept { return instrument_; }
  SessionId session() const noexcept { return session_; }
  Side side() const noexcept { return side_; }
  Qty qty() const noexcept { return qty_; }
  Price limit() const noexcept { return limit_; }
  /// Applied cum qty (our fills, net of busts).
  Qty cum_qty() const noexcept { return cum_; }
  /// Highest CumQty the broker has reported (a gap to cum_qty() means a report not yet seen).
  Qty broker_cum_qty() const noexcept { return broker_cum_; }
  /// Every flag any report or request set on this order.
  std::uint32_t flags() const noexcept { return flags_; }
  bool active() const noexcept { return active_; }

 private:
  enum class Pending : std::uint8_t { kNone, kCancel, kReplace };
  void set_terminal(OrderState s) noexcept;
  ReportOutcome on_trade(const ExecutionReported& r, ExecLedger& ledger) noexcept;
  ReportOutcome on_status(const ExecutionReported& r) noexcept;
  ReportOutcome on_bust_or_correct(const ExecutionReported& r, ExecLedger& ledger) noexcept;
  /// Adopts the broker's OrdStatus and LeavesQty (restating reports). Returns flags.
  std::uint32_t apply_broker_view(const ExecutionReported& r) noexcept;

  OrderId id_{};
  OrderId parent_{};
  OrderId replaced_by_{};
  OrderId replaces_{};
  AccountId account_{};
  InstrumentId instrument_{};
  SessionId session_{};
  Side side_{Side::kBuy};
  Qty qty_{};
  Price limit_{};
  Qty cum_{};
  Qty broker_cum_{};
  std::uint32_t flags_{0};
  OrderState terminal_{OrderState::kNew};
  Pending pending_{Pending::kNone};
  bool has_terminal_{false};
  bool acked_{false};
  bool active_{true};
  bool request_timed_out_{false};
  std::uint32_t request_seq_{0};
};

static_assert(std::is_trivially_copyable_v<ChildOrder>);

}  // namespace ballast
