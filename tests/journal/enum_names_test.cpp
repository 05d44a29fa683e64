// The journal's names: record kinds, reader problems and the event enums a dump prints. Each list
// is the one the switch statements replaced by EnumNames tables gave (commit 3bc0eb0); a dump
// names no value outside its enum (nullptr: FieldWriter prints the number).
#include <gtest/gtest.h>

#include <string>

#include "ballast/journal/event_fields.hpp"
#include "ballast/journal/format.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace {

using test::names_are;

TEST(JournalEnumNames, RecordKindsAndProblemsKeepTheirNames) {
  EXPECT_TRUE(names_are<RecordKind>(
      to_string, {"input", "intent", "session_start", "fix_seq_checkpoint", "note"}, "unknown", 1));
  EXPECT_TRUE(
      names_are<JournalProblemKind>(to_string,
                                    {"io", "no_segments", "header", "version", "layout",
                                     "missing_segment", "corrupt_record", "sequence", "torn_tail"},
                                    "unknown"));
}

TEST(JournalEnumNames, DumpNamesEveryEventEnumValueAndNothingElse) {
  EXPECT_TRUE(names_are<Side>(enum_name, {"buy", "sell"}, nullptr, 1));
  EXPECT_TRUE(names_are<OrdType>(enum_name, {"market", "limit"}, nullptr, 1));
  EXPECT_TRUE(names_are<CancelRejectResponseTo>(enum_name, {"cancel", "replace"}, nullptr, 1));
  EXPECT_TRUE(names_are<ExecType>(
      enum_name,
      {"new", "partial_fill", "fill", "trade", "done_for_day", "canceled", "replaced",
       "pending_cancel", "stopped", "rejected", "pending_new", "expired", "pending_replace",
       "trade_correct", "trade_cancel", "order_status", "restated", "suspended", "calculated"},
      nullptr));
  EXPECT_TRUE(names_are<OrdStatus>(
      enum_name,
      {"pending_new", "new", "partially_filled", "filled", "done_for_day", "canceled",
       "pending_cancel", "pending_replace", "replaced", "rejected", "expired", "stopped",
       "suspended", "calculated", "accepted_for_bidding"},
      nullptr));
  EXPECT_TRUE(
      names_are<SessionState>(enum_name, {"disconnected", "logged_on", "logged_out"}, nullptr));
  EXPECT_TRUE(names_are<BookingKind>(enum_name, {"fill", "bust", "correction"}, nullptr));
  EXPECT_TRUE(names_are<DeferReason>(enum_name, {"in_progress", "not_approved"}, nullptr));
  EXPECT_TRUE(names_are<ControlAction>(
      enum_name,
      {"kill_switch_on", "kill_switch_off", "shutdown", "pause_triggers", "resume_triggers",
       "cancel_all", "approve_rebalance", "reject_rebalance"},
      nullptr));
  // The reasons: core's names (tests/core/enum_names_test.cpp pins them), nullptr outside.
  for (int v = 0; v < 256; ++v) {
    const auto same = [](const char* dump, const char* core) {
      return dump == nullptr ? std::string(core) == "unknown" : std::string(dump) == core;
    };
    EXPECT_TRUE(same(enum_name(static_cast<DenyReason>(v)), to_string(static_cast<DenyReason>(v))));
    EXPECT_TRUE(same(enum_name(static_cast<KillReason>(v)), to_string(static_cast<KillReason>(v))));
    EXPECT_TRUE(same(enum_name(static_cast<HeldReason>(v)), to_string(static_cast<HeldReason>(v))));
    EXPECT_TRUE(
        same(enum_name(static_cast<TriggerRule>(v)), to_string(static_cast<TriggerRule>(v))));
    EXPECT_TRUE(
        same(enum_name(static_cast<ReportIssue>(v)), to_string(static_cast<ReportIssue>(v))));
    EXPECT_TRUE(
        same(enum_name(static_cast<ParentRefusal>(v)), to_string(static_cast<ParentRefusal>(v))));
  }
  EXPECT_EQ(enum_name(DenyReason::kCount), nullptr);
  EXPECT_STREQ(enum_name(KillReason::kUnknownOrder), "unknown_order");
}

TEST(JournalEnumNames, TimeInForceKeepsItsFixCodes) {
  EXPECT_STREQ(enum_name(TimeInForce::kDay), "day");
  EXPECT_STREQ(enum_name(TimeInForce::kIoc), "ioc");
  EXPECT_STREQ(enum_name(TimeInForce::kGtc), "gtc");
  EXPECT_EQ(enum_name(static_cast<TimeInForce>(2)), nullptr);
}

}  // namespace
}  // namespace ballast
