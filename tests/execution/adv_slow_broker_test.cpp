// KNOWN OPEN DEFECTS (issue 14, stop note of 2026-12-07): the tests named DISABLED_* below fail on
// main and are kept as the reproductions for the fix, not as passing checks. Each is a way the
// order manager's view of a replace chain departs from the broker's, after which the slicer sends
// a second child while the first still works (over-fill risk): a status answer that predates a
// newer replace withdraws it (no request id ties an answer to its request); a Replaced report
// after such a withdrawal does not revive the replacement; a bust of a fill on the replaced order
// does not reduce the replacement's cum; a replace reject carrying only OrigClOrdID leaves the
// replacement pending. Enable each when its defect is fixed. (Fixed, test enabled: a Replaced
// report naming the old ClOrdID in both 11 and 41 never activated the replacement.) The others
// pass: the slicer's own rules (a refused replacement retired before the next slice; a lost cancel
// at the horizon's end with `leave`) and an honest in-order broker answering late. Adversarial
// review of the slicer's "nothing is decided while a replace or cancel is unanswered" rule (issue
// 14): the market-data filter, the slicing engine and the order manager in a real core loop (the
// order manager's request timers fire, its status requests are answered), against a broker model
// that knows which orders it works. Property: per parent, at most one order works at the broker,
// and the broker's fills never exceed the parent's quantity; no order of a parent the slicer closed
// is left working at the broker.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/engine/market_data_filter.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/loop_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

using Chain = ComponentChain<MarketDataFilter, SlicingEngine, OrderManager, Recorder>;

struct Rig {
  Desk d;
  AccountId a0, a1;
  ExecutionConfig cfg;
  VolumeProfile profile = VolumeProfile::flat(570, 960);
  ClOrdIdGenerator ids{9};
  MarketDataFilter filter;
  OrderManager om;
  SlicingEngine slicer;
  Recorder rec;
  Chain chain{filter, slicer, om, rec};
  ManualClock clock{ny(10, 0)};
  NullSink sink;
  CoreLoop<ManualClock, Chain, NullSink> loop{clock, chain, sink};

  // The broker: what it works, by ClOrdID.
  enum class How { kLive, kReplaced, kCanceled, kFilled };
  struct BrokerOrder {
    std::uint64_t parent = 0, chain = 0;
    std::int64_t qty = 0;  ///< total order qty (FIX OrderQty: CumQty runs across the chain)
    How how = How::kLive;
    bool live() const { return how == How::kLive; }
  };
  std::map<std::uint64_t, BrokerOrder> broker;
  std::map<std::uint64_t, std::int64_t> ccum;  // chain -> CumQty (net of busts)
  std::int64_t& cum(const BrokerOrder& o) { return ccum[o.chain]; }
  std::map<std::uint64_t, std::uint64_t> parent_of;  // child -> parent (as proposed)
  std::map<std::uint64_t, std::int64_t> parent_qty;
  std::set<std::uint64_t> closed_parents;
  std::deque<Event> wire;  // sent to the broker, not processed yet (FIFO)
  std::size_t seen = 0;
  std::uint64_t exec_n = 0;
  struct Fill {
    OrderId order;
    std::string id;
    std::int64_t qty = 0;
    bool busted = false;
  };
  std::vector<Fill> fills;

