// ChildOrder: table-driven tests over FIX order semantics.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ballast/execution/child_order.hpp"

namespace ballast {
namespace {

enum class Kind {
  kReport,
  kCancelRequest,
  kReplaceRequest,
  kCancelReject,
  kReplaceReject,
  kMsgReject
};

/// One input: our request or a broker report (qty in shares, price in dollars).
struct Step {
  Kind kind{Kind::kReport};
  ExecType type{ExecType::kNew};
  const char* exec_id{""};
  std::int64_t last{0};
  std::int64_t cum{0};
  std::int64_t px{100};
  const char* ref{""};
};

Step rep(ExecType t, const char* id = "", std::int64_t last = 0, std::int64_t cum = 0,
         std::int64_t px = 100, const char* ref = "") {
  return Step{Kind::kReport, t, id, last, cum, px, ref};
}
Step trade(const char* id, std::int64_t last, std::int64_t cum, std::int64_t px = 100) {
  return rep(ExecType::kTrade, id, last, cum, px);
}
Step bust(const char* id, const char* ref, std::int64_t cum) {
  return rep(ExecType::kTradeCancel, id, 0, cum, 0, ref);
}
Step correct(const char* id, const char* ref, std::int64_t last, std::int64_t cum,
             std::int64_t px) {
  return rep(ExecType::kTradeCorrect, id, last, cum, px, ref);
}
const Step kAck = rep(ExecType::kNew, "A0");
const Step kCxlReq{Kind::kCancelRequest};
const Step kRplReq{Kind::kReplaceRequest};
const Step kCxlRej{Kind::kCancelReject};
const Step kRplRej{Kind::kReplaceReject};
const Step kMsgRej{Kind::kMsgReject};

using S = OrderState;
using E = FillEffect;

struct Row {
  const char* name;
  std::vector<Step> setup;  ///< drives a fresh 100-share buy to the initial state
  S initial;
  Step input;
  S expected;
  E effect;
  std::uint32_t flags;
  std::int64_t cum;  ///< applied cum qty after the input
};

ReportOutcome run(ChildOrder& o, ExecLedger& ledger, const Step& s) {
  ReportOutcome out;
  switch (s.kind) {
    case Kind::kCancelRequest:
      o.on_cancel_request();
      break;
    case Kind::kReplaceRequest:
      o.on_replace_request(OrderId{2});
      break;
    case Kind::kCancelReject:
      out.flags = o.on_cancel_rejected(CancelRejectResponseTo::kCancel);
      break;
    case Kind::kReplaceReject:
      out.flags = o.on_cancel_rejected(CancelRejectResponseTo::kReplace);
      break;
    case Kind::kMsgReject:
      out.flags = o.on_message_rejected();
      break;
    case Kind::kReport: {
      ExecutionReported r{};
      r.order = o.id();
      r.session = SessionId{1};
      r.exec_type = s.type;
      r.last_qty = Qty::from_units(s.last);
      r.last_px = Price::from_units(s.px);
      r.cum_qty = Qty::from_units(s.cum);
      // A broker's own figures: what it still works and the status that goes with it.
      r.leaves_qty = o.qty() > r.cum_qty ? o.qty() - r.cum_qty : Qty{};
      r.status = r.cum_qty >= o.qty() ? OrdStatus::kFilled
                 : r.cum_qty.raw > 0  ? OrdStatus::kPartiallyFilled
                                      : OrdStatus::kNew;
      r.exec_id.assign(s.exec_id);
      r.exec_ref_id.assign(s.ref);
      out = o.on_report(r, ledger);
      break;
    }
  }
  return out;
}

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      // --- acknowledgement, reject
      {"ack", {}, S::kPendingNew, kAck, S::kNew, E::kNone, 0, 0},
      {"reject_new",
       {},
       S::kPendingNew,
       rep(ExecType::kRejected, "R1"),
       S::kRejected,
       E::kNone,
       0,
       0},
      {"session_reject_before_ack", {}, S::kPendingNew, kMsgRej, S::kRejected, E::kNone, 0, 0},
      {"session_reject_after_ack_ignored",
       {kAck},
       S::kNew,
       kMsgRej,
       S::kNew,
       E::kNone,
       kFlagIgnored,
       0},
      {"pending_new_after_new_is_stale",
       {kAck},
       S::kNew,
       rep(ExecType::kPendingNew, "P0"),
       S::kNew,
       E::kNone,
       kFlagIgnored,
       0},
      {"fill_before_ack",
       {},
       S::kPendingNew,
       trade("E1", 30, 30),
       S::kPartiallyFilled,
       E::kFill,
       0,
       30},
      // --- fills, duplicates
      {"partial_fill", {kAck}, S::kNew, trade("E1", 30, 30), S::kPartiallyFilled, E::kFill, 0, 30},
      {"duplicate_partial",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       trade("E1", 30, 30),
       S::kPartiallyFilled,
       E::kNone,
       kFlagDuplicate,
       30},
      {"complete_fill",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       trade("E2", 70, 100),
       S::kFilled,
       E::kFill,
       0,
       100},
      {"duplicate_after_filled",
       {kAck, trade("E1", 30, 30), trade("E2", 70, 100)},
       S::kFilled,
       trade("E2", 70, 100),
       S::kFilled,
       E::kNone,
       kFlagDuplicate,
       100},
      {"stale_new_after_fill",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       kAck,
       S::kPartiallyFilled,
       E::kNone,
       0,
       30},
      {"zero_qty_trade_ignored",
       {kAck},
       S::kNew,
       trade("E0", 0, 0),
       S::kNew,
       E::kNone,
       kFlagIgnored,
       0},
      {"overfill_flagged_and_applied",
       {kAck, trade("E1", 100, 100)},
       S::kFilled,
       trade("E2", 10, 110),
       S::kFilled,
       E::kFill,
       kFlagOverfill,
       110},
      // --- out of order
      {"earlier_fill_arrives_late",
       {kAck, trade("E2", 30, 60)},
       S::kPartiallyFilled,
       trade("E1", 30, 30),
       S::kPartiallyFilled,
       E::kFill,
       kFlagOutOfOrder,
       60},
      {"earlier_fill_completes_late",
       {kAck, trade("E2", 70, 100)},
       S::kPartiallyFilled,
       trade("E1", 30, 30),
       S::kFilled,
       E::kFill,
       kFlagOutOfOrder,
       100},
      {"late_duplicate_out_of_order",
       {kAck, trade("E1", 30, 30), trade("E2", 30, 60)},
       S::kPartiallyFilled,
       trade("E1", 30, 30),
       S::kPartiallyFilled,
       E::kNone,
       kFlagDuplicate,
       60},
      // --- cancel
      {"cancel_request", {kAck}, S::kNew, kCxlReq, S::kPendingCancel, E::kNone, 0, 0},
      {"pending_cancel_ack",
       {kAck, kCxlReq},
       S::kPendingCancel,
       rep(ExecType::kPendingCancel, "PC"),
       S::kPendingCancel,
       E::kNone,
       0,
       0},
      {"fill_after_cancel_request",
       {kAck, kCxlReq},
       S::kPendingCancel,
       trade("E1", 30, 30),
       S::kPendingCancel,
       E::kFill,
       kFlagFillAfterCancelRequest,
       30},
      {"fill_after_cancel_request_completes",
       {kAck, trade("E1", 30, 30), kCxlReq},
       S::kPendingCancel,
       trade("E2", 70, 100),
       S::kFilled,
       E::kFill,
       kFlagFillAfterCancelRequest,
       100},
      {"canceled",
       {kAck, kCxlReq},
       S::kPendingCancel,
       rep(ExecType::kCanceled, "C1"),
       S::kCanceled,
       E::kNone,
       0,
       0},
      {"cancel_reject_to_new",
       {kAck, kCxlReq},
       S::kPendingCancel,
       kCxlRej,
       S::kNew,
       E::kNone,
       kFlagCancelRejected,
       0},
      {"cancel_reject_after_fill_to_partial",
       {kAck, kCxlReq, trade("E1", 30, 30)},
       S::kPendingCancel,
       kCxlRej,
       S::kPartiallyFilled,
       E::kNone,
       kFlagCancelRejected,
       30},
      {"cancel_reject_before_ack_to_pending_new",
       {kCxlReq},
       S::kPendingCancel,
       kCxlRej,
       S::kPendingNew,
       E::kNone,
       kFlagCancelRejected,
       0},
      {"cancel_reject_when_filled",
       {kAck, kCxlReq, trade("E1", 100, 100)},
       S::kFilled,
       kCxlRej,
       S::kFilled,
       E::kNone,
       kFlagCancelRejected,
       100},
      {"unsolicited_cancel",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       rep(ExecType::kCanceled, "C1", 0, 30),
       S::kCanceled,
       E::kNone,
       kFlagUnsolicitedCancel,
       30},
      {"fill_after_canceled_applied",
       {kAck, kCxlReq, rep(ExecType::kCanceled, "C1")},
       S::kCanceled,
       trade("E1", 30, 30),
       S::kCanceled,
       E::kFill,
       kFlagLateReport,
       30},
      {"duplicate_canceled",
       {kAck, kCxlReq, rep(ExecType::kCanceled, "C1")},
       S::kCanceled,
       rep(ExecType::kCanceled, "C1"),
       S::kCanceled,
       E::kNone,
       0,
       0},
      {"stale_new_after_canceled",
       {kAck, rep(ExecType::kCanceled, "C1")},
       S::kCanceled,
       kAck,
       S::kCanceled,
       E::kNone,
       0,
       0},
      {"cancel_request_on_terminal_no_effect",
       {kAck, rep(ExecType::kExpired, "X1")},
       S::kExpired,
       kCxlReq,
       S::kExpired,
       E::kNone,
       0,
       0},
      // --- expire, done for day
      {"expired", {kAck}, S::kNew, rep(ExecType::kExpired, "X1"), S::kExpired, E::kNone, 0, 0},
      {"done_for_day",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       rep(ExecType::kDoneForDay, "D1", 0, 30),
       S::kDoneForDay,
       E::kNone,
       0,
       30},
      {"second_terminal_ignored",
       {kAck, rep(ExecType::kExpired, "X1")},
       S::kExpired,
       rep(ExecType::kDoneForDay, "D1"),
       S::kExpired,
       E::kNone,
       kFlagIgnored,
       0},
      // --- replace
      {"replace_request", {kAck}, S::kNew, kRplReq, S::kPendingReplace, E::kNone, 0, 0},
      {"fill_on_old_during_pending_replace",
       {kAck, kRplReq},
       S::kPendingReplace,
       trade("E1", 30, 30),
       S::kPendingReplace,
       E::kFill,
       kFlagFillAfterReplaceRequest,
       30},
      {"replaced",
       {kAck, kRplReq, trade("E1", 30, 30)},
       S::kPendingReplace,
       rep(ExecType::kReplaced, "RP", 0, 30),
       S::kReplaced,
       E::kNone,
       0,
       30},
      {"replace_reject",
       {kAck, kRplReq, trade("E1", 30, 30)},
       S::kPendingReplace,
       kRplRej,
       S::kPartiallyFilled,
       E::kNone,
       kFlagReplaceRejected,
       30},
      {"late_fill_on_replaced",
       {kAck, kRplReq, rep(ExecType::kReplaced, "RP")},
       S::kReplaced,
       trade("E1", 30, 30),
       S::kReplaced,
       E::kFill,
       kFlagLateReport,
       30},
      // --- busts and corrections
      {"bust",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       bust("B1", "E1", 0),
       S::kNew,
       E::kBust,
       kFlagBust,
       0},
      {"duplicate_bust",
       {kAck, trade("E1", 30, 30), bust("B1", "E1", 0)},
       S::kNew,
       bust("B1", "E1", 0),
       S::kNew,
       E::kNone,
       kFlagDuplicate,
       0},
      {"second_bust_of_same_fill",
       {kAck, trade("E1", 30, 30), bust("B1", "E1", 0)},
       S::kNew,
       bust("B2", "E1", 0),
       S::kNew,
       E::kNone,
       kFlagUnknownExecRef,
       0},
      {"bust_of_unknown_fill",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       bust("B1", "E9", 30),
       S::kPartiallyFilled,
       E::kNone,
       kFlagUnknownExecRef,
       30},
      {"bust_reopens_filled",
       {kAck, trade("E1", 30, 30), trade("E2", 70, 100)},
       S::kFilled,
       bust("B1", "E2", 30),
       S::kPartiallyFilled,
       E::kBust,
       kFlagBust,
       30},
      {"correction",
       {kAck, trade("E1", 30, 30)},
       S::kPartiallyFilled,
       correct("K1", "E1", 20, 20, 101),
       S::kPartiallyFilled,
       E::kCorrect,
       kFlagCorrection,
       20},
      {"duplicate_correction",
       {kAck, trade("E1", 30, 30), correct("K1", "E1", 20, 20, 101)},
       S::kPartiallyFilled,
       correct("K1", "E1", 20, 20, 101),
       S::kPartiallyFilled,
       E::kNone,
       kFlagDuplicate,
       20},
  };
  return r;
}

