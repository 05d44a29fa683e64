// Issue 13 items 2 and 3: the broker's word on what is working (OrdStatus, LeavesQty, CumQty) is
// the authority; cancels confirmed without OrigClOrdID end the order in the gate too; a cancel or
// replace never answered is followed up with a status request (injected clock, core-loop timers);
// busts, corrections and Restated reports adopt the broker's view; an unbookable report stops its
// account with the reason. Gate and order manager run together in the real core loop.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/risk/compliance.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/loop_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

using Chain = ComponentChain<ComplianceGate, OrderManager, Recorder>;

// The desk and its account exist before the gate (it sizes its tables from the book).
struct Rig : OneAccountDesk {
  ComplianceConfig cfg;
  ComplianceGate gate{cfg, d.instruments, d.book, d.market};
  OrderManager om{d.book, d.market};
  Recorder rec;
  Chain chain{gate, om, rec};
  ManualClock clock{ny(10, 0)};
  NullSink sink;
  CoreLoop<ManualClock, Chain, NullSink> loop{clock, chain, sink};
  std::uint64_t exec = 0;

  Rig() { gate.set_adv(d.spy, qty("100000000")); }

  OrderId submit(std::uint64_t id, const char* q) {
    ChildOrderProposed p{};
    p.order = OrderId{id};
    p.parent = OrderId{77};
    p.account = acct;
    p.instrument = d.spy;
    p.side = Side::kBuy;
    p.qty = qty(q);
    p.limit = px("100");
    p.reference = px("100");
    loop.process(p);
    EXPECT_EQ(gate.working_orders(), live()) << "after submit";
    return p.order;
  }
  /// Order `id` of `q`, submitted and acknowledged (New) by the broker.
  OrderId working(std::uint64_t id, const char* q) {
    const OrderId o = submit(id, q);
    loop.process(er(o, ExecType::kNew, OrdStatus::kNew, "0", q));
    return o;
  }
  /// Asks to cancel `o` under ClOrdID `id`.
  void cancel(OrderId o, std::uint64_t id) {
    CancelOrder c{};
    c.order = OrderId{id};
    c.orig_order = o;
    loop.process(c);
  }
  ExecutionReported er(OrderId id, ExecType t, OrdStatus st, const char* cum, const char* leaves) {
    ExecutionReported r{};
    r.order = id;
    r.exec_type = t;
    r.status = st;
    r.cum_qty = qty(cum);
    r.leaves_qty = qty(leaves);
    r.exec_id.assign("E" + std::to_string(++exec));
    return r;
  }
  void fill(OrderId id, const char* q, const char* cum, const char* leaves, OrdStatus st) {
    ExecutionReported r = er(id, ExecType::kTrade, st, cum, leaves);
    r.last_qty = qty(q);
    r.last_px = px("100");
    loop.process(r);
  }
  Qty pending() const {
    for (std::uint32_t k = 0; k < d.book.slot_count(acct); ++k) {
      const std::uint32_t s = d.book.first_slot(acct) + k;
      if (d.book.slot_instrument(s) == d.spy) return Qty::from_raw(d.book.slot_pending_raw(s));
    }
    return Qty{};
  }
  std::size_t live() const {
    std::size_t n = 0;
    om.for_each_live_child([&](const ChildOrder&) { ++n; });
    return n;
  }
  void advance(std::chrono::nanoseconds dt) {
    const Timestamp until = clock.now() + dt;
    while (auto due = loop.next_timer_due()) {
      if (*due > until) break;
      clock.set(*due);
      loop.do_work();
    }
    clock.set(until);
  }
};

TEST(BrokerAuthority, CancelConfirmedWithoutOrigClOrdIdEndsTheOrderInTheGateToo) {
  Rig r;
  const OrderId o = r.working(1001, "100");
  r.cancel(o, 2001);
  // The broker confirms with the cancel's ClOrdID only (OrigClOrdID 41 absent).
  r.loop.process(r.er(OrderId{2001}, ExecType::kCanceled, OrdStatus::kCanceled, "0", "0"));
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kCanceled);
  EXPECT_EQ(r.gate.working_orders(), 0u) << "the gate must not count a canceled order";
  EXPECT_EQ(r.gate.open_orders(r.acct, r.d.spy), 0u);
}

