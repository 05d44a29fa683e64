// Adversarial tests of the order manager's retention (issue 14, item 5): a hostile broker or
// user against the bounded tables. Each TEST names the defect it showed (or the hazard it rules
// out); the randomised differential test drives a manager with small tables and a short retention
// and a reference with tables that never retire anything through the same stream, and checks that
// they book the same and that a report for a retired order lands nowhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ballast/execution/exec_ledger.hpp"
#include "ballast/execution/flat_id_map.hpp"
#include "ballast/execution/order_manager.hpp"
#include "engine/drift_fixtures.hpp"
#include "order_manager_fixture.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using test::px;
using test::qty;

using test::kMin;
using test::kSec;
constexpr std::int64_t kDay = 86'400 * kSec;

using Fixture = test::RetentionFixture;

// Defect 1 (found here): the ring of closed children had room for max_children entries, but a
// child that closes, reopens and closes again (a cancel racing a fill and rejected as too late, a
// bust and a new fill, a correction) leaves one stale entry per close. With the ring full of them
// the manager retired the oldest *valid* closed child early although the table was nearly empty;
// a bust of that child inside its retention then found no order and stopped trading everywhere.
TEST(OrderManagerRetentionAdversarial,
     StaleCloseEntriesNeverRetireAChildEarlyWhileTheTableHasRoom) {
  Fixture f(8, 30 * kMin);
  f.submit(1);
  f.fill(1, "E1");  // closed: it stays 30 minutes
  f.submit(2);
  f.fill(2, "E2");
  // Too-late cancels on the filled child 2, each refused: every round closes child 2 again.
  for (std::uint64_t k = 0; k < 40; ++k) {
    f.later(kSec);
    f.cancel(1000 + k, 2);
    f.cancel_rejected(1000 + k, 2);
  }
  EXPECT_EQ(f.m.children_held(), 2u);
  EXPECT_EQ(f.m.counters().retired_early, 0u) << "two children in a table of eight";
  ASSERT_NE(f.m.child(OrderId{1}), nullptr) << "child 1 closed under a minute ago";
  f.out.clear();
  ExecutionReported bust = f.report(1, ExecType::kTradeCancel, "B1", "10", "0");
  bust.exec_ref_id.assign("E1");
  bust.status = OrdStatus::kCanceled;
  bust.leaves_qty = qty("0");
  f.send(bust);
  EXPECT_EQ(f.position(), qty("10")) << "the bust of child 1 is booked";
  EXPECT_FALSE(f.stopped());
  // The stale entries still age out: 30 minutes later both children leave on time.
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.children_held(), 0u);
  EXPECT_EQ(f.m.counters().retired_children, 2u);
}

// The same with a hostile broker: bust and refill one order over and over (each refill closes it
// again) while another closed order waits for a late correction.
TEST(OrderManagerRetentionAdversarial, BustRefillCyclesOnOneOrderKeepTheOthersForTheirRetention) {
  Fixture f(4, 30 * kMin);
  f.submit(1);
  f.fill(1, "E1");
  f.submit(2);
  f.fill(2, "F0");
  for (int k = 0; k < 50; ++k) {
    f.later(kSec);
    ExecutionReported bust =
        f.report(2, ExecType::kTradeCancel, ("X" + std::to_string(k)).c_str(), "10", "0");
    bust.exec_ref_id.assign(("F" + std::to_string(k)).c_str());
    bust.status = OrdStatus::kNew;
    bust.leaves_qty = qty("10");
    f.send(bust);
    f.fill(2, ("F" + std::to_string(k + 1)).c_str());
  }
  EXPECT_EQ(f.m.counters().retired_early, 0u);
  ASSERT_NE(f.m.child(OrderId{1}), nullptr);
  ExecutionReported corr = f.report(1, ExecType::kTradeCorrect, "C1", "5", "5");
  corr.exec_ref_id.assign("E1");
  corr.status = OrdStatus::kFilled;
  corr.leaves_qty = qty("0");
  f.out.clear();
  f.send(corr);
  EXPECT_FALSE(f.stopped());
  EXPECT_EQ(f.position(), qty("15"));
}

