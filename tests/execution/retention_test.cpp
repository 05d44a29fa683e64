// Issue 14, item 5: the order manager's tables in bounded memory. Closed children leave after the
// retention (a late bust within it is booked; after it the order is unknown), a reused slot
// ignores the previous occupant's timers and cancel ids, parents leave with their last child once
// closed, a full table retires the oldest closed child early, and the ExecID ledger remembers
// exactly two trading days. FlatIdMap's erase is checked against std::unordered_map.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "ballast/execution/exec_ledger.hpp"
#include "ballast/execution/flat_id_map.hpp"
#include "ballast/execution/order_manager.hpp"
#include "engine/drift_fixtures.hpp"
#include "order_manager_fixture.hpp"

namespace ballast {
namespace {

using namespace std::chrono;
using test::px;
using test::qty;

using test::kMin;

TEST(FlatIdMap, RandomInsertEraseFindAgreesWithUnorderedMap) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const std::size_t cap = 1 + rng() % 300;
    FlatIdMap m(cap);
    std::unordered_map<std::uint64_t, std::uint32_t> ref;
    // Few distinct keys (collisions, long probe runs) or sequential ones (the id pattern).
    const std::uint64_t span = seed % 2 == 0 ? cap * 2 : 1'000'000;
    for (int op = 0; op < 20'000; ++op) {
      const std::uint64_t key = seed % 3 == 0 ? (rng() % span) * (1ull << 20) : rng() % span;
      const auto v = static_cast<std::uint32_t>(rng() % 1000);
      switch (rng() % 3) {
        case 0: {
          const bool want = ref.count(key) == 0 && ref.size() < cap;
          ASSERT_EQ(m.insert(key, v), want) << "seed " << seed << " op " << op;
          if (want) ref[key] = v;
          break;
        }
        case 1:
          ASSERT_EQ(m.erase(key), ref.erase(key) == 1) << "seed " << seed << " op " << op;
          break;
        default: {
          const auto it = ref.find(key);
          ASSERT_EQ(m.find(key), it == ref.end() ? FlatIdMap::kNone : it->second)
              << "seed " << seed << " op " << op;
        }
      }
      ASSERT_EQ(m.size(), ref.size());
    }
    for (const auto& [k, v] : ref) ASSERT_EQ(m.find(k), v);
  }
}

TEST(ExecLedger, RemembersTodayAndThePreviousDayOnly) {
  ExecLedger l(4);
  ExecRecord* r = nullptr;
  const auto id = [](const char* s) { return FixedString<32>::of(s); };
  ASSERT_EQ(l.insert(SessionId{1}, id("A"), OrderId{1}, qty("1"), px("1"), &r),
            ExecLedger::Insert::kInserted);
  l.roll();  // a new day: A is yesterday's
  EXPECT_EQ(l.insert(SessionId{1}, id("A"), OrderId{1}, qty("1"), px("1"), &r),
            ExecLedger::Insert::kDuplicate);
  EXPECT_NE(l.find(SessionId{1}, id("A")), nullptr);
  ASSERT_EQ(l.insert(SessionId{1}, id("B"), OrderId{2}, qty("1"), px("1"), &r),
            ExecLedger::Insert::kInserted);
  EXPECT_EQ(l.size(), 1u);
  EXPECT_EQ(l.remembered(), 2u);
  l.roll();  // A is two days old: forgotten; B is yesterday's
  EXPECT_EQ(l.find(SessionId{1}, id("A")), nullptr);
  EXPECT_NE(l.find(SessionId{1}, id("B")), nullptr);
  // Each day has its own room.
  for (const char* e : {"C", "D", "E", "F"}) {
    EXPECT_EQ(l.insert(SessionId{1}, id(e), OrderId{3}, qty("1"), px("1"), &r),
              ExecLedger::Insert::kInserted);
  }
  EXPECT_EQ(l.insert(SessionId{1}, id("G"), OrderId{3}, qty("1"), px("1"), &r),
            ExecLedger::Insert::kFull);
}

/// Four parents at most (the parent-table tests fill it).
struct Fixture : test::RetentionFixture {
  explicit Fixture(std::size_t max_children = 8, std::int64_t retention = 30 * kMin)
      : RetentionFixture(max_children, retention, 4) {}
};