TEST(BrokerAuthority, AnUnansweredCancelAsksForStatusThenWithdrawsWhenTheBrokerStillWorksIt) {
  Rig r;
  const OrderId o = r.working(1001, "100");
  r.cancel(o, 2001);
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kPendingCancel);
  r.advance(std::chrono::seconds(4));
  EXPECT_TRUE(r.rec.all<QueryOrderStatus>().empty()) << "not before the timeout";
  r.advance(std::chrono::seconds(2));
  const auto asked = r.rec.all<QueryOrderStatus>();
  ASSERT_EQ(asked.size(), 1u) << "a cancel never answered must not stay pending forever";
  EXPECT_EQ(asked[0].order, o);
  // The broker says the order works as before: the cancel never arrived.
  r.loop.process(r.er(o, ExecType::kOrderStatus, OrdStatus::kNew, "0", "100"));
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kNew);
  EXPECT_EQ(r.om.counters().requests_lost, 1u);
  r.advance(std::chrono::seconds(60));
  EXPECT_EQ(r.rec.all<QueryOrderStatus>().size(), 1u) << "answered: no more status requests";
  EXPECT_FALSE(r.gate.kill_active(r.acct));
}

TEST(BrokerAuthority, ARequestUnansweredAfterEveryStatusRequestStopsTheAccount) {
  Rig r;
  const OrderId o = r.working(1001, "100");
  ReplaceOrder rp{};
  rp.order = OrderId{1002};
  rp.orig_order = o;
  rp.qty = qty("50");
  rp.limit = px("100");
  r.loop.process(rp);
  // Status requests after 5, 15 and 35 s (the timeout doubles); at 75 s the account stops (the
  // gate then cancels its working order, which is followed up the same way).
  r.advance(std::chrono::seconds(74));
  EXPECT_EQ(r.rec.all<QueryOrderStatus>().size(), 3u);
  EXPECT_TRUE(r.rec.all<KillSwitchTripped>().empty());
  r.advance(std::chrono::seconds(2));
  EXPECT_EQ(r.rec.all<QueryOrderStatus>().size(), 3u) << "max_status_requests, then stop";
  const auto kills = r.rec.all<KillSwitchTripped>();
  ASSERT_FALSE(kills.empty());
  EXPECT_EQ(kills[0].account, r.acct);
  EXPECT_EQ(kills[0].reason, KillReason::kUnansweredRequest);
  EXPECT_TRUE(r.gate.kill_active(r.acct));
}

TEST(BrokerAuthority, ABustOnAClosedOrderLeavesNothingToFill) {
  Rig r;
  const OrderId o = r.submit(1001, "100");
  r.fill(o, "100", "100", "0", OrdStatus::kFilled);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty("100"));
  // The broker busts the fill and closes the order (it will not work it again).
  ExecutionReported b = r.er(o, ExecType::kTradeCancel, OrdStatus::kCanceled, "0", "0");
  b.exec_ref_id.assign("E1");
  r.loop.process(b);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), Qty{});
  const ChildOrder* c = r.om.child(o);
  EXPECT_EQ(c->leaves(), Qty{}) << "the busted quantity is not 'to fill': the broker closed it";
  EXPECT_FALSE(c->live());
  EXPECT_EQ(r.gate.working_orders(), r.live());
  EXPECT_EQ(r.pending(), Qty{});
}

TEST(BrokerAuthority, ABustTheBrokerWorksAgainIsWorkingInBothTheManagerAndTheGate) {
  Rig r;
  const OrderId o = r.submit(1001, "100");
  r.fill(o, "100", "100", "0", OrdStatus::kFilled);
  EXPECT_EQ(r.gate.working_orders(), 0u);
  ExecutionReported b = r.er(o, ExecType::kTradeCancel, OrdStatus::kPartiallyFilled, "60", "40");
  b.exec_ref_id.assign("E1");
  // A partial bust as a correction: 100 -> 60.
  b.exec_type = ExecType::kTradeCorrect;
  b.last_qty = qty("60");
  b.last_px = px("100");
  r.loop.process(b);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty("60"));
  EXPECT_EQ(r.om.child(o)->leaves(), qty("40"));
  EXPECT_EQ(r.gate.working_orders(), 1u) << "the broker works it again: counted again";
  EXPECT_EQ(r.gate.working_orders(), r.live());
}

TEST(BrokerAuthority, ARestatedReportCutsTheOrderToTheBrokersQuantity) {
  // The bridge maps ExecType D (it dropped it before).
  ExecType t{};
  ASSERT_TRUE(to_exec_type('D', '0', t));
  EXPECT_EQ(t, ExecType::kRestated);
  Rig r;
  const OrderId o = r.submit(1001, "100");
  r.fill(o, "10", "10", "90", OrdStatus::kPartiallyFilled);
  // The broker cuts OrderQty to 50: 40 left.
  r.loop.process(r.er(o, ExecType::kRestated, OrdStatus::kPartiallyFilled, "10", "40"));
  const ChildOrder* c = r.om.child(o);
  EXPECT_EQ(c->qty(), qty("50"));
  EXPECT_EQ(c->leaves(), qty("40"));
  EXPECT_NE(c->flags() & kFlagBrokerRestated, 0u);
  EXPECT_EQ(r.om.counters().restated, 1u);
  EXPECT_EQ(r.pending(), qty("40"));
  EXPECT_EQ(r.gate.working_orders(), 1u);
}