  explicit Rig(std::int64_t retention_ns = 90'000'000'000)
      : filter(d.market),
        om(d.book, d.market,
           OrderManagerLimits{.max_children = 512,
                              .max_parents = 64,
                              .max_exec_ids = 8192,
                              .request_timeout_ns = 5'000'000'000,
                              .max_status_requests = 3,
                              .retention_ns = retention_ns}),
        slicer(cfg, profile, d.instruments, d.market, om, ids, 16) {
    d.price_all(ny(10, 0));
    a0 = d.account(d.model_60_40(), "1000", "1000", "1000000");
    a1 = d.account(d.model_60_40(), "1000", "1000", "1000000");
    cfg.algo = ExecAlgo::kTwap;
    cfg.horizon = std::chrono::minutes(3);
    cfg.interval = std::chrono::seconds(10);
  }

  OrderId start(std::uint64_t id, InstrumentId i, Side side, std::int64_t units, AccountId a) {
    ParentOrderRequested r{};
    r.parent = OrderId{id};
    r.account = a;
    r.instrument = i;
    r.session = SessionId{0};
    r.side = side;
    r.qty = Qty::from_units(units);
    parent_qty[id] = r.qty.raw;
    loop.process(r);
    pump();
    return r.parent;
  }

  // What the components emitted: children to the order manager (as the gate would) and onto the
  // wire, status requests onto the wire.
  void pump() {
    while (seen < rec.out.size()) {
      const Event e = rec.out[seen++];
      if (const auto* pc = std::get_if<ParentOrderClosed>(&e)) {
        closed_parents.insert(pc->parent.value);
      } else if (const auto* p = std::get_if<ChildOrderProposed>(&e)) {
        parent_of[p->order.value] = p->parent.value;
        const Event msg = intent_of(*p);
        loop.process(msg);
        say("engine sends", msg);
        wire.push_back(msg);
      } else if (std::holds_alternative<CancelOrder>(e) ||
                 std::holds_alternative<QueryOrderStatus>(e)) {
        say("engine sends", e);
        wire.push_back(e);
      } else if (const auto* cr = std::get_if<CancelRejected>(&e); cr != nullptr && trace) {
        std::printf("  engine: replace %llu of %llu withdrawn (reason %d)\n",
                    (unsigned long long)cr->order.value, (unsigned long long)cr->orig_order.value,
                    cr->reason);
      }
    }
  }

  void tick(std::chrono::nanoseconds dt) {
    clock.advance(dt);
    loop.do_work();
    pump();
  }

  void report(ExecutionReported r) {
    loop.process(r);
    pump();
  }

  bool trace = false;
  void say(const char* what, const Event& m) const {
    if (!trace) return;
    std::printf("  t=%lld %s %s", static_cast<long long>(clock.now().ns / 1'000'000'000 % 100000),
                what, event_name(m));
    if (const auto* s = std::get_if<SubmitOrder>(&m))
      std::printf(" %llu qty %lld parent %llu", (unsigned long long)s->order.value,
                  (long long)s->qty.raw, (unsigned long long)s->parent.value);
    if (const auto* r = std::get_if<ReplaceOrder>(&m))
      std::printf(" %llu -> %llu qty %lld", (unsigned long long)r->orig_order.value,
                  (unsigned long long)r->order.value, (long long)r->qty.raw);
    if (const auto* c = std::get_if<CancelOrder>(&m))
      std::printf(" %llu", (unsigned long long)c->orig_order.value);
    if (const auto* q = std::get_if<QueryOrderStatus>(&m))
      std::printf(" %llu", (unsigned long long)q->order.value);
    std::printf("\n");
  }
  // The broker processes one message.
  void answer(const Event& m) {
    say("broker gets", m);
    if (const auto* s = std::get_if<SubmitOrder>(&m)) {
      broker[s->order.value] = {parent_of[s->order.value], s->order.value, s->qty.raw, How::kLive};
      ExecutionReported ack{};
      ack.order = s->order;
      ack.exec_type = ExecType::kNew;
      ack.status = OrdStatus::kNew;
      ack.leaves_qty = s->qty;
      report(ack);
    } else if (const auto* r = std::get_if<ReplaceOrder>(&m)) {
      const auto found = broker.find(r->orig_order.value);
      if (found == broker.end() || !found->second.live() || r->qty.raw <= cum(found->second)) {
        CancelRejected cr{};
        cr.order = r->order;
        cr.orig_order = r->orig_order;
        cr.response_to = CancelRejectResponseTo::kReplace;
        loop.process(cr);
        pump();
        return;
      }
      BrokerOrder& o = found->second;
      o.how = How::kReplaced;
      broker[r->order.value] = {o.parent, o.chain, r->qty.raw, How::kLive};
      ExecutionReported ack{};
      ack.order = r->order;
      ack.orig_order = r->orig_order;
      ack.exec_type = ExecType::kReplaced;
      ack.status = cum(o) > 0 ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
      ack.cum_qty = Qty::from_raw(cum(o));
      ack.leaves_qty = Qty::from_raw(r->qty.raw - cum(o));
      report(ack);
    } else if (const auto* c = std::get_if<CancelOrder>(&m)) {
      const auto found = broker.find(c->orig_order.value);
      if (found == broker.end() || !found->second.live()) {
        CancelRejected cr{};
        cr.order = c->order;
        cr.orig_order = c->orig_order;
        cr.response_to = CancelRejectResponseTo::kCancel;
        loop.process(cr);
        pump();
        return;
      }
      BrokerOrder& o = found->second;
      o.how = How::kCanceled;
      ExecutionReported ack{};
      ack.order = c->order;
      ack.orig_order = c->orig_order;
      ack.exec_type = ExecType::kCanceled;
      ack.status = OrdStatus::kCanceled;
      ack.cum_qty = Qty::from_raw(cum(o));
      report(ack);
    } else if (const auto* q = std::get_if<QueryOrderStatus>(&m)) {
      const auto it = broker.find(q->order.value);
      ExecutionReported st{};
      st.order = q->order;
      st.exec_type = ExecType::kOrderStatus;
      if (it == broker.end()) {
        st.status = OrdStatus::kRejected;  // unknown order
      } else {
        const BrokerOrder& o = it->second;
        st.cum_qty = Qty::from_raw(cum(o));
        st.leaves_qty = Qty::from_raw(o.live() ? o.qty - cum(o) : 0);
        st.status = o.how == How::kReplaced   ? OrdStatus::kReplaced
                    : o.how == How::kCanceled ? OrdStatus::kCanceled
                    : o.how == How::kFilled   ? OrdStatus::kFilled
                    : cum(o) > 0              ? OrdStatus::kPartiallyFilled
                                              : OrdStatus::kNew;
        if (cum(o) > 0) st.avg_px = px("100");
      }
      report(st);
    }
  }

  /// Processes every message on the wire, in order (and what they make the engine send).
  void deliver_all() {
    while (!wire.empty()) {
      const Event m = wire.front();
      wire.pop_front();
      answer(m);
    }
  }
  /// Takes the first message of type T off the wire (nullopt when none).
  template <class T>
  std::optional<Event> take() {
    for (auto it = wire.begin(); it != wire.end(); ++it) {
      if (std::holds_alternative<T>(*it)) {
        const Event e = *it;
        wire.erase(it);
        return e;
      }
    }
    return std::nullopt;
  }

  void fill(std::uint64_t id, std::int64_t q) {
    BrokerOrder& o = broker[id];
    cum(o) += q;
    if (cum(o) >= o.qty) o.how = How::kFilled;
    ExecutionReported f{};
    f.order = OrderId{id};
    f.exec_type = ExecType::kTrade;
    f.last_qty = Qty::from_raw(q);
    f.last_px = px("100");
    f.cum_qty = Qty::from_raw(cum(o));
    f.leaves_qty = Qty::from_raw(o.live() ? o.qty - cum(o) : 0);
    f.status = o.live() ? OrdStatus::kPartiallyFilled : OrdStatus::kFilled;
    const std::string eid = "F" + std::to_string(++exec_n);
    f.exec_id.assign(eid.c_str());
    fills.push_back({OrderId{id}, eid, q});
    report(f);
  }
  void bust(Fill& x) {
    BrokerOrder& o = broker[x.order.value];
    cum(o) -= x.qty;
    x.busted = true;
    ExecutionReported b{};
    b.order = x.order;
    b.exec_type = ExecType::kTradeCancel;
    b.exec_ref_id.assign(x.id.c_str());
    const std::string eid = "B" + std::to_string(++exec_n);
    b.exec_id.assign(eid.c_str());
    b.cum_qty = Qty::from_raw(cum(o));
    b.leaves_qty = Qty::from_raw(o.live() ? o.qty - cum(o) : 0);
    b.status = o.how == How::kReplaced   ? OrdStatus::kReplaced
               : o.how == How::kCanceled ? OrdStatus::kCanceled
               : o.how == How::kFilled   ? OrdStatus::kFilled
               : cum(o) > 0              ? OrdStatus::kPartiallyFilled
                                         : OrdStatus::kNew;
    report(b);
  }
  /// Fills every order the broker works in full.
  void fill_all_live() {
    std::vector<std::uint64_t> live;
    for (const auto& [id, o] : broker)
      if (o.live() && o.qty > cum(o)) live.push_back(id);
    for (const auto id : live) fill(id, broker[id].qty - cum(broker[id]));
  }

  int working_at_broker(std::uint64_t parent) const {
    int n = 0;
    for (const auto& [id, o] : broker) n += o.live() && o.parent == parent;
    return n;
  }
  std::int64_t broker_filled(std::uint64_t parent) const {
    std::set<std::uint64_t> chains;
    for (const auto& [id, o] : broker) {
      if (o.parent == parent) chains.insert(o.chain);
    }
    std::int64_t s = 0;
    for (const auto c : chains) {
      const auto it = ccum.find(c);
      s += it == ccum.end() ? 0 : it->second;
    }
    return s;
  }
  std::uint64_t the_order_on_the_wire() const {
    for (const Event& e : wire) {
      if (const auto* s = std::get_if<SubmitOrder>(&e)) return s->order.value;
    }
    return 0;
  }
};

// Steps a fresh parent to the point where its first child works at the broker and the slicer has
// just proposed a replace (the ReplaceOrder sits on the wire, not yet processed by the broker).
// Returns (first child, replacement).
std::pair<OrderId, OrderId> to_pending_replace(Rig& w, OrderId parent) {
  w.loop.process(quote(w.d.spy, "99.99", "100.01", w.clock.now()));
  w.pump();
  OrderId first{}, repl{};
  for (int k = 0; k < 6 && !repl.valid(); ++k) {
    w.tick(std::chrono::seconds(10));
    if (const auto s = w.take<SubmitOrder>()) {
      first = std::get<SubmitOrder>(*s).order;
      w.answer(*s);
    }
    for (const Event& e : w.wire) {
      if (const auto* r = std::get_if<ReplaceOrder>(&e)) repl = r->order;
    }
  }
  (void)parent;
  return {first, repl};
}

// A broker that answers the 5 s status request before it applies a replace still in its hands
// (it shows the order New, not PendingReplace) and applies the replace right after. The order
// manager withdraws the replace on the status answer (kFlagRequestLost) and kills the
// replacement; the broker's Replaced then activates a replacement the engine holds as Rejected
// (not live), and the slicer, seeing nothing working, sends a new child: two orders of the parent
// work at the broker, and the parent over-fills when both fill.
TEST(AdvSlowBroker, DISABLED_ReplaceAppliedAfterAStatusAnswerWithdrewItLeavesTwoWorking) {
  Rig w;
  const OrderId parent = w.start(8001, w.d.spy, Side::kBuy, 300, w.a0);
  const auto [first, repl] = to_pending_replace(w, parent);
  ASSERT_TRUE(first.valid());
  ASSERT_TRUE(repl.valid()) << "the slicer proposed no replace";
  // 6 s later the order manager asks for the first child's status.
  w.tick(std::chrono::seconds(6));
  const auto h = w.take<QueryOrderStatus>();
  ASSERT_TRUE(h.has_value()) << "no status request after the replace went unanswered";
  w.answer(*h);  // New, working: the replace is withdrawn
  ASSERT_NE(w.om.child(repl), nullptr);
  // Now the broker applies the replace it had.
  const auto g = w.take<ReplaceOrder>();
  ASSERT_TRUE(g.has_value());
  w.answer(*g);
  EXPECT_EQ(w.working_at_broker(parent.value), 1);
  const ChildOrder* r = w.om.child(repl);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->live()) << "the broker works replacement " << repl.value
                         << " (it said Replaced) but the order manager holds it as "
                         << to_string(r->state());
  // The slicer's next steps.
  for (int k = 0; k < 3; ++k) {
    w.tick(std::chrono::seconds(10));
    w.deliver_all();
    EXPECT_LE(w.working_at_broker(parent.value), 1)
        << "step " << k << ": parent has " << w.working_at_broker(parent.value)
        << " orders working at the broker";
  }
  // Run to the end, the broker filling everything it works.
  for (int k = 0; k < 30; ++k) {
    w.tick(std::chrono::seconds(10));
    w.deliver_all();
    w.fill_all_live();
    w.deliver_all();
  }
  EXPECT_LE(w.broker_filled(parent.value), w.parent_qty[parent.value]) << "parent over-filled";
}

// A broker whose Replaced report names the old order in both ClOrdID (11) and OrigClOrdID (41).
// The order manager used to mark the old order Replaced and never activate the replacement (it
// stayed PendingNew for good); the slicer fell back to the old order, found it closed and sent a
// new child while the broker worked the replacement. The replacement meant is the one the old
// order awaits: it goes live, and one order works at the broker.
TEST(AdvSlowBroker, AReplacedReportNamingTheOldIdInBothTagsActivatesTheReplacement) {
  Rig w;
  const OrderId parent = w.start(8002, w.d.spy, Side::kBuy, 300, w.a0);
  const auto [first, repl] = to_pending_replace(w, parent);
  ASSERT_TRUE(repl.valid());
  const auto g = w.take<ReplaceOrder>();
  ASSERT_TRUE(g.has_value());
  const ReplaceOrder& ro = std::get<ReplaceOrder>(*g);
  Rig::BrokerOrder& o = w.broker[first.value];
  o.how = Rig::How::kReplaced;
  w.broker[repl.value] = {o.parent, o.chain, ro.qty.raw, Rig::How::kLive};
  ExecutionReported ack{};
  ack.order = first;  // should be the replacement's id
  ack.orig_order = first;
  ack.exec_type = ExecType::kReplaced;
  ack.status = OrdStatus::kNew;
  ack.leaves_qty = ro.qty;
  w.report(ack);
  const ChildOrder* r = w.om.child(repl);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->live()) << "the broker works the replacement; the engine holds it "
                         << to_string(r->state());
  for (int k = 0; k < 4; ++k) {
    w.tick(std::chrono::seconds(10));
    w.deliver_all();
    EXPECT_LE(w.working_at_broker(parent.value), 1)
        << "step " << k << ": parent has " << w.working_at_broker(parent.value)
        << " orders working at the broker";
  }
}