TEST(OrderManagerRetention, ALateBustWithinTheRetentionIsBookedAfterItTheOrderIsUnknown) {
  Fixture f;
  f.submit(1);
  f.fill(1, "E1");
  EXPECT_EQ(f.position(), qty("10"));
  f.later(29 * kMin);
  ExecutionReported bust = f.report(1, ExecType::kTradeCancel, "B1", "10", "0");
  bust.exec_ref_id.assign("E1");
  bust.status = OrdStatus::kNew;  // the broker works the order again
  bust.leaves_qty = qty("10");
  f.send(bust);
  EXPECT_EQ(f.position(), qty("0")) << "a bust 29 minutes after the fill is booked";
  EXPECT_NE(f.m.child(OrderId{1}), nullptr);
  // Reopened by the bust: working again, so it stays, however long.
  f.later(60 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));  // any event: the clock moves
  EXPECT_NE(f.m.child(OrderId{1}), nullptr);
  f.fill(1, "E2");
  EXPECT_EQ(f.position(), qty("10"));
  f.later(30 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));  // any event: the clock moves
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr) << "closed 30 minutes ago: gone";
  EXPECT_EQ(f.m.counters().retired_children, 1u);
  f.out.clear();
  ExecutionReported late = f.report(1, ExecType::kTradeCancel, "B2", "10", "0");
  late.exec_ref_id.assign("E2");
  f.send(late);
  EXPECT_EQ(f.position(), qty("10")) << "nothing to book it to";
  EXPECT_EQ(f.m.counters().unknown_order_fills, 1u);
  bool stopped = false;
  for (const Event& e : f.out) stopped |= std::holds_alternative<KillSwitchTripped>(e);
  EXPECT_TRUE(stopped) << "a bust for an order no longer held stops trading, as any unknown one";
}

TEST(OrderManagerRetention, ParentsLeaveWithTheirLastChildOnceClosed) {
  Fixture f;
  ASSERT_TRUE(f.m.open_parent(OrderId{100}, f.acct, f.d.spy, Side::kBuy, qty("20")));
  f.submit(1, 100);
  f.fill(1, "E1");
  f.submit(2, 100);
  f.later(31 * kMin);
  f.fill(2, "E2");  // the clock moved: child 1 leaves; the parent is open still
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr);
  ASSERT_NE(f.m.parent(OrderId{100}), nullptr);
  EXPECT_EQ(f.m.parent(OrderId{100})->filled, qty("20"));
  EXPECT_TRUE(f.m.close_parent(OrderId{100}));
  EXPECT_NE(f.m.parent(OrderId{100}), nullptr) << "child 2 is held: so is its parent";
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.child(OrderId{2}), nullptr);
  EXPECT_EQ(f.m.parent(OrderId{100}), nullptr);
  EXPECT_EQ(f.m.counters().retired_parents, 1u);
  EXPECT_EQ(f.m.parents_held(), 0u);
  // Its slot takes new parents, over and over: four slots, forty parents.
  for (std::uint64_t p = 200; p < 240; ++p) {
    ASSERT_TRUE(f.m.open_parent(OrderId{p}, f.acct, f.d.spy, Side::kBuy, qty("10"))) << p;
    f.submit(p * 10, p);
    f.fill(p * 10, ("P" + std::to_string(p)).c_str());
    EXPECT_TRUE(f.m.close_parent(OrderId{p}));
    f.later(31 * kMin);
  }
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.parents_held(), 0u);
  EXPECT_EQ(f.position(), qty("420"));
}

TEST(OrderManagerRetention, AFullTableRetiresTheOldestClosedChildEarlyNeverALiveOne) {
  Fixture f(4);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    f.submit(id);
    f.fill(id, ("E" + std::to_string(id)).c_str());
  }
  f.submit(4);  // live
  f.submit(5);  // full: child 1 (closed first) leaves early
  EXPECT_EQ(f.m.counters().retired_early, 1u);
  EXPECT_EQ(f.m.counters().capacity_exhausted, 0u);
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr);
  ASSERT_NE(f.m.child(OrderId{5}), nullptr);
  f.submit(6);
  f.submit(7);
  EXPECT_EQ(f.m.counters().retired_early, 3u);
  f.submit(8);  // 4..7 live: no room, and nothing closed to retire
  EXPECT_EQ(f.m.counters().capacity_exhausted, 1u);
  EXPECT_EQ(f.m.child(OrderId{8}), nullptr);
  for (std::uint64_t id = 4; id <= 7; ++id) EXPECT_NE(f.m.child(OrderId{id}), nullptr) << id;
}