TEST(BrokerAuthority, ACumQtyDisagreementAsksForStatusAndTheAnswerReconciles) {
  Rig r;
  const OrderId o = r.submit(1001, "100");
  r.fill(o, "10", "10", "90", OrdStatus::kPartiallyFilled);
  // A Restated report says 30 are done: a fill report of 20 never arrived.
  r.loop.process(r.er(o, ExecType::kRestated, OrdStatus::kPartiallyFilled, "30", "70"));
  ASSERT_EQ(r.rec.all<QueryOrderStatus>().size(), 1u);
  EXPECT_EQ(r.om.counters().cum_mismatches, 1u);
  ExecutionReported st = r.er(o, ExecType::kOrderStatus, OrdStatus::kPartiallyFilled, "30", "70");
  st.avg_px = px("100");
  r.loop.process(st);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty("30"));
  EXPECT_EQ(r.om.child(o)->leaves(), qty("70"));
  EXPECT_EQ(r.om.child(o)->qty(), qty("100"));
  EXPECT_FALSE(r.gate.kill_active(r.acct));
  // A status answer below what we booked cannot be reconciled: trading stops, with the reason.
  r.loop.process(r.er(o, ExecType::kOrderStatus, OrdStatus::kPartiallyFilled, "20", "80"));
  const auto kills = r.rec.all<KillSwitchTripped>();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].reason, KillReason::kBrokerMismatch);
  EXPECT_TRUE(r.gate.kill_active(r.acct));
}

TEST(BrokerAuthority, AnUnbookableReportStopsItsAccountWithTheReasonAndIsNotApplied) {
  Rig r;
  const OrderId o = r.submit(1001, "100");
  ExecutionReported bad = r.er(o, ExecType::kTrade, OrdStatus::kPartiallyFilled, "10", "90");
  bad.last_qty = qty("10");
  bad.last_px = px("100");
  bad.issue = ReportIssue::kBadNumber;
  r.loop.process(bad);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), Qty{}) << "never half-applied";
  EXPECT_EQ(r.om.counters().unbookable_reports, 1u);
  const auto kills = r.rec.all<KillSwitchTripped>();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].account, r.acct);
  EXPECT_EQ(kills[0].reason, KillReason::kUnbookableReport);
  EXPECT_TRUE(r.gate.kill_active(r.acct));
  EXPECT_FALSE(r.gate.kill_global());
  EXPECT_EQ(r.rec.all<CancelOrder>().size(), 1u) << "its working order is cancelled";
}

TEST(BrokerAuthority, EveryExecTypeOfFix42And44MapsToAnEngineExecType) {
  ExecType t{};
  for (const char c : std::string("0123456789ABCDEFGHI")) {
    EXPECT_TRUE(to_exec_type(c, '0', t)) << c;
  }
  for (const char c : std::string("0123")) EXPECT_TRUE(to_exec_type('0', c, t)) << c;
  OrdStatus s{};
  for (const char c : std::string("0123456789ABCDE")) EXPECT_TRUE(to_ord_status(c, s)) << c;
  EXPECT_FALSE(to_exec_type('Z', '0', t));
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

// Issue 13, adversarial pass 2 (H1): a broker that numbers two fills with one ExecID. The second
// is not a resend (another order): nothing is booked from it, it is counted, and its CumQty,
// above the fills booked, brings a status request whose answer books the missing quantity. A
// true resend (same order, quantity, price) stays a plain duplicate. Randomised: over many
// orders with ExecIDs drawn from a small pool, the book ends equal to the broker's CumQty sum.
TEST(BrokerAuthority, AnExecIdReusedForAnotherFillIsReconciledFromTheBrokersCumQty) {
  Rig r;
  const OrderId a = r.submit(2001, "100");
  const OrderId b = r.submit(2002, "50");
  ExecutionReported fa = r.er(a, ExecType::kTrade, OrdStatus::kFilled, "100", "0");
  fa.exec_id.assign("X1");
  fa.last_qty = qty("100");
  fa.last_px = px("100");
  r.loop.process(fa);
  r.loop.process(fa);  // a resend: ignored
  EXPECT_EQ(r.om.counters().duplicates, 1u);
  EXPECT_EQ(r.om.counters().exec_id_reuses, 0u);
  ExecutionReported fb = r.er(b, ExecType::kTrade, OrdStatus::kFilled, "50", "0");
  fb.exec_id.assign("X1");  // reused for order b
  fb.last_qty = qty("50");
  fb.last_px = px("100");
  r.rec.out.clear();
  r.loop.process(fb);
  EXPECT_EQ(r.om.counters().exec_id_reuses, 1u);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty("100")) << "nothing booked from it";
  const auto q = r.rec.all<QueryOrderStatus>();
  ASSERT_EQ(q.size(), 1u) << "the broker's CumQty 50 is above the 0 booked: status asked";
  EXPECT_EQ(q[0].order, b);
  ExecutionReported st = r.er(b, ExecType::kOrderStatus, OrdStatus::kFilled, "50", "0");
  st.avg_px = px("100");
  r.loop.process(st);
  EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty("150")) << "the status answer books it";
  EXPECT_EQ(r.live(), 0u);
}

