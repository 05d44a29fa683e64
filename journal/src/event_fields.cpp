// Names of the event enums, for dumps.
#include "ballast/journal/event_fields.hpp"

namespace ballast {

const char* enum_name(Side v) noexcept {
  switch (v) {
    case Side::kBuy:
      return "buy";
    case Side::kSell:
      return "sell";
  }
  return nullptr;
}

const char* enum_name(OrdType v) noexcept {
  switch (v) {
    case OrdType::kMarket:
      return "market";
    case OrdType::kLimit:
      return "limit";
  }
  return nullptr;
}

const char* enum_name(TimeInForce v) noexcept {
  switch (v) {
    case TimeInForce::kDay:
      return "day";
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kGtc:
      return "gtc";
  }
  return nullptr;
}

const char* enum_name(DenyReason v) noexcept {
  return v < DenyReason::kCount ? to_string(v) : nullptr;
}

const char* enum_name(KillReason v) noexcept {
  switch (v) {
    case KillReason::kOperator:
    case KillReason::kRejectStorm:
    case KillReason::kOrderRate:
    case KillReason::kSentIntendedMismatch:
    case KillReason::kUnbookableReport:
    case KillReason::kBrokerMismatch:
    case KillReason::kUnansweredRequest:
    case KillReason::kUnknownOrder:
      return to_string(v);
  }
  return nullptr;
}

const char* enum_name(ExecType v) noexcept {
  switch (v) {
    case ExecType::kNew:
      return "new";
    case ExecType::kPartialFill:
      return "partial_fill";
    case ExecType::kFill:
      return "fill";
    case ExecType::kTrade:
      return "trade";
    case ExecType::kDoneForDay:
      return "done_for_day";
    case ExecType::kCanceled:
      return "canceled";
    case ExecType::kReplaced:
      return "replaced";
    case ExecType::kPendingCancel:
      return "pending_cancel";
    case ExecType::kStopped:
      return "stopped";
    case ExecType::kRejected:
      return "rejected";
    case ExecType::kPendingNew:
      return "pending_new";
    case ExecType::kExpired:
      return "expired";
    case ExecType::kPendingReplace:
      return "pending_replace";
    case ExecType::kTradeCorrect:
      return "trade_correct";
    case ExecType::kTradeCancel:
      return "trade_cancel";
    case ExecType::kOrderStatus:
      return "order_status";
    case ExecType::kRestated:
      return "restated";
    case ExecType::kSuspended:
      return "suspended";
    case ExecType::kCalculated:
      return "calculated";
  }
  return nullptr;
}

const char* enum_name(OrdStatus v) noexcept {
  switch (v) {
    case OrdStatus::kPendingNew:
      return "pending_new";
    case OrdStatus::kNew:
      return "new";
    case OrdStatus::kPartiallyFilled:
      return "partially_filled";
    case OrdStatus::kFilled:
      return "filled";
    case OrdStatus::kDoneForDay:
      return "done_for_day";
    case OrdStatus::kCanceled:
      return "canceled";
    case OrdStatus::kPendingCancel:
      return "pending_cancel";
    case OrdStatus::kPendingReplace:
      return "pending_replace";
    case OrdStatus::kReplaced:
      return "replaced";
    case OrdStatus::kRejected:
      return "rejected";
    case OrdStatus::kExpired:
      return "expired";
    case OrdStatus::kStopped:
      return "stopped";
    case OrdStatus::kSuspended:
      return "suspended";
    case OrdStatus::kCalculated:
      return "calculated";
    case OrdStatus::kAcceptedForBidding:
      return "accepted_for_bidding";
  }
  return nullptr;
}

const char* enum_name(CancelRejectResponseTo v) noexcept {
  switch (v) {
    case CancelRejectResponseTo::kCancel:
      return "cancel";
    case CancelRejectResponseTo::kReplace:
      return "replace";
  }
  return nullptr;
}

const char* enum_name(SessionState v) noexcept {
  switch (v) {
    case SessionState::kDisconnected:
      return "disconnected";
    case SessionState::kLoggedOn:
      return "logged_on";
    case SessionState::kLoggedOut:
      return "logged_out";
  }
  return nullptr;
}

const char* enum_name(HeldReason v) noexcept {
  switch (v) {
    case HeldReason::kZeroOrMissing:
    case HeldReason::kCrossed:
    case HeldReason::kOutlier:
    case HeldReason::kStale:
      return to_string(v);
  }
  return nullptr;
}

const char* enum_name(TriggerRule v) noexcept {
  switch (v) {
    case TriggerRule::kAbsoluteBand:
    case TriggerRule::kRelativeBand:
    case TriggerRule::kTrackingError:
    case TriggerRule::kCalendar:
    case TriggerRule::kHybrid:
    case TriggerRule::kCashFlow:
      return to_string(v);
  }
  return nullptr;
}

const char* enum_name(ReportIssue v) noexcept {
  // core's names; a value this build does not know prints as its number (FieldWriter).
  return static_cast<std::uint8_t>(v) <= static_cast<std::uint8_t>(ReportIssue::kRejectedBySession)
             ? to_string(v)
             : nullptr;
}

const char* enum_name(ParentRefusal v) noexcept {
  switch (v) {
    case ParentRefusal::kBadQuantity:
    case ParentRefusal::kNoPrice:
    case ParentRefusal::kSlicerFull:
    case ParentRefusal::kOrderBook:
      return to_string(v);
  }
  return nullptr;
}

const char* enum_name(BookingKind v) noexcept {
  switch (v) {
    case BookingKind::kFill:
      return "fill";
    case BookingKind::kBust:
      return "bust";
    case BookingKind::kCorrection:
      return "correction";
  }
  return nullptr;
}

const char* enum_name(DeferReason v) noexcept {
  switch (v) {
    case DeferReason::kInProgress:
      return "in_progress";
  }
  return nullptr;
}

const char* enum_name(ControlAction v) noexcept {
  switch (v) {
    case ControlAction::kKillSwitchOn:
      return "kill_switch_on";
    case ControlAction::kKillSwitchOff:
      return "kill_switch_off";
    case ControlAction::kShutdown:
      return "shutdown";
  }
  return nullptr;
}

}  // namespace ballast
