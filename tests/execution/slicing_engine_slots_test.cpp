// The slicing engine's reused parent slots (issue 14, item 5), adversarially: many parents
// finishing in the same timer pass, new parents taking the freed slots, a denial for a finished
// parent's child, and determinism (the same input twice gives the same ClOrdIDs, in start order).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ballast/execution/order_id.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "engine/drift_fixtures.hpp"

namespace ballast {
namespace {

using test::px;
using test::qty;

constexpr std::int64_t kMin = 60'000'000'000;

struct SlicerRun {
  std::vector<std::string> log;  // every proposal and cancel, in emission order
  std::vector<std::vector<std::uint64_t>> parents_per_pass;  // parents proposed for, per pass
  std::uint64_t finished = 0, denied = 0, denials_sent = 0;
  std::size_t parents_held_after = 0, active_after = 0;
};

/// Works `waves` waves of `per_wave` parents (a wave starts when the previous one is half done),
/// every child filled at once; denies the first child of every parent whose id is a multiple of 5.
SlicerRun work(int waves, int per_wave, std::uint32_t seed) {
  test::Desk d;
  d.price_all(test::ny(9, 30));
  const ModelId model = d.model_60_40();
  const AccountId acct = d.account(model, "1000", "1000", "10000000");
  OrderManager om(
      d.book, d.market,
      OrderManagerLimits{
          .max_children = 256, .max_parents = 64, .max_exec_ids = 4096, .retention_ns = 5 * kMin});
  ClOrdIdGenerator ids(7);
  ExecutionConfig cfg;
  cfg.algo = ExecAlgo::kTwap;
  cfg.horizon = std::chrono::minutes(3);
  cfg.interval = std::chrono::minutes(1);
  const VolumeProfile profile = VolumeProfile::flat(570, 960);
  SlicingEngine eng(cfg, profile, d.instruments, d.market, om, ids, /*max_parents=*/per_wave);
  Outbox out;
  SlicerRun run;
  Timestamp now = test::ny(10, 0);
  std::uint64_t next_parent = 1'000;
  std::uint64_t exec = 0;
  std::vector<std::uint64_t> denied_once;
  const auto feed = [&](const Event& e) { om.on_event(e, now, out); };
  int started = 0;
  for (int pass = 0; pass < 60; ++pass) {
    out.clear();
    // A new wave when there is room for all of it (slots of finished parents are reused).
    if (started < waves && per_wave - static_cast<int>(eng.active()) >= per_wave) {
      for (int k = 0; k < per_wave; ++k) {
        const std::uint64_t pid = next_parent++;
        ParentOrderRequested r{};
        r.parent = OrderId{pid};
        r.account = acct;
        r.instrument = (pid + seed) % 2 == 0 ? d.spy : d.agg;
        r.session = SessionId{1};
        r.side = (pid % 3 == 0) ? Side::kSell : Side::kBuy;
        r.qty = qty(std::to_string(10 + (pid * 7 + seed) % 40).c_str());
        // As the chain routes it: the order manager opens it, the slicing engine works it.
        const std::size_t before = out.size();
        feed(r);
        std::vector<Event> opened(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        for (const Event& o : opened) {
          if (std::holds_alternative<ParentOrderAccepted>(o)) eng.on_event(o, now, out);
        }
        std::size_t accepted = 0;
        for (std::size_t k = before; k < out.size(); ++k) {
          EXPECT_FALSE(std::holds_alternative<ParentOrderRefused>(out[k])) << pid;
          accepted += std::holds_alternative<ParentOrderAccepted>(out[k]);
        }
        EXPECT_EQ(accepted, 1u) << pid;
      }
      ++started;
    }
    TimerFired t{};
    t.owner = SlicingEngine::kTimerOwner;
    t.timer = TimerId{(static_cast<std::uint64_t>(SlicingEngine::kTimerOwner) << 32) | 1};
    t.cookie = 1;
    eng.on_event(t, now, out);
    std::vector<Event> emitted(out.begin(), out.end());
    out.clear();
    run.parents_per_pass.emplace_back();
    for (const Event& e : emitted) {
      if (const auto* p = std::get_if<ChildOrderProposed>(&e)) {
        run.log.push_back("P " + std::to_string(p->order.value) + " " +
                          std::to_string(p->parent.value) + " " + std::to_string(p->qty.raw));
        run.parents_per_pass.back().push_back(p->parent.value);
        if (p->parent.value % 5 == 0 && !p->replaces.valid() &&
            std::find(denied_once.begin(), denied_once.end(), p->parent.value) ==
                denied_once.end()) {
          denied_once.push_back(p->parent.value);
          // The gate denies it: the slicer hears OrderDenied and the child never exists.
          OrderDenied dn{};
          dn.order = p->order;
          dn.parent = p->parent;
          eng.on_event(dn, now, out);
          continue;
        }
        if (p->replaces.valid()) {
          ReplaceOrder r{};
          r.order = p->order;
          r.orig_order = p->replaces;
          r.qty = p->qty;
          r.limit = p->limit;
          feed(r);
          ExecutionReported rep{};
          rep.order = p->order;
          rep.orig_order = p->replaces;
          rep.exec_type = ExecType::kReplaced;
          rep.status = OrdStatus::kNew;
          rep.session = SessionId{1};
          feed(rep);
        } else {
          const SubmitOrder s = submit_of(*p);
          feed(s);
        }
        const ChildOrder* c = om.child(p->order);
        if (c == nullptr) continue;
        ExecutionReported f{};
        f.order = p->order;
        f.session = SessionId{1};
        f.exec_type = ExecType::kTrade;
        f.last_qty = c->leaves();
        f.last_px = px("100");
        f.cum_qty = c->qty();
        f.exec_id.assign(("F" + std::to_string(++exec)).c_str());
        if (f.last_qty.raw > 0) feed(f);
      } else if (const auto* c = std::get_if<CancelOrder>(&e)) {
        run.log.push_back("C " + std::to_string(c->order.value) + " " +
                          std::to_string(c->orig_order.value));
        feed(*c);
      } else if (const auto* pc = std::get_if<ParentOrderClosed>(&e)) {
        feed(*pc);  // the order manager lets the parent go with its last child
      }
    }
    // A late denial for a child of a finished parent: nobody's live child changes.
    OrderDenied late{};
    late.order = OrderId{1};
    eng.on_event(late, now, out);
    now = Timestamp{now.ns + kMin};
  }
  // Long after: every closed child has left, and with it every finished parent.
  now = Timestamp{now.ns + 10 * kMin};
  feed(TimerFired{});
  run.finished = eng.counters().finished;
  run.denied = eng.counters().denied;
  run.denials_sent = denied_once.size();
  run.parents_held_after = om.parents_held();
  run.active_after = eng.active();
  return run;
}

TEST(SlicingEngineSlots, ParentsFinishingTogetherFreeTheirSlotsForTheNextWaveInStartOrder) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const SlicerRun a = work(6, 12, seed);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(a.finished, 6u * 12u) << seed;
    EXPECT_EQ(a.active_after, 0u);
    EXPECT_EQ(a.parents_held_after, 0u) << "finished parents leave with their last child";
    EXPECT_EQ(a.denied, a.denials_sent) << "a late denial matches no live child";
    EXPECT_GT(a.denials_sent, 0u);
    // Within a pass, the parents are visited in the order they started (ids ascend).
    for (const auto& pass : a.parents_per_pass) {
      for (std::size_t k = 1; k < pass.size(); ++k) ASSERT_LT(pass[k - 1], pass[k]) << seed;
    }
    const SlicerRun b = work(6, 12, seed);
    EXPECT_EQ(a.log, b.log) << "the same input twice: the same ClOrdIDs";
  }
}

}  // namespace
}  // namespace ballast