// Defect 3 (found by the differential test): a refused ReplaceOrder (no room in a table of open
// orders, or a ClOrdID in use) re-armed the request timer of the order's outstanding cancel at
// attempt 0: the escalation (status request, then the account stopped) started over, and a
// stream of refused replaces postponed it forever.
TEST(OrderManagerRetentionAdversarial, ARefusedReplaceDoesNotRestartTheOutstandingRequestsTimer) {
  Fixture f(2, 30 * kMin);
  f.submit(1);
  f.submit(2);
  f.send(f.report(1, ExecType::kNew, "", "0", "0"));
  f.out.clear();
  f.cancel(1001, 1);
  ASSERT_EQ(test::of_type<ScheduleTimer>(f.out).size(), 1u);
  f.later(4 * kSec);
  f.out.clear();
  ReplaceOrder r{};
  r.order = OrderId{3};  // the table (two open orders) has no room
  r.orig_order = OrderId{1};
  r.qty = qty("5");
  r.limit = px("100");
  f.send(r);
  r.order = OrderId{2};  // an id in use
  f.send(r);
  EXPECT_EQ(f.m.counters().capacity_exhausted, 2u);
  EXPECT_TRUE(test::of_type<ScheduleTimer>(f.out).empty())
      << "the cancel's timer (due in a second) stands";
  // A cancel request the order takes still arms it.
  f.cancel(1002, 1);
  EXPECT_EQ(test::of_type<ScheduleTimer>(f.out).size(), 1u);
}

// Defect 4 (found by the differential test): the index of cancel-request ids had room for
// max_children ids while each child remembers up to four. Children with a second cancel (a cancel
// re-sent after a timeout, a cancel racing a fill) filled it; a later cancel id was not indexed,
// and a session reject of that cancel (35=3, which names only its ClOrdID) found no order: the
// child stayed PendingCancel until its timer asked the broker.
TEST(OrderManagerRetentionAdversarial, EveryRememberedCancelIdIsIndexed) {
  Fixture f(4, 30 * kMin);
  for (std::uint64_t id = 1; id <= 4; ++id) {
    f.submit(id);
    f.send(f.report(id, ExecType::kNew, "", "0", "0"));
  }
  std::uint64_t cid = 1000;
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t id = 1; id <= 4; ++id) f.cancel(++cid, id);
  }
  // Each child's last cancel is refused by the session: every child works again.
  for (std::uint64_t k = 0; k < 4; ++k) {
    MessageRejected mr{};
    mr.order = OrderId{cid - k};
    mr.session = SessionId{1};
    f.send(mr);
  }
  EXPECT_EQ(f.m.counters().unknown_orders, 0u);
  for (std::uint64_t id = 1; id <= 4; ++id) {
    EXPECT_EQ(f.m.child(OrderId{id})->state(), OrderState::kNew) << id;
  }
}

// A replace of a closed order when the table is full: no replacement is made (the broker will
// refuse it) and no slot is taken, so the original is not retired early to make room; nothing is
// emitted. The next order then takes the oldest closed child's slot.
TEST(OrderManagerRetentionAdversarial, AReplaceOfTheOldestClosedOrderInAFullTableIsRefusedCleanly) {
  Fixture f(2, 30 * kMin);
  f.submit(1);
  f.fill(1, "E1");
  f.submit(2);
  f.out.clear();
  f.replace(3, 1, "20");
  EXPECT_NE(f.m.child(OrderId{1}), nullptr);
  EXPECT_EQ(f.m.child(OrderId{3}), nullptr);
  EXPECT_EQ(f.m.counters().retired_early, 0u);
  EXPECT_EQ(f.m.counters().replaces_of_closed, 1u);
  EXPECT_EQ(f.m.counters().unknown_orders, 0u);
  EXPECT_TRUE(f.out.empty());
  EXPECT_EQ(f.m.children_held(), 2u);
  f.submit(4);  // full: child 1, the oldest closed, leaves early for it
  EXPECT_NE(f.m.child(OrderId{4}), nullptr);
  EXPECT_EQ(f.m.child(OrderId{1}), nullptr);
  EXPECT_EQ(f.m.counters().retired_early, 1u);
  EXPECT_EQ(f.m.counters().capacity_exhausted, 0u);
}

