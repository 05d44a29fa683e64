// Event names for logs and dumps.
#include "ballast/core/events.hpp"

namespace ballast {

namespace {
template <class T>
constexpr const char* name_of() noexcept;
#define BALLAST_EVENT_NAME(T)                   \
  template <>                                   \
  constexpr const char* name_of<T>() noexcept { \
    return #T;                                  \
  }
BALLAST_EVENT_NAME(QuoteUpdated)
BALLAST_EVENT_NAME(TradePrinted)
BALLAST_EVENT_NAME(BarClosed)
BALLAST_EVENT_NAME(CashFlowReceived)
BALLAST_EVENT_NAME(TimerFired)
BALLAST_EVENT_NAME(ScheduleTimer)
BALLAST_EVENT_NAME(CancelTimer)
BALLAST_EVENT_NAME(SubmitOrder)
BALLAST_EVENT_NAME(CancelOrder)
BALLAST_EVENT_NAME(ReplaceOrder)
BALLAST_EVENT_NAME(QueryOrderStatus)
BALLAST_EVENT_NAME(ExecutionReported)
BALLAST_EVENT_NAME(CancelRejected)
BALLAST_EVENT_NAME(MessageRejected)
BALLAST_EVENT_NAME(SessionStatusChanged)
BALLAST_EVENT_NAME(ControlCommand)
BALLAST_EVENT_NAME(MarketDataHeld)
BALLAST_EVENT_NAME(RebalanceTriggered)
BALLAST_EVENT_NAME(ChildOrderProposed)
BALLAST_EVENT_NAME(OrderDenied)
BALLAST_EVENT_NAME(KillSwitchTripped)
BALLAST_EVENT_NAME(ParentOrderRequested)
BALLAST_EVENT_NAME(ParentOrderAccepted)
BALLAST_EVENT_NAME(ParentOrderRefused)
BALLAST_EVENT_NAME(ParentOrderClosed)
BALLAST_EVENT_NAME(FillBooked)
BALLAST_EVENT_NAME(RebalanceDeferred)
#undef BALLAST_EVENT_NAME
}  // namespace

const char* to_string(HeldReason r) noexcept {
  switch (r) {
    case HeldReason::kZeroOrMissing:
      return "zero_or_missing";
    case HeldReason::kCrossed:
      return "crossed";
    case HeldReason::kOutlier:
      return "outlier";
    case HeldReason::kStale:
      return "stale";
  }
  return "unknown";
}

const char* to_string(TriggerRule r) noexcept {
  switch (r) {
    case TriggerRule::kAbsoluteBand:
      return "absolute_band";
    case TriggerRule::kRelativeBand:
      return "relative_band";
    case TriggerRule::kTrackingError:
      return "tracking_error";
    case TriggerRule::kCalendar:
      return "calendar";
    case TriggerRule::kHybrid:
      return "hybrid";
    case TriggerRule::kCashFlow:
      return "cash_flow";
  }
  return "unknown";
}

const char* to_string(DenyReason r) noexcept {
  switch (r) {
    case DenyReason::kKillSwitch:
      return "kill_switch";
    case DenyReason::kRestricted:
      return "restricted";
    case DenyReason::kNoBuy:
      return "no_buy";
    case DenyReason::kNoSell:
      return "no_sell";
    case DenyReason::kMaxQuantity:
      return "max_quantity";
    case DenyReason::kMaxNotional:
      return "max_notional";
    case DenyReason::kReferencePriceMissing:
      return "reference_price_missing";
    case DenyReason::kReferencePriceStale:
      return "reference_price_stale";
    case DenyReason::kPriceCollar:
      return "price_collar";
    case DenyReason::kAdvShare:
      return "adv_share";
    case DenyReason::kInstrumentWeightLimit:
      return "instrument_weight_limit";
    case DenyReason::kAssetClassWeightLimit:
      return "asset_class_weight_limit";
    case DenyReason::kShortSale:
      return "short_sale";
    case DenyReason::kOversell:
      return "oversell";
    case DenyReason::kCashInsufficient:
      return "cash_insufficient";
    case DenyReason::kMaxOpenOrders:
      return "max_open_orders";
    case DenyReason::kOrderRate:
      return "order_rate";
    case DenyReason::kDuplicate:
      return "duplicate";
    case DenyReason::kDailyGrossNotional:
      return "daily_gross_notional";
    case DenyReason::kCount:
      break;
  }
  return "unknown";
}

const char* to_string(KillReason r) noexcept {
  switch (r) {
    case KillReason::kOperator:
      return "operator";
    case KillReason::kRejectStorm:
      return "reject_storm";
    case KillReason::kOrderRate:
      return "order_rate";
    case KillReason::kSentIntendedMismatch:
      return "sent_intended_mismatch";
    case KillReason::kUnbookableReport:
      return "unbookable_report";
    case KillReason::kBrokerMismatch:
      return "broker_mismatch";
    case KillReason::kUnansweredRequest:
      return "unanswered_request";
    case KillReason::kUnknownOrder:
      return "unknown_order";
  }
  return "unknown";
}

const char* to_string(ReportIssue r) noexcept {
  switch (r) {
    case ReportIssue::kNone:
      return "none";
    case ReportIssue::kUnknownExecType:
      return "unknown_exec_type";
    case ReportIssue::kUnknownOrdStatus:
      return "unknown_ord_status";
    case ReportIssue::kBadNumber:
      return "bad_number";
    case ReportIssue::kNegativeQuantity:
      return "negative_quantity";
    case ReportIssue::kMissingExecId:
      return "missing_exec_id";
    case ReportIssue::kBadIdentifier:
      return "bad_identifier";
    case ReportIssue::kRejectedBySession:
      return "rejected_by_session";
  }
  return "unknown";
}

const char* to_string(ParentRefusal r) noexcept {
  switch (r) {
    case ParentRefusal::kBadQuantity:
      return "bad_quantity";
    case ParentRefusal::kNoPrice:
      return "no_price";
    case ParentRefusal::kSlicerFull:
      return "slicer_full";
    case ParentRefusal::kOrderBook:
      return "order_book";
  }
  return "unknown";
}

const char* event_name(const Event& e) noexcept {
  return std::visit([](const auto& ev) { return name_of<std::decay_t<decltype(ev)>>(); }, e);
}

}  // namespace ballast