// on_horizon_end: leave. At the finish-by time the slicer cancels the child and closes the parent
// at once. The cancel is lost; the order manager's status request shows the order working and
// withdraws the cancel. Nobody cancels again: the order works at the broker for a parent that is
// closed (the rebalancer counts it done and may trade the account again).
TEST(AdvSlowBroker, LeaveAtTheHorizonWithALostCancelLeavesAnOrderWorkingForAClosedParent) {
  // A cancel of the parent's working child is lost (with `leave`, the one the horizon's end
  // sends). The slicer closes the parent only once the broker has answered a cancel: after the
  // order manager's status request shows the child still working, the slicer cancels again.
  Rig w;
  w.cfg.on_horizon_end = HorizonEnd::kLeave;
  const OrderId parent = w.start(8003, w.d.spy, Side::kBuy, 300, w.a0);
  w.loop.process(quote(w.d.spy, "99.99", "100.01", w.clock.now()));
  w.pump();
  bool dropped = false;
  for (int k = 0; k < 60; ++k) {
    w.tick(std::chrono::seconds(10));
    if (!dropped && w.take<CancelOrder>().has_value()) dropped = true;  // lost on the way
    w.deliver_all();
  }
  ASSERT_TRUE(dropped) << "no cancel was ever sent";
  EXPECT_EQ(w.closed_parents.count(parent.value), 1u) << "the parent never closed";
  EXPECT_EQ(w.slicer.active(), 0u);
  EXPECT_EQ(w.working_at_broker(parent.value), 0)
      << "an order of closed parent " << parent.value << " still works at the broker";
}