// Parents: close_parent refuses unknown ids and blocks (blocks stay for the run); open_parent
// refuses an id still held (a finished parent whose last child is within its retention) and
// takes it again once the parent left.
TEST(OrderManagerRetentionAdversarial, ParentIdsAreRefusedWhileHeldAndFreeAfter) {
  Fixture f(8, 30 * kMin);
  EXPECT_FALSE(f.m.close_parent(OrderId{77}));
  const BlockShare shares[] = {{.account = f.acct, .requested = qty("10")}};
  ASSERT_TRUE(f.m.open_block(OrderId{50}, f.d.spy, Side::kBuy, qty("1"), shares));
  EXPECT_FALSE(f.m.close_parent(OrderId{50}));
  ASSERT_TRUE(f.m.open_parent(OrderId{60}, f.acct, f.d.spy, Side::kBuy, qty("10")));
  SubmitOrder s{};
  s.order = OrderId{1};
  s.parent = OrderId{60};
  s.account = f.acct;
  s.instrument = f.d.spy;
  s.qty = qty("10");
  s.limit = px("100");
  f.send(s);
  f.fill(1, "E1");
  EXPECT_TRUE(f.m.close_parent(OrderId{60}));
  EXPECT_TRUE(f.m.close_parent(OrderId{60})) << "closing twice is harmless";
  EXPECT_FALSE(f.m.open_parent(OrderId{60}, f.acct, f.d.spy, Side::kBuy, qty("10")))
      << "held with its child";
  f.later(31 * kMin);
  f.send(f.report(99, ExecType::kOrderStatus, "", "0", "0"));
  EXPECT_EQ(f.m.parent(OrderId{60}), nullptr);
  EXPECT_NE(f.m.parent(OrderId{50}), nullptr) << "a block stays";
  EXPECT_EQ(f.m.counters().retired_parents, 1u);
  EXPECT_TRUE(f.m.open_parent(OrderId{60}, f.acct, f.d.spy, Side::kBuy, qty("10")));
}

/// The UTC midnight after `t`.
Timestamp next_midnight(Timestamp t) {
  return Timestamp{(t.ns / kDay + 1) * kDay};
}

// Defect 2 (found here): the manager rolled the ExecID ledger whenever the UTC day of `now`
// differed from the last one, backwards too. `now` is CLOCK_REALTIME live, which steps back (an
// NTP step, a leap second inserted at 23:59:60 UTC is a step back at midnight): forward, back and
// forward again rolled three times and wiped both days; a resend of the evening's fill was booked
// a second time.
TEST(OrderManagerRetentionAdversarial, AClockSteppingBackAcrossMidnightDoesNotWipeTheLedger) {
  Fixture f(8, 30 * kMin);
  const Timestamp midnight = next_midnight(f.now);
  f.now = Timestamp{midnight.ns - 500'000'000};
  f.submit(1, "20");
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));
  f.now = Timestamp{midnight.ns + 100'000'000};
  f.send(f.report(1, ExecType::kNew, "", "0", "10"));
  f.now = Timestamp{midnight.ns - 900'000'000};  // the clock steps back one second
  f.send(f.report(1, ExecType::kNew, "", "0", "10"));
  f.now = Timestamp{midnight.ns + 200'000'000};
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));  // a PossDup resend of E1
  EXPECT_EQ(f.m.counters().duplicates, 1u);
  EXPECT_EQ(f.position(), qty("10")) << "E1 booked once";
  EXPECT_EQ(f.m.counters().day_rolls, 1u) << "one new day, however the clock wobbles";
}

