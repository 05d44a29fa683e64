// Issue 14 item 3: the links between the rebalancer, the order manager and the slicing engine are
// events. A ParentOrderRequested is opened by the order manager (ParentOrderAccepted) or refused
// (ParentOrderRefused kOrderBook); the slicing engine works an accepted parent or refuses it (the
// order manager then closes it); a finished parent's ParentOrderClosed lets the order manager
// retire it with its last child. The components run in the real core loop, in the kernel's order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/loop_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

using Chain = ComponentChain<SlicingEngine, OrderManager, Recorder>;

struct Rig : OneAccountDesk {
  ExecutionConfig cfg;
  VolumeProfile profile = VolumeProfile::flat(570, 960);
  ClOrdIdGenerator ids{7};
  OrderManager om;
  SlicingEngine slicer;
  Recorder rec;
  Chain chain{slicer, om, rec};
  ManualClock clock{ny(10, 0)};
  NullSink sink;
  CoreLoop<ManualClock, Chain, NullSink> loop{clock, chain, sink};

  Rig(std::size_t slicer_parents, std::size_t om_parents)
      : om(d.book, d.market,
           OrderManagerLimits{.max_children = 256,
                              .max_parents = om_parents,
                              .max_exec_ids = 4096,
                              .retention_ns = 60'000'000'000}),
        slicer(cfg, profile, d.instruments, d.market, om, ids, slicer_parents) {
    cfg.algo = ExecAlgo::kTwap;
    cfg.horizon = std::chrono::minutes(3);
    cfg.interval = std::chrono::minutes(1);
  }

  ParentOrderRequested request(std::uint64_t id, InstrumentId inst, const char* q) const {
    ParentOrderRequested r{};
    r.parent = OrderId{id};
    r.account = acct;
    r.instrument = inst;
    r.session = SessionId{0};
    r.side = Side::kBuy;
    r.qty = qty(q);
    return r;
  }
  /// The refusals the last input produced.
  std::vector<ParentOrderRefused> refusals(std::size_t from) const {
    std::vector<ParentOrderRefused> v;
    for (std::size_t k = from; k < rec.out.size(); ++k) {
      if (const auto* r = std::get_if<ParentOrderRefused>(&rec.out[k])) v.push_back(*r);
    }
    return v;
  }
};

TEST(ParentHandshake, AnAcceptedParentIsOpenedThenWorked) {
  Rig r(4, 4);
  const std::size_t from = r.rec.out.size();
  r.loop.process(r.request(100, r.d.spy, "50"));
  EXPECT_TRUE(r.refusals(from).empty());
  ASSERT_NE(r.om.parent(OrderId{100}), nullptr);
  EXPECT_EQ(r.slicer.active(), 1u);
  // In order: the request, the order manager's acceptance, then the slicer's timer.
  std::vector<std::string> names;
  for (std::size_t k = from; k < r.rec.out.size(); ++k) names.push_back(event_name(r.rec.out[k]));
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "ParentOrderRequested");
  EXPECT_EQ(names[1], "ParentOrderAccepted");
}

TEST(ParentHandshake, TheSlicersRefusalClosesTheParentInTheOrderManager) {
  Rig r(4, 4);
  // No price for the instrument (outside the table): the slicer refuses, the manager closes.
  const std::size_t from = r.rec.out.size();
  r.loop.process(r.request(100, InstrumentId{999}, "50"));
  const auto no = r.refusals(from);
  ASSERT_EQ(no.size(), 1u);
  EXPECT_EQ(no[0].reason, ParentRefusal::kNoPrice);
  EXPECT_EQ(r.om.parent(OrderId{100}), nullptr);
  EXPECT_EQ(r.om.counters().retired_parents, 1u);
  EXPECT_EQ(r.slicer.active(), 0u);
  // A non-positive quantity likewise.
  const std::size_t from2 = r.rec.out.size();
  r.loop.process(r.request(101, r.d.spy, "0"));
  ASSERT_EQ(r.refusals(from2).size(), 1u);
  EXPECT_EQ(r.refusals(from2)[0].reason, ParentRefusal::kBadQuantity);
  EXPECT_EQ(r.om.parent(OrderId{101}), nullptr);
}

TEST(ParentHandshake, TheOrderManagersRefusalNeverReachesTheSlicer) {
  Rig r(8, 2);
  r.loop.process(r.request(100, r.d.spy, "50"));
  r.loop.process(r.request(101, r.d.spy, "50"));
  // The manager's table is full: refused, the slicer never starts it.
  std::size_t from = r.rec.out.size();
  r.loop.process(r.request(102, r.d.spy, "50"));
  auto no = r.refusals(from);
  ASSERT_EQ(no.size(), 1u);
  EXPECT_EQ(no[0].reason, ParentRefusal::kOrderBook);
  EXPECT_EQ(r.slicer.active(), 2u);
  // A repeated id is refused without touching the parent that has it.
  from = r.rec.out.size();
  r.loop.process(r.request(100, InstrumentId{999}, "7"));
  no = r.refusals(from);
  ASSERT_EQ(no.size(), 1u);
  EXPECT_EQ(no[0].reason, ParentRefusal::kOrderBook);
  ASSERT_NE(r.om.parent(OrderId{100}), nullptr);
  EXPECT_EQ(r.om.parent(OrderId{100})->intended, qty("50"));
  EXPECT_EQ(r.slicer.active(), 2u);
}

// Randomised: requests (good, unpriced, zero, repeated ids), slicer timers and instant fills
// through small tables. After every input: the slicer works exactly the parents that were
// accepted and neither refused nor closed; each of those is open in the order manager; a refused
// parent is open nowhere unless its id belongs to an earlier accepted parent still working.
TEST(ParentHandshake, RandomRequestsKeepTheSlicerAndTheOrderManagerInStep) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const std::size_t sp = 2 + rng() % 5, op = 2 + rng() % 5;
    Rig r(sp, op);
    std::set<std::uint64_t> working;  // accepted, not refused by the slicer, not closed
    std::uint64_t next_id = 1000, exec = 0;
    std::size_t seen = 0;
    for (int step = 0; step < 400; ++step) {
      const unsigned roll = rng() % 10;
      if (roll < 5) {
        std::uint64_t id = next_id++;
        if (rng() % 8 == 0 && !working.empty()) id = *working.begin();  // a repeated id
        const unsigned kind = rng() % 10;
        const InstrumentId inst =
            kind == 0 ? InstrumentId{999} : (kind % 2 == 0 ? r.d.spy : r.d.agg);
        r.loop.process(r.request(id, inst, kind == 1 ? "0" : "30"));
      } else {
        r.clock.advance(std::chrono::seconds(30));
        r.loop.do_work();  // the slicer's timer when due
      }
      // Route children to the manager as the gate would, filled at once by the "broker".
      std::vector<Event> fresh(r.rec.out.begin() + static_cast<std::ptrdiff_t>(seen),
                               r.rec.out.end());
      seen = r.rec.out.size();
      for (const Event& e : fresh) {
        if (const auto* a = std::get_if<ParentOrderAccepted>(&e)) working.insert(a->parent.value);
        if (const auto* n = std::get_if<ParentOrderRefused>(&e)) {
          if (n->reason != ParentRefusal::kOrderBook) working.erase(n->parent.value);
        }
        if (const auto* c = std::get_if<ParentOrderClosed>(&e)) working.erase(c->parent.value);
        if (const auto* p = std::get_if<ChildOrderProposed>(&e); p && !p->replaces.valid()) {
          const SubmitOrder s = submit_of(*p);
          r.loop.process(s);
          ExecutionReported f{};
          f.order = p->order;
          f.exec_type = ExecType::kTrade;
          f.last_qty = p->qty;
          f.last_px = px("100");
          f.cum_qty = p->qty;
          f.exec_id.assign(("F" + std::to_string(++exec)).c_str());
          r.loop.process(f);
        }
      }
      seen = r.rec.out.size();
      ASSERT_EQ(r.slicer.active(), working.size()) << "seed " << seed << " step " << step;
      for (const std::uint64_t id : working) {
        ASSERT_NE(r.om.parent(OrderId{id}), nullptr) << "seed " << seed << " parent " << id;
      }
    }
    // Every booked fill was announced (FillBooked) once, for the account it booked into.
    std::size_t booked = 0;
    for (const Event& e : r.rec.out) {
      if (const auto* f = std::get_if<FillBooked>(&e)) {
        EXPECT_EQ(f->account, r.acct);
        EXPECT_EQ(f->booking, BookingKind::kFill);
        ++booked;
      }
    }
    EXPECT_EQ(booked, r.om.counters().fills) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ballast