TEST(BrokerAuthority, RandomExecIdReuseEndsWithTheBrokersPositions) {
  std::mt19937_64 rng(1306);
  for (int round = 0; round < 20; ++round) {
    Rig r;
    std::int64_t broker_total = 0;
    for (int k = 0; k < 30; ++k) {
      const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % 9);
      const OrderId o = r.submit(3000 + static_cast<std::uint64_t>(k), std::to_string(n).c_str());
      if (r.om.child(o) == nullptr) continue;  // denied by the gate: never sent
      // One or two fills, each with an ExecID from a pool of 5 (so most are reused).
      const std::int64_t first = (rng() % 2 == 0) ? n : 1 + static_cast<std::int64_t>(rng() % n);
      std::int64_t cum = 0;
      for (const std::int64_t part : {first, n - first}) {
        if (part <= 0) continue;
        cum += part;
        ExecutionReported f =
            r.er(o, ExecType::kTrade, cum == n ? OrdStatus::kFilled : OrdStatus::kPartiallyFilled,
                 std::to_string(cum).c_str(), std::to_string(n - cum).c_str());
        f.exec_id.assign("P" + std::to_string(rng() % 5));
        f.last_qty = qty(std::to_string(part).c_str());
        f.last_px = px("100");
        r.loop.process(f);
        if (rng() % 3 == 0) r.loop.process(f);  // and sometimes a resend of it
      }
      broker_total += n;
      // The broker answers every status request with the order's true state.
      for (const QueryOrderStatus& q : r.rec.all<QueryOrderStatus>()) {
        if (q.order != o) continue;
        ExecutionReported st =
            r.er(o, ExecType::kOrderStatus, OrdStatus::kFilled, std::to_string(n).c_str(), "0");
        st.avg_px = px("100");
        r.loop.process(st);
      }
      r.rec.out.clear();
    }
    EXPECT_GT(broker_total, 0) << "round " << round;
    EXPECT_EQ(r.d.book.position(r.acct, r.d.spy), qty(std::to_string(broker_total).c_str()))
        << "round " << round;
    EXPECT_TRUE(r.rec.all<KillSwitchTripped>().empty()) << "round " << round;
    EXPECT_EQ(r.live(), 0u) << "round " << round;
  }
}

// H2: a fill for a ClOrdID Ballast never sent (or an empty one) cannot be booked to any account:
// every account stops (global kill switch, reason unknown_order); an ack for one does not.
TEST(BrokerAuthority, AFillForAnOrderNeverSentStopsEveryAccount) {
  Rig r;
  ExecutionReported ack = r.er(OrderId{999999}, ExecType::kNew, OrdStatus::kNew, "0", "10");
  r.loop.process(ack);
  EXPECT_TRUE(r.rec.all<KillSwitchTripped>().empty());
  for (const OrderId id : {OrderId{999999}, OrderId{}}) {
    Rig g;
    ExecutionReported f = g.er(id, ExecType::kTrade, OrdStatus::kFilled, "10", "0");
    f.last_qty = qty("10");
    f.last_px = px("100");
    g.loop.process(f);
    const auto kills = g.rec.all<KillSwitchTripped>();
    ASSERT_EQ(kills.size(), 1u);
    EXPECT_FALSE(kills[0].account.valid()) << "global";
    EXPECT_EQ(kills[0].reason, KillReason::kUnknownOrder);
    EXPECT_TRUE(g.gate.kill_global());
    EXPECT_EQ(g.om.counters().unknown_order_fills, 1u);
  }
}

