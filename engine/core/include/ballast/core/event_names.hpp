// Names of the reason enums of the core events: to_string() (events.hpp) and the journal's dump
// read these tables. Tests pin every list (tests/core/enum_names_test.cpp).
#pragma once

#include "ballast/base/enum_names.hpp"
#include "ballast/core/events.hpp"

namespace ballast {

constexpr EnumNames<DenyReason, enum_before(DenyReason::kCount)> kDenyReasonNames{
    {"kill_switch", "restricted", "no_buy", "no_sell", "max_quantity", "max_notional",
     "reference_price_missing", "reference_price_stale", "price_collar", "adv_share",
     "instrument_weight_limit", "asset_class_weight_limit", "short_sale", "oversell",
     "cash_insufficient", "max_open_orders", "order_rate", "duplicate", "daily_gross_notional"}};

constexpr EnumNames<KillReason, KillReason::kUnknownOrder> kKillReasonNames{
    {"operator", "reject_storm", "order_rate", "sent_intended_mismatch", "unbookable_report",
     "broker_mismatch", "unanswered_request", "unknown_order"}};

constexpr EnumNames<ReportIssue, ReportIssue::kRejectedBySession> kReportIssueNames{
    {"none", "unknown_exec_type", "unknown_ord_status", "bad_number", "negative_quantity",
     "missing_exec_id", "bad_identifier", "rejected_by_session"}};

constexpr EnumNames<HeldReason, HeldReason::kStale> kHeldReasonNames{
    {"zero_or_missing", "crossed", "outlier", "stale"}};

constexpr EnumNames<TriggerRule, TriggerRule::kCashFlow> kTriggerRuleNames{
    {"absolute_band", "relative_band", "tracking_error", "calendar", "hybrid", "cash_flow"}};

constexpr EnumNames<ParentRefusal, ParentRefusal::kOrderBook> kParentRefusalNames{
    {"bad_quantity", "no_price", "slicer_full", "order_book"}};

}  // namespace ballast
