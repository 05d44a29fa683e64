// Names of the event enums, for dumps.
#include "ballast/journal/event_fields.hpp"

#include "ballast/base/enum_names.hpp"
#include "ballast/core/event_names.hpp"

namespace ballast {

namespace {

// The enums whose names only the dump prints; the reasons' names are core's (event_names.hpp).
constexpr EnumNames<Side, Side::kSell, Side::kBuy> kSideNames{{"buy", "sell"}};
constexpr EnumNames<OrdType, OrdType::kLimit, OrdType::kMarket> kOrdTypeNames{{"market", "limit"}};
constexpr EnumNames<ExecType, ExecType::kCalculated> kExecTypeNames{
    {"new", "partial_fill", "fill", "trade", "done_for_day", "canceled", "replaced",
     "pending_cancel", "stopped", "rejected", "pending_new", "expired", "pending_replace",
     "trade_correct", "trade_cancel", "order_status", "restated", "suspended", "calculated"}};
constexpr EnumNames<OrdStatus, OrdStatus::kAcceptedForBidding> kOrdStatusNames{
    {"pending_new", "new", "partially_filled", "filled", "done_for_day", "canceled",
     "pending_cancel", "pending_replace", "replaced", "rejected", "expired", "stopped", "suspended",
     "calculated", "accepted_for_bidding"}};
constexpr EnumNames<CancelRejectResponseTo, CancelRejectResponseTo::kReplace,
                    CancelRejectResponseTo::kCancel>
    kResponseToNames{{"cancel", "replace"}};
constexpr EnumNames<SessionState, SessionState::kLoggedOut> kSessionStateNames{
    {"disconnected", "logged_on", "logged_out"}};
constexpr EnumNames<BookingKind, BookingKind::kCorrection> kBookingKindNames{
    {"fill", "bust", "correction"}};
constexpr EnumNames<DeferReason, DeferReason::kNotApproved> kDeferReasonNames{
    {"in_progress", "not_approved"}};
constexpr EnumNames<ControlAction, ControlAction::kRejectRebalance> kControlActionNames{
    {"kill_switch_on", "kill_switch_off", "shutdown", "pause_triggers", "resume_triggers",
     "cancel_all", "approve_rebalance", "reject_rebalance"}};

}  // namespace

// TimeInForce carries FIX's codes (0, 3, 1): not a run of values, so a switch.
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

// A value outside its enum has no name (nullptr): FieldWriter prints its number.
const char* enum_name(Side v) noexcept {
  return kSideNames.find(v);
}
const char* enum_name(OrdType v) noexcept {
  return kOrdTypeNames.find(v);
}
const char* enum_name(ExecType v) noexcept {
  return kExecTypeNames.find(v);
}
const char* enum_name(OrdStatus v) noexcept {
  return kOrdStatusNames.find(v);
}
const char* enum_name(CancelRejectResponseTo v) noexcept {
  return kResponseToNames.find(v);
}
const char* enum_name(SessionState v) noexcept {
  return kSessionStateNames.find(v);
}
const char* enum_name(BookingKind v) noexcept {
  return kBookingKindNames.find(v);
}
const char* enum_name(DeferReason v) noexcept {
  return kDeferReasonNames.find(v);
}
const char* enum_name(ControlAction v) noexcept {
  return kControlActionNames.find(v);
}
const char* enum_name(DenyReason v) noexcept {
  return kDenyReasonNames.find(v);
}
const char* enum_name(KillReason v) noexcept {
  return kKillReasonNames.find(v);
}
const char* enum_name(HeldReason v) noexcept {
  return kHeldReasonNames.find(v);
}
const char* enum_name(TriggerRule v) noexcept {
  return kTriggerRuleNames.find(v);
}
const char* enum_name(ReportIssue v) noexcept {
  return kReportIssueNames.find(v);
}
const char* enum_name(ParentRefusal v) noexcept {
  return kParentRefusalNames.find(v);
}

}  // namespace ballast