// A cancel journaled but never sent (a crash between the journal and the wire), or lost with a
// connection: at the next logon the status answer decides. The broker works the order as before,
// so the cancel is lost: the gate hears it (CancelRejected, reason -1, not a broker refusal) and,
// under the kill switch, cancels the order again at once (hostile review: after a kill -9 right
// after a global kill, 250 of 300 orders stayed working at the broker and nothing re-sent them,
// not even a second engage).
TEST(BrokerAuthority, AtALogonAStatusAnswerShowingACancelLostMakesTheKillSwitchCancelAgain) {
  Rig r;
  const OrderId o = r.working(1001, "100");
  const OrderId other = r.working(1002, "50");
  ControlCommand kill{};
  kill.action = ControlAction::kKillSwitchOn;
  r.loop.process(kill);
  auto cancels = r.rec.all<CancelOrder>();
  ASSERT_EQ(cancels.size(), 2u);
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kPendingCancel);
  // A status answer before any logon or timeout leaves the cancel pending (it may cross it).
  r.loop.process(r.er(o, ExecType::kOrderStatus, OrdStatus::kNew, "0", "100"));
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kPendingCancel);
  EXPECT_EQ(r.rec.all<CancelRejected>().size(), 0u);
  // The session logs on (the supervisor asks every live order's status); the answers: `o` works
  // as before (its cancel never arrived), `other` is pending cancel at the broker.
  SessionStatusChanged up{};
  up.session = r.om.child(o)->session();
  up.state = SessionState::kLoggedOn;
  r.loop.process(up);
  r.loop.process(r.er(other, ExecType::kOrderStatus, OrdStatus::kPendingCancel, "0", "50"));
  r.loop.process(r.er(o, ExecType::kOrderStatus, OrdStatus::kNew, "0", "100"));
  const auto lost = r.rec.all<CancelRejected>();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].orig_order, o);
  EXPECT_EQ(lost[0].reason, -1);
  EXPECT_EQ(lost[0].response_to, CancelRejectResponseTo::kCancel);
  EXPECT_EQ(r.om.counters().cancels_lost, 1u);
  cancels = r.rec.all<CancelOrder>();
  ASSERT_EQ(cancels.size(), 3u) << "the kill switch cancels the order again";
  EXPECT_EQ(cancels[2].orig_order, o);
  EXPECT_NE(cancels[2].order, cancels[0].order);
  EXPECT_NE(cancels[2].order, cancels[1].order);
  EXPECT_EQ(r.gate.counters().cancels_resent, 1u);
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kPendingCancel);
  EXPECT_EQ(r.om.child(other)->state(), OrderState::kPendingCancel);
  // The new cancel is answered: both end cancelled, and nothing counted as a broker reject.
  r.loop.process(r.er(cancels[2].order, ExecType::kCanceled, OrdStatus::kCanceled, "0", "0"));
  const OrderId other_cancel = cancels[0].orig_order == other ? cancels[0].order : cancels[1].order;
  r.loop.process(r.er(other_cancel, ExecType::kCanceled, OrdStatus::kCanceled, "0", "0"));
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kCanceled);
  EXPECT_EQ(r.om.child(other)->state(), OrderState::kCanceled);
  EXPECT_EQ(r.gate.working_orders(), 0u);
  EXPECT_EQ(r.live(), 0u);
}

// Without a kill switch a lost cancel only stops counting as sent: the gate's next sweep (a kill
// engaged later) cancels the order, where it used to skip it as already cancelled.
TEST(BrokerAuthority, ALostCancelIsNoLongerTakenAsSentByALaterKill) {
  Rig r;
  const OrderId o = r.working(1001, "100");
  r.cancel(o, 2001);  // e.g. the slicer's
  SessionStatusChanged up{};
  up.session = r.om.child(o)->session();
  up.state = SessionState::kLoggedOn;
  r.loop.process(up);
  r.loop.process(r.er(o, ExecType::kOrderStatus, OrdStatus::kNew, "0", "100"));
  ASSERT_EQ(r.rec.all<CancelRejected>().size(), 1u);
  EXPECT_EQ(r.rec.all<CancelRejected>()[0].order, OrderId{2001});
  EXPECT_EQ(r.rec.all<CancelOrder>().size(), 1u) << "no kill: nothing is cancelled again";
  EXPECT_EQ(r.om.child(o)->state(), OrderState::kNew);
  ControlCommand kill{};
  kill.action = ControlAction::kKillSwitchOn;
  r.loop.process(kill);
  const auto cancels = r.rec.all<CancelOrder>();
  ASSERT_EQ(cancels.size(), 2u);
  EXPECT_EQ(cancels[1].orig_order, o);
  EXPECT_NE(cancels[1].order, OrderId{2001});
}

}  // namespace
}  // namespace ballast