TEST(OrderManagerRetention, AReusedSlotIgnoresThePreviousChildsTimerAndCancelIds) {
  Fixture f(2, kMin);
  f.submit(1);
  f.send(f.report(1, ExecType::kNew, "", "0", "0"));
  CancelOrder c{};
  c.order = OrderId{1001};
  c.orig_order = OrderId{1};
  c.session = SessionId{1};
  f.out.clear();
  f.send(c);
  // The request timer the manager armed for child 1.
  std::optional<ScheduleTimer> timer;
  for (const Event& e : f.out) {
    if (const auto* t = std::get_if<ScheduleTimer>(&e)) timer = *t;
  }
  ASSERT_TRUE(timer.has_value());
  ExecutionReported canceled = f.report(1001, ExecType::kCanceled, "", "0", "0");
  canceled.orig_order = OrderId{1};
  canceled.status = OrdStatus::kCanceled;
  f.send(canceled);
  f.later(2 * kMin);
  f.submit(2);  // retires child 1 (closed 2 minutes ago) ...
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr);
  f.submit(3);  // ... and takes its slot, or the next
  f.send(f.report(2, ExecType::kNew, "", "0", "0"));
  f.send(f.report(3, ExecType::kNew, "", "0", "0"));
  // The old timer fires on the reused slot: nothing is asked, nobody is stopped.
  f.out.clear();
  TimerFired fired{};
  fired.timer = timer->timer;
  fired.owner = timer->owner;
  fired.cookie = timer->cookie;
  f.send(fired);
  EXPECT_TRUE(f.out.empty());
  EXPECT_EQ(f.m.counters().status_requests, 0u);
  // A late reject of the old cancel id does not land on the new occupant.
  CancelRejected cr{};
  cr.order = OrderId{1001};
  cr.orig_order = OrderId{1};
  cr.session = SessionId{1};
  f.send(cr);
  EXPECT_EQ(f.m.counters().unknown_orders, 1u);
  EXPECT_EQ(f.m.child(OrderId{2})->state(), OrderState::kNew);
  EXPECT_EQ(f.m.child(OrderId{3})->state(), OrderState::kNew);
}

TEST(OrderManagerRetention, ANewTradingDayRollsTheLedgerAndAResendFromYesterdayIsStillADuplicate) {
  Fixture f(8, 24 * 60 * kMin);
  f.submit(1, 100, "20");
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));
  f.later(24 * 60 * kMin);                                  // the next day
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));  // a PossDup resend
  EXPECT_EQ(f.m.counters().day_rolls, 1u);
  EXPECT_EQ(f.m.counters().duplicates, 1u);
  EXPECT_EQ(f.position(), qty("10"));
}

TEST(OrderManagerRetention, AReplaceOfAClosedChildMakesNoReplacementLeftWaiting) {
  Fixture f;
  f.submit(1);
  f.fill(1, "E1");
  f.replace(2, 1, "20");
  EXPECT_EQ(f.m.child(OrderId{2}), nullptr);
  EXPECT_EQ(f.m.counters().replaces_of_closed, 1u);
  EXPECT_EQ(f.m.children_held(), 1u);
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.children_held(), 0u) << "nothing is left behind";
}

TEST(OrderManagerRetention, AChildThatCameBeforeItsParentWasHeldDoesNotRetireTheParentEarly) {
  Fixture f;  // four parents at most
  for (std::uint64_t p = 100; p < 104; ++p) {
    ASSERT_TRUE(f.m.open_parent(OrderId{p}, f.acct, f.d.spy, Side::kBuy, qty("10")));
  }
  f.submit(1, 200);  // parent 200 has no room: the child is held, not counted in any parent
  ASSERT_NE(f.m.child(OrderId{1}), nullptr);
  EXPECT_EQ(f.m.parent(OrderId{200}), nullptr);
  EXPECT_TRUE(f.m.close_parent(OrderId{100}));  // finished, childless: leaves at once
  ASSERT_TRUE(f.m.open_parent(OrderId{200}, f.acct, f.d.spy, Side::kBuy, qty("20")));
  f.submit(2, 200);  // counted
  EXPECT_TRUE(f.m.close_parent(OrderId{200}));
  f.fill(1, "E1");
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr);
  EXPECT_NE(f.m.parent(OrderId{200}), nullptr) << "child 2 is live: its parent stays";
  f.fill(2, "E2");
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.parent(OrderId{200}), nullptr);
}

}  // namespace
}  // namespace ballast