// A bust, after a replace, of a fill booked on the replaced order, addressed (ClOrdID) to the order
// the fill was reported on. The order manager takes the fill out of the old order and the parent
// but not out of the replacement, whose cum qty (the chain's, copied at activation) stays as
// before: the replacement's leaves are short by the busted quantity. When the broker fills what it
// still works short of that, the engine holds the replacement as Filled, the slicer sends a new
// child, and the broker still works the rest of the replacement: two orders of one parent work.
TEST(AdvSlowBroker, DISABLED_BustOfAFillOnTheReplacedOrderLeavesTheReplacementShortAndTwoWorking) {
  Rig w;
  const OrderId parent = w.start(8004, w.d.spy, Side::kBuy, 300, w.a0);
  w.loop.process(quote(w.d.spy, "99.99", "100.01", w.clock.now()));
  w.pump();
  w.tick(std::chrono::seconds(10));
  const auto s = w.take<SubmitOrder>();
  ASSERT_TRUE(s.has_value());
  const OrderId first = std::get<SubmitOrder>(*s).order;
  w.answer(*s);
  w.fill(first.value, Qty::from_units(4).raw);  // part of the first child
  OrderId repl{};
  for (int k = 0; k < 4 && !repl.valid(); ++k) {
    w.tick(std::chrono::seconds(10));
    for (const Event& e : w.wire) {
      if (const auto* r = std::get_if<ReplaceOrder>(&e)) repl = r->order;
    }
    w.deliver_all();
  }
  ASSERT_TRUE(repl.valid()) << "no replace";
  ASSERT_NE(w.om.child(repl), nullptr);
  ASSERT_TRUE(w.om.child(repl)->live());
  w.bust(w.fills.at(0));  // the 4 on the first child: the broker's chain CumQty drops to 0
  const ChildOrder* r = w.om.child(repl);
  EXPECT_EQ(r->leaves().raw, w.broker[repl.value].qty - w.cum(w.broker[repl.value]))
      << "the replacement's leaves after the bust differ from what the broker works";
  // The broker fills all but 4 of what it works on the replacement.
  const std::int64_t works = w.broker[repl.value].qty - w.cum(w.broker[repl.value]);
  w.fill(repl.value, works - Qty::from_units(4).raw);
  w.tick(std::chrono::seconds(10));
  w.deliver_all();
  EXPECT_LE(w.working_at_broker(parent.value), 1)
      << "parent has " << w.working_at_broker(parent.value) << " orders working at the broker";
}