TEST(OrderManagerRetentionAdversarial, ResendsStraddlingOneMidnightAreDuplicatesTwoAreForgotten) {
  Fixture f(8, 30 * kMin);
  const Timestamp midnight = next_midnight(f.now);
  f.now = Timestamp{midnight.ns - kSec};
  f.submit(1, "100");
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));
  f.now = Timestamp{midnight.ns + kDay - kSec};  // the next day, a second before its end
  f.send(f.report(1, ExecType::kTrade, "E1", "10", "10"));
  f.send(f.report(1, ExecType::kTrade, "E2", "10", "20"));
  EXPECT_EQ(f.m.counters().duplicates, 1u);
  EXPECT_EQ(f.position(), qty("20"));
  f.now = Timestamp{midnight.ns + kDay + kSec};  // two midnights after E1, one after E2
  f.send(f.report(1, ExecType::kTrade, "E2", "10", "20"));
  EXPECT_EQ(f.m.counters().duplicates, 2u);
  EXPECT_EQ(f.m.counters().day_rolls, 2u);
}

// FlatIdMap::erase under keys crafted to share one home slot (one long probe run) at the end of
// the table, so the run wraps around to slot 0: every erase order keeps every key reachable.
std::uint64_t key_with_home(std::size_t home, std::size_t mask, std::uint64_t salt) {
  // home(key) = (key * C >> 17) & mask: pick the product, then multiply by C's inverse mod 2^64.
  constexpr std::uint64_t kC = 0x9E3779B97F4A7C15ull;
  std::uint64_t inv = kC;  // Newton: inv = inv * (2 - C * inv), doubling the correct bits
  for (int k = 0; k < 6; ++k) inv *= 2 - kC * inv;
  const std::uint64_t product =
      (salt << 40) | (static_cast<std::uint64_t>(home) << 17) | (salt & 0x1FFFF);
  (void)mask;
  return product * inv;
}

TEST(FlatIdMapAdversarial, OneRunWrappingTheTableEndSurvivesEveryEraseOrder) {
  // A quarter of the seeds under a sanitizer (all its work is in this file: at -O0 under ASan the
  // 300 seeds took 54 s).
  for (std::uint32_t seed = 1; seed <= static_cast<std::uint32_t>(test::scaled_cases(300));
       ++seed) {
    std::mt19937_64 rng(seed);
    const std::size_t max_keys = 8 + rng() % 120;
    FlatIdMap m(max_keys);
    const std::size_t cap = std::bit_ceil(max_keys * 2);
    const std::size_t mask = cap - 1;
    std::unordered_map<std::uint64_t, std::uint32_t> ref;
    std::vector<std::uint64_t> keys;
    for (std::uint64_t salt = 1; keys.size() < 3 * max_keys; ++salt) {
      // Homes in the last few slots (most of them the very last): the run wraps to slot 0.
      const std::size_t home = mask - (rng() % 4 == 0 ? rng() % 3 : 0);
      const std::uint64_t k = key_with_home(home, mask, salt);
      ASSERT_EQ(((k * 0x9E3779B97F4A7C15ull) >> 17) & mask, home) << "the crafted key's home";
      if (k != FlatIdMap::kEmpty) keys.push_back(k);
    }
    for (int op = 0; op < 4000; ++op) {
      const std::uint64_t k = keys[rng() % keys.size()];
      if (rng() % 2 == 0) {
        const bool want = ref.count(k) == 0 && ref.size() < max_keys;
        const auto v = static_cast<std::uint32_t>(op);
        ASSERT_EQ(m.insert(k, v), want) << "seed " << seed << " op " << op;
        if (want) ref[k] = v;
      } else {
        ASSERT_EQ(m.erase(k), ref.erase(k) == 1) << "seed " << seed << " op " << op;
      }
      for (const auto& [rk, rv] : ref) ASSERT_EQ(m.find(rk), rv) << "seed " << seed;
      ASSERT_EQ(m.size(), ref.size());
    }
  }
}

}  // namespace
}  // namespace ballast
