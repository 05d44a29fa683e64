// Event names for logs and dumps.
#include "ballast/core/events.hpp"

#include "ballast/core/event_names.hpp"

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

// The names are in event_names.hpp; a value outside its enum (a damaged byte) reads "unknown".
const char* to_string(DenyReason r) noexcept {
  return kDenyReasonNames.name_or(r, "unknown");
}
const char* to_string(KillReason r) noexcept {
  return kKillReasonNames.name_or(r, "unknown");
}
const char* to_string(ReportIssue r) noexcept {
  return kReportIssueNames.name_or(r, "unknown");
}
const char* to_string(HeldReason r) noexcept {
  return kHeldReasonNames.name_or(r, "unknown");
}
const char* to_string(TriggerRule r) noexcept {
  return kTriggerRuleNames.name_or(r, "unknown");
}
const char* to_string(ParentRefusal r) noexcept {
  return kParentRefusalNames.name_or(r, "unknown");
}

const char* event_name(const Event& e) noexcept {
  return std::visit([](const auto& ev) { return name_of<std::decay_t<decltype(ev)>>(); }, e);
}

}  // namespace ballast