// A broker that refuses a replace (35=9, CxlRejResponseTo 2) with OrigClOrdID set and no
// ClOrdID. The original works on (correct), but the replacement is never rejected: it stays
// PendingNew in the order manager for good, so its parent never leaves the table. Ending the
// replacement the original awaits is not the fix: a duplicate or late reject without 11 would
// then end a newer replacement the broker works (a review found it); the reject must be tied to
// its request (the same gap as the stale status answer below).
TEST(AdvSlowBroker, DISABLED_ReplaceRejectWithoutClOrdIdLeavesTheReplacementHeldForGood) {
  Rig w(/*retention_ns=*/1'000'000'000);
  const OrderId parent = w.start(8005, w.d.spy, Side::kBuy, 300, w.a0);
  const auto [first, repl] = to_pending_replace(w, parent);
  ASSERT_TRUE(repl.valid());
  ASSERT_TRUE(w.take<ReplaceOrder>().has_value());
  CancelRejected cr{};
  cr.orig_order = first;  // ClOrdID (11) missing
  cr.response_to = CancelRejectResponseTo::kReplace;
  w.loop.process(cr);
  w.pump();
  // Run to the end, the broker answering and filling everything.
  for (int k = 0; k < 40; ++k) {
    w.tick(std::chrono::seconds(10));
    w.deliver_all();
    w.fill_all_live();
    w.deliver_all();
  }
  w.tick(std::chrono::minutes(5));
  w.loop.process(trade(w.d.spy, "100", w.clock.now()));  // reclaim runs on an event
  EXPECT_EQ(w.slicer.active(), 0u);
  const ChildOrder* r = w.om.child(repl);
  EXPECT_TRUE(r == nullptr || r->state() != OrderState::kPendingNew)
      << "replacement " << repl.value << " still PendingNew";
  EXPECT_EQ(w.om.parents_held(), 0u) << "the parent never leaves the order manager";
}

// A refused replace (35=9) kills the replacement, which is then closed; with `interval: 5m` and
// `retention: 1m` (both valid) it leaves the order manager's tables before the slicer's next step.
// The slicer then finds no child for its live id (om_.child() == nullptr), takes that for "no
// child working" and sends a new one while the original still works at the broker.
TEST(AdvSlowBroker, RefusedReplaceRetiredBeforeTheNextStepLeavesTwoWorking) {
  Rig w(/*retention_ns=*/60'000'000'000);
  w.cfg.horizon = std::chrono::minutes(60);
  w.cfg.interval = std::chrono::minutes(5);
  const OrderId parent = w.start(8006, w.d.spy, Side::kBuy, 300, w.a0);
  w.loop.process(quote(w.d.spy, "99.99", "100.01", w.clock.now()));
  w.pump();
  OrderId first{}, repl{};
  for (int k = 0; k < 6 && !repl.valid(); ++k) {
    w.tick(std::chrono::minutes(5));
    if (const auto s = w.take<SubmitOrder>()) {
      first = std::get<SubmitOrder>(*s).order;
      w.answer(*s);
    }
    if (const auto g = w.take<ReplaceOrder>()) repl = std::get<ReplaceOrder>(*g).order;
  }
  ASSERT_TRUE(repl.valid());
  // The broker refuses the replace (say, the order is being worked on the floor).
  CancelRejected cr{};
  cr.order = repl;
  cr.orig_order = first;
  cr.response_to = CancelRejectResponseTo::kReplace;
  w.loop.process(cr);
  w.pump();
  ASSERT_EQ(w.working_at_broker(parent.value), 1);
  w.tick(std::chrono::seconds(61));
  w.loop.process(trade(w.d.spy, "100", w.clock.now()));  // any event: the retention runs
  w.pump();
  w.tick(std::chrono::minutes(4));  // the slicer's next step
  w.deliver_all();
  EXPECT_LE(w.working_at_broker(parent.value), 1)
      << "parent has " << w.working_at_broker(parent.value) << " orders working at the broker";
}

// An honest broker (in order) that is slow and lost one replace. The order manager sends a second
// status request before the first is answered; the first answer withdraws the lost replace
// (right). The slicer then sends a new replace; when its own timer has fired, the answer to the
// SECOND status request arrives: it was asked before the new replace was sent, so it shows the
// order New, and the order manager takes it for the answer about the new replace and withdraws it.
// The broker then applies the new replace: the replacement works at the broker, the engine holds
// it as Rejected, and the slicer sends another child. A status answer is not tied to the request
// it answers.
TEST(AdvSlowBroker, DISABLED_StaleStatusAnswerWithdrawsANewerReplaceAndLeavesTwoWorking) {
  Rig w;
  const OrderId parent = w.start(8007, w.d.spy, Side::kBuy, 300, w.a0);
  const auto [first, ra] = to_pending_replace(w, parent);  // t=20: G(a) on the wire
  ASSERT_TRUE(ra.valid());
  ASSERT_TRUE(w.take<ReplaceOrder>().has_value());  // G(a) is lost
  w.tick(std::chrono::seconds(6));                  // t=26: H1
  w.tick(std::chrono::seconds(10));                 // t=36: H2 (H1 unanswered)
  ASSERT_EQ(w.wire.size(), 2u);
  w.answer(*w.take<QueryOrderStatus>());  // H1: New -> G(a) withdrawn (right)
  w.tick(std::chrono::seconds(10));       // t=46: the slicer replaces again: G(b)
  OrderId rb{};
  for (const Event& e : w.wire) {
    if (const auto* r = std::get_if<ReplaceOrder>(&e)) rb = r->order;
  }
  ASSERT_TRUE(rb.valid()) << "no second replace";
  w.tick(std::chrono::seconds(5));  // t=51: G(b)'s timer: H3. The wire: H2, G(b), H3
  w.deliver_all();                  // in order
  const ChildOrder* r = w.om.child(rb);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->live()) << "the broker applied replace " << rb.value
                         << " but the order manager holds the replacement as "
                         << to_string(r->state());
  w.tick(std::chrono::seconds(10));
  w.deliver_all();
  EXPECT_LE(w.working_at_broker(parent.value), 1)
      << "parent has " << w.working_at_broker(parent.value) << " orders working at the broker";
}

// The harsher property test: several parents, a broker processing messages in order (FIFO) after
// random delays and losing some (never processed: the order manager's status requests, answered
// from the broker's book, find out), random fills and busts, cross or leave at the horizon, a
// short retention. After every step: per parent at most one order works at the broker and the
// broker's fills never exceed the parent's quantity; at the end (the broker answering everything)
// every parent has ended.
struct FifoStats {
  std::uint64_t steps = 0, lost = 0, statuses = 0, busts = 0;
  std::vector<std::string> problems;
};

FifoStats run_fifo_broker(bool with_busts, unsigned lose_one_in) {
  FifoStats st;
  std::uint64_t &steps = st.steps, &lost = st.lost, &statuses = st.statuses, &busts = st.busts;
  std::vector<std::string>& problems = st.problems;
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed * 104729);
    Rig w(/*retention_ns=*/90'000'000'000);
    w.trace = std::getenv("ADV_TRACE") != nullptr &&
              std::atoi(std::getenv("ADV_TRACE")) == static_cast<int>(seed);
    w.cfg.on_horizon_end = seed % 2 ? HorizonEnd::kCross : HorizonEnd::kLeave;
    std::uint64_t next_parent = 9000;
    std::vector<std::pair<Event, int>> wire;  // FIFO with due steps (non-decreasing)
    int step = 0;
    auto to_wire = [&](bool may_lose) {
      while (!w.wire.empty()) {
        const Event m = w.wire.front();
        w.wire.pop_front();
        const bool request =
            std::holds_alternative<ReplaceOrder>(m) || std::holds_alternative<CancelOrder>(m);
        if (may_lose && request && lose_one_in > 0 && rng() % lose_one_in == 0) {
          w.say("LOST", m);
          ++lost;
          continue;
        }
        statuses += std::holds_alternative<QueryOrderStatus>(m);
        const int due =
            std::max(wire.empty() ? 0 : wire.back().second, step + static_cast<int>(rng() % 4));
        wire.emplace_back(m, due);
      }
    };
    auto check = [&](const char* when) -> bool {
      for (const auto& [parent, q] : w.parent_qty) {
        const int n = w.working_at_broker(parent);
        if (n > 1) {
          if (w.trace) {
            for (const auto& [id, o] : w.broker) {
              if (o.parent != parent) continue;
              const ChildOrder* c = w.om.child(OrderId{id});
              std::printf("  broker %llu live %d qty %lld chain %llu | om %s leaves %lld pend %d\n",
                          (unsigned long long)id, (int)o.live(), (long long)o.qty,
                          (unsigned long long)o.chain, c ? to_string(c->state()) : "-",
                          c ? (long long)c->leaves().raw : -1L, c ? (int)c->request_pending() : -1);
            }
          }
          problems.push_back("seed " + std::to_string(seed) + " step " + std::to_string(step) +
                             " (" + when + "): parent " + std::to_string(parent) + " has " +
                             std::to_string(n) + " orders working");
          return false;
        }
        if (w.broker_filled(parent) > q) {
          problems.push_back("seed " + std::to_string(seed) + " step " + std::to_string(step) +
                             ": parent " + std::to_string(parent) + " over-filled");
          return false;
        }
      }
      return true;
    };
    bool ok = true;
    for (step = 0; step < 300 && ok; ++step) {
      ++steps;
      const unsigned roll = rng() % 10;
      if (roll < 2 && w.slicer.active() < 3) {
        w.start(next_parent++, rng() % 2 ? w.d.spy : w.d.agg, rng() % 2 ? Side::kBuy : Side::kSell,
                static_cast<std::int64_t>(50 + rng() % 400), rng() % 2 ? w.a0 : w.a1);
      } else if (roll < 6) {
        w.tick(std::chrono::seconds(2 + rng() % 12));
      } else if (roll < 8) {
        std::vector<std::uint64_t> live;
        for (const auto& [id, o] : w.broker)
          if (o.live() && o.qty > w.cum(o)) live.push_back(id);
        if (!live.empty()) {
          const std::uint64_t id = live[rng() % live.size()];
          const std::int64_t leaves = w.broker[id].qty - w.cum(w.broker[id]);
          w.fill(id, rng() % 2 ? leaves : std::max<std::int64_t>(1, leaves / 3));
        }
      } else if (roll < 9) {
        if (with_busts && !w.fills.empty()) {
          Rig::Fill& x = w.fills[rng() % w.fills.size()];
          if (!x.busted && w.om.child(x.order) != nullptr && rng() % 3 == 0) {
            ++busts;
            w.bust(x);
          }
        }
      } else {
        const InstrumentId i = rng() % 2 ? w.d.spy : w.d.agg;
        w.loop.process(quote(i, "99.99", "100.01", w.clock.now()));
        w.pump();
      }
      to_wire(true);
      while (!wire.empty() && wire.front().second <= step) {
        const Event m = wire.front().first;
        wire.erase(wire.begin());
        w.answer(m);
        to_wire(true);
      }
      ok = check("run");
    }
    // The end: no more losses; the broker answers everything and fills what it works.
    for (int k = 0; k < 80 && ok; ++k, ++step) {
      w.tick(std::chrono::seconds(10));
      to_wire(false);
      while (!wire.empty()) {
        const Event m = wire.front().first;
        wire.erase(wire.begin());
        w.answer(m);
        to_wire(false);
      }
      for (const auto& [id, o] : w.broker) {
        if (ok && o.live() && w.closed_parents.count(o.parent) != 0) {
          problems.push_back("seed " + std::to_string(seed) + " step " + std::to_string(step) +
                             ": order " + std::to_string(id) + " of closed parent " +
                             std::to_string(o.parent) + " works at the broker");
          ok = false;
        }
      }
      w.fill_all_live();
      to_wire(false);
      ok = ok && check("end");
    }
    if (ok && w.slicer.active() != 0 && w.trace) {
      for (const auto& [parent, q] : w.parent_qty) {
        if (w.closed_parents.count(parent) != 0) continue;
        const ParentOrder* po = w.om.parent(OrderId{parent});
        std::printf("  open parent %llu qty %lld filled %lld\n", (unsigned long long)parent,
                    (long long)q, po ? (long long)po->filled.raw : -1LL);
        for (const auto& [id, par] : w.parent_of) {
          if (par != parent) continue;
          const ChildOrder* c = w.om.child(OrderId{id});
          std::printf("  child %llu at broker %d | om %s pend %d repl %llu by %llu active %d\n",
                      (unsigned long long)id, (int)w.broker.count(id),
                      c ? to_string(c->state()) : "-", c ? (int)c->request_pending() : -1,
                      c ? (unsigned long long)c->replaces().value : 0ULL,
                      c ? (unsigned long long)c->replaced_by().value : 0ULL,
                      c ? (int)c->active() : -1);
        }
        for (const auto& [id, o] : w.broker) {
          if (o.parent != parent) continue;
          const ChildOrder* c = w.om.child(OrderId{id});
          std::printf("  broker %llu live %d qty %lld | om %s leaves %lld pend %d cum %lld\n",
                      (unsigned long long)id, (int)o.live(), (long long)o.qty,
                      c ? to_string(c->state()) : "-", c ? (long long)c->leaves().raw : -1LL,
                      c ? (int)c->request_pending() : -1, c ? (long long)c->cum_qty().raw : -1LL);
        }
      }
    }
    if (ok && w.slicer.active() != 0) {
      problems.push_back("seed " + std::to_string(seed) + ": " + std::to_string(w.slicer.active()) +
                         " parent(s) never ended (the broker answered everything)");
    }
  }
  std::printf("%llu steps, %llu messages lost, %llu status requests, %llu busts, %zu problems\n",
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(statuses), static_cast<unsigned long long>(busts),
              problems.size());
  return st;
}

// An honest broker: in order, after delays, nothing lost, no busts. The baseline.
TEST(AdvSlowBroker, FifoBrokerBaseline) {
  const FifoStats st = run_fifo_broker(false, 0);
  for (const auto& p : st.problems) ADD_FAILURE() << p;
  EXPECT_GT(st.statuses, 20u);
}

// Cancels and replaces lost now and then (the order manager's status requests find out).
TEST(AdvSlowBroker, DISABLED_FifoBrokerLosingCancelsAndReplaces) {
  const FifoStats st = run_fifo_broker(false, 8);
  for (const auto& p : st.problems) ADD_FAILURE() << p;
  EXPECT_GT(st.lost, 50u);
  EXPECT_GT(st.statuses, 50u);
}

// Fills busted now and then, addressed to the ClOrdID they were reported on.
TEST(AdvSlowBroker, DISABLED_FifoBrokerBustingFills) {
  const FifoStats st = run_fifo_broker(true, 0);
  for (const auto& p : st.problems) ADD_FAILURE() << p;
  EXPECT_GT(st.busts, 50u);
}

}  // namespace
}  // namespace ballast