class ChildOrderTable : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChildOrderTable, FollowsFixSemantics) {
  const Row& row = rows()[GetParam()];
  SCOPED_TRACE(row.name);
  SubmitOrder s{};
  s.order = OrderId{1};
  s.account = AccountId{0};
  s.instrument = InstrumentId{0};
  s.side = Side::kBuy;
  s.qty = Qty::from_units(100);
  s.limit = Price::from_units(100);
  ChildOrder o(s);
  ExecLedger ledger(64);
  for (const Step& st : row.setup) (void)run(o, ledger, st);
  ASSERT_EQ(o.state(), row.initial) << to_string(o.state());
  const ReportOutcome out = run(o, ledger, row.input);
  EXPECT_EQ(o.state(), row.expected) << to_string(o.state());
  EXPECT_EQ(out.effect, row.effect);
  EXPECT_EQ(out.flags, row.flags);
  EXPECT_EQ(o.cum_qty(), Qty::from_units(row.cum));
  EXPECT_GE(o.leaves().raw, 0);
  if (is_terminal(o.state())) {
    EXPECT_EQ(o.leaves(), Qty{});
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, ChildOrderTable, ::testing::Range<std::size_t>(0, rows().size()),
                         [](const auto& info) { return std::string(rows()[info.param].name); });

TEST(ChildOrder, BustReturnsTheBookedFillAndCorrectionTheOldAndNew) {
  SubmitOrder s{};
  s.order = OrderId{1};
  s.qty = Qty::from_units(100);
  ChildOrder o(s);
  ExecLedger ledger(16);
  (void)run(o, ledger, trade("E1", 30, 30, 101));
  const ReportOutcome c = run(o, ledger, correct("K1", "E1", 25, 25, 102));
  EXPECT_EQ(c.old_qty, Qty::from_units(30));
  EXPECT_EQ(c.old_px, Price::from_units(101));
  EXPECT_EQ(c.qty, Qty::from_units(25));
  EXPECT_EQ(c.px, Price::from_units(102));
  // A bust after the correction reverses the corrected fill.
  const ReportOutcome b = run(o, ledger, bust("B1", "E1", 0));
  EXPECT_EQ(b.effect, FillEffect::kBust);
  EXPECT_EQ(b.qty, Qty::from_units(25));
  EXPECT_EQ(b.px, Price::from_units(102));
  EXPECT_EQ(o.cum_qty(), Qty{});
}

TEST(ExecLedger, ReportsFullInsteadOfGrowing) {
  ExecLedger ledger(2);
  ExecRecord* r = nullptr;
  EXPECT_EQ(ledger.insert(SessionId{1}, FixedString<32>::of("a"), OrderId{1}, Qty{}, Price{}, &r),
            ExecLedger::Insert::kInserted);
  EXPECT_EQ(ledger.insert(SessionId{2}, FixedString<32>::of("a"), OrderId{1}, Qty{}, Price{}, &r),
            ExecLedger::Insert::kInserted);
  EXPECT_EQ(ledger.insert(SessionId{1}, FixedString<32>::of("a"), OrderId{1}, Qty{}, Price{}, &r),
            ExecLedger::Insert::kDuplicate);
  EXPECT_EQ(ledger.insert(SessionId{1}, FixedString<32>::of("b"), OrderId{1}, Qty{}, Price{}, &r),
            ExecLedger::Insert::kFull);
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

ExecutionReported status_report(OrderId id, OrdStatus st, std::int64_t cum, std::int64_t avg_px) {
  ExecutionReported r{};
  r.order = id;
  r.session = SessionId{1};
  r.exec_type = ExecType::kOrderStatus;
  r.status = st;
  r.cum_qty = Qty::from_units(cum);
  const bool working = st == OrdStatus::kNew || st == OrdStatus::kPartiallyFilled ||
                       st == OrdStatus::kPendingNew || st == OrdStatus::kPendingCancel ||
                       st == OrdStatus::kPendingReplace;
  r.leaves_qty = working && cum < 100 ? Qty::from_units(100 - cum) : Qty{};
  r.avg_px = Price::from_units(avg_px);
  r.exec_id.assign("S1");
  return r;
}

ChildOrder hundred_share_buy() {
  SubmitOrder s{};
  s.order = OrderId{7};
  s.side = Side::kBuy;
  s.qty = Qty::from_units(100);
  s.limit = Price::from_units(100);
  return ChildOrder(s);
}

TEST(ChildOrderStatus, BooksTheFillsAStatusReportShowsAndWeNeverReceived) {
  ChildOrder o = hundred_share_buy();
  ExecLedger ledger(16);
  (void)run(o, ledger, trade("E1", 30, 30, 101));
  // The broker says 100 filled at an average of 102: 70 shares were reported while we were down.
  const ReportOutcome r = o.on_report(status_report(o.id(), OrdStatus::kFilled, 100, 102), ledger);
  EXPECT_EQ(r.effect, FillEffect::kFill);
  EXPECT_EQ(r.qty, Qty::from_units(70));
  EXPECT_EQ(r.px, Price::from_units(102));
  EXPECT_NE(r.flags & kFlagReconciled, 0u);
  EXPECT_EQ(o.state(), OrderState::kFilled);
  // The same status again books nothing.
  const ReportOutcome again =
      o.on_report(status_report(o.id(), OrdStatus::kFilled, 100, 102), ledger);
  EXPECT_EQ(again.effect, FillEffect::kNone);
  EXPECT_EQ(o.cum_qty(), Qty::from_units(100));
}

TEST(ChildOrderStatus, AStatusMatchingOurFillsChangesNothing) {
  ChildOrder o = hundred_share_buy();
  ExecLedger ledger(16);
  (void)run(o, ledger, kAck);
  (void)run(o, ledger, trade("E1", 40, 40));
  const ReportOutcome r =
      o.on_report(status_report(o.id(), OrdStatus::kPartiallyFilled, 40, 100), ledger);
  EXPECT_EQ(r.effect, FillEffect::kNone);
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
}

TEST(ChildOrderStatus, AnOrderUnknownAtTheBrokerIsClosed) {
  // Sent (journaled) but the engine died before QuickFIX put it on the wire: the broker answers
  // the status request with OrdStatus Rejected; the order must stop counting as working.
  ChildOrder o = hundred_share_buy();
  ExecLedger ledger(16);
  const ReportOutcome r = o.on_report(status_report(o.id(), OrdStatus::kRejected, 0, 0), ledger);
  EXPECT_EQ(r.effect, FillEffect::kNone);
  EXPECT_NE(r.flags & kFlagClosedByStatus, 0u);
  EXPECT_EQ(o.state(), OrderState::kRejected);
  EXPECT_EQ(o.leaves(), Qty{});
}

TEST(ChildOrderStatus, ACanceledOrderKeepsItsFillsAndCloses) {
  ChildOrder o = hundred_share_buy();
  ExecLedger ledger(16);
  (void)run(o, ledger, kAck);
  const ReportOutcome r = o.on_report(status_report(o.id(), OrdStatus::kCanceled, 20, 99), ledger);
  EXPECT_EQ(r.effect, FillEffect::kFill);
  EXPECT_EQ(r.qty, Qty::from_units(20));
  EXPECT_EQ(o.state(), OrderState::kCanceled);
  EXPECT_EQ(o.cum_qty(), Qty::from_units(20));
}

}  // namespace
}  // namespace ballast
