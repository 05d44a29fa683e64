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

const char* event_name(const Event& e) noexcept {
  return std::visit([](const auto& ev) { return name_of<std::decay_t<decltype(ev)>>(); }, e);
}

}  // namespace ballast
