// Adversarial review of issue 14 item 3 (the links between components are events): the market-data
// filter, the slicing engine and the order manager in a real core loop, in the kernel's order, fed
// random parent requests (new, repeated ids, unpriced, zero), timers, quotes (good, zero, crossed),
// prints, and a random broker (partial fills, busts, corrections, cancel acknowledgements).
// Oracles checked after every input:
//  - the rebalancer's per-account parent count (emulated exactly as Rebalancer does: +1 per
//    ParentOrderRequested, -1 per ParentOrderRefused / ParentOrderClosed of the account) equals
//    the slicing engine's per-account active parents (so it returns to 0, never early);
//  - every parent the slicer works is open and unfinished in the order manager;
//  - the FillBooked quantities sum to each account's position change (none missing, none extra);
//  - at the end (horizon over, cancels acknowledged, retention over) the order manager holds no
//    parent: nothing leaks out of the handshake.
#include <gtest/gtest.h>

#include <algorithm>
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

using Rec = Recorder;
using Sink = NullSink;

using Chain = ComponentChain<MarketDataFilter, SlicingEngine, OrderManager, Rec>;

struct Base {
  Desk d;
  AccountId a0, a1;
  Base() {
    d.price_all(ny(10, 0));
    a0 = d.account(d.model_60_40(), "1000", "1000", "1000000");
    a1 = d.account(d.model_60_40(), "1000", "1000", "1000000");
  }
};

struct World : Base {
  ExecutionConfig cfg;
  VolumeProfile profile = VolumeProfile::flat(570, 960);
  ClOrdIdGenerator ids{9};
  MarketDataFilter filter;
  OrderManager om;
  SlicingEngine slicer;
  Rec rec;
  Chain chain{filter, slicer, om, rec};
  ManualClock clock{ny(10, 0)};
  Sink sink;
  CoreLoop<ManualClock, Chain, Sink> loop{clock, chain, sink};

  World(std::size_t sp, std::size_t op)
      : filter(d.market),
        om(d.book, d.market,
           OrderManagerLimits{.max_children = 512,
                              .max_parents = op,
                              .max_exec_ids = 8192,
                              .retention_ns = 90'000'000'000}),
        slicer(cfg, profile, d.instruments, d.market, om, ids, sp) {
    cfg.algo = ExecAlgo::kTwap;
    cfg.horizon = std::chrono::minutes(3);
    cfg.interval = std::chrono::seconds(20);
  }
};

TEST(EventLinksRandom, RandomHandshakeFillsAndRetention) {
  std::uint64_t cases = 0;
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    World w(2 + rng() % 4, 2 + rng() % 4);
    const AccountId accts[2] = {w.a0, w.a1};
    const InstrumentId insts[2] = {w.d.spy, w.d.agg};
    std::map<std::uint32_t, std::int64_t> count;  // the rebalancer's per-account parent count
    std::set<std::uint64_t> working;              // accepted, not refused by the slicer, not closed
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> start_pos, booked;
    for (AccountId a : accts)
      for (InstrumentId i : insts) start_pos[{a.value, i.value}] = w.d.book.position(a, i).raw;
    struct Exec {
      OrderId order;
      std::string id;
      Qty qty;
      bool gone = false;
    };
    std::vector<Exec> execs;
    std::uint64_t next_id = 5000, exec_n = 0;
    std::vector<std::uint64_t> seen_ids;
    std::size_t seen = 0;

    // Routes what the components emitted since `seen`: children to the manager (as the gate
    // would), the slicer's cancels acknowledged by the "broker"; updates the oracles.
    auto route = [&](int step) {
      while (seen < w.rec.out.size()) {
        const Event e = w.rec.out[seen++];
        if (const auto* r = std::get_if<ParentOrderRequested>(&e)) {
          ++count[r->account.value];
        } else if (const auto* a = std::get_if<ParentOrderAccepted>(&e)) {
          working.insert(a->parent.value);
        } else if (const auto* n = std::get_if<ParentOrderRefused>(&e)) {
          --count[n->account.value];
          if (n->reason != ParentRefusal::kOrderBook) working.erase(n->parent.value);
        } else if (const auto* c = std::get_if<ParentOrderClosed>(&e)) {
          --count[c->account.value];
          working.erase(c->parent.value);
        } else if (const auto* f = std::get_if<FillBooked>(&e)) {
          booked[{f->account.value, f->instrument.value}] += f->qty.raw;
        } else if (const auto* p = std::get_if<ChildOrderProposed>(&e)) {
          if (p->replaces.valid()) {
            ReplaceOrder r{};
            r.order = p->order;
            r.orig_order = p->replaces;
            r.qty = p->qty;
            r.limit = p->limit;
            w.loop.process(r);
            const ChildOrder* old = w.om.child(p->replaces);
            ExecutionReported ack{};
            ack.order = p->order;
            ack.orig_order = p->replaces;
            ack.exec_type = ExecType::kReplaced;
            ack.status = OrdStatus::kNew;
            ack.cum_qty = old != nullptr ? old->cum_qty() : Qty{};
            w.loop.process(ack);
          } else {
            const SubmitOrder s = submit_of(*p);
            w.loop.process(s);
          }
        } else if (const auto* cx = std::get_if<CancelOrder>(&e)) {
          if (rng() % 8 == 0) continue;  // some cancels are answered later (or never)
          const ChildOrder* c = w.om.child(cx->orig_order);
          ExecutionReported ack{};
          ack.order = cx->order;
          ack.orig_order = cx->orig_order;
          ack.exec_type = ExecType::kCanceled;
          ack.status = OrdStatus::kCanceled;
          ack.cum_qty = c != nullptr ? c->cum_qty() : Qty{};
          w.loop.process(ack);
        }
      }
      std::int64_t sum = 0;
      for (AccountId a : accts) {
        const std::int64_t n = count[a.value];
        ASSERT_GE(n, 0) << "seed " << seed << " step " << step << ": account count below 0";
        ASSERT_EQ(n > 0, w.slicer.has_active_parent(a))
            << "seed " << seed << " step " << step << " account " << a.value << " count " << n;
        sum += n;
      }
      ASSERT_EQ(static_cast<std::size_t>(sum), w.slicer.active())
          << "seed " << seed << " step " << step;
      ASSERT_EQ(working.size(), w.slicer.active()) << "seed " << seed << " step " << step;
      for (const std::uint64_t id : working) {
        const ParentOrder* p = w.om.parent(OrderId{id});
        ASSERT_NE(p, nullptr) << "seed " << seed << " step " << step << " parent " << id
                              << " worked by the slicer, not open in the order manager";
      }
      for (AccountId a : accts) {
        for (InstrumentId i : insts) {
          const auto key = std::make_pair(a.value, i.value);
          ASSERT_EQ(w.d.book.position(a, i).raw - start_pos[key], booked[key])
              << "seed " << seed << " step " << step << ": FillBooked vs the book";
        }
      }
    };

    for (int step = 0; step < 500; ++step) {
      ++cases;
      const unsigned roll = rng() % 20;
      if (roll < 6) {
        std::uint64_t id = next_id++;
        if (rng() % 6 == 0 && !seen_ids.empty()) id = seen_ids[rng() % seen_ids.size()];
        seen_ids.push_back(id);
        ParentOrderRequested r{};
        r.parent = OrderId{id};
        r.account = accts[rng() % 2];
        const unsigned k = rng() % 12;
        r.instrument = k == 0 ? InstrumentId{77} : insts[k % 2];
        r.session = SessionId{0};
        r.side = rng() % 2 ? Side::kBuy : Side::kSell;
        r.qty = Qty::from_units(k == 1 ? 0 : static_cast<std::int64_t>(10 + rng() % 200));
        // As the rebalancer emits it: routed through the chain after the event in hand. Here the
        // request is the input itself (the loop sends it through every component the same way).
        w.loop.process(r);
      } else if (roll < 11) {
        w.clock.advance(std::chrono::seconds(5 + rng() % 25));
        w.loop.do_work();
      } else if (roll < 16) {
        // The broker acts on a live child or busts/corrects an earlier fill.
        std::vector<const ChildOrder*> live;
        w.om.for_each_live_child([&](const ChildOrder& c) { live.push_back(&c); });
        const unsigned what = rng() % 10;
        if (what < 7 && !live.empty()) {
          const ChildOrder& c = *live[rng() % live.size()];
          const std::int64_t leaves = c.leaves().raw;
          if (leaves <= 0) continue;
          const std::int64_t q =
              rng() % 2 ? leaves : std::max<std::int64_t>(1, leaves / (2 + rng() % 3));
          ExecutionReported f{};
          f.order = c.id();
          f.exec_type = ExecType::kTrade;
          f.last_qty = Qty::from_raw(q);
          f.last_px = px("100");
          f.cum_qty = Qty::from_raw(c.cum_qty().raw + q);
          f.leaves_qty = Qty::from_raw(leaves - q);
          f.status = leaves == q ? OrdStatus::kFilled : OrdStatus::kPartiallyFilled;
          const std::string eid = "E" + std::to_string(++exec_n);
          f.exec_id.assign(eid.c_str());
          execs.push_back({c.id(), eid, f.last_qty});
          w.loop.process(f);
        } else if (!execs.empty()) {
          Exec& x = execs[rng() % execs.size()];
          const ChildOrder* c = w.om.child(x.order);
          if (x.gone || c == nullptr) continue;
          ExecutionReported b{};
          b.order = x.order;
          const bool bust = what < 9;
          b.exec_type = bust ? ExecType::kTradeCancel : ExecType::kTradeCorrect;
          b.status = OrdStatus::kPartiallyFilled;
          b.exec_ref_id.assign(x.id.c_str());
          const std::string eid = "B" + std::to_string(++exec_n);
          b.exec_id.assign(eid.c_str());
          if (bust) {
            b.cum_qty = Qty::from_raw(c->cum_qty().raw - x.qty.raw);
            x.gone = true;
          } else {
            const Qty nq = Qty::from_raw(std::max<std::int64_t>(1, x.qty.raw / 2));
            b.last_qty = nq;
            b.last_px = px("101");
            b.cum_qty = Qty::from_raw(c->cum_qty().raw - x.qty.raw + nq.raw);
            x.qty = nq;
          }
          w.loop.process(b);
        }
      } else if (roll < 18) {
        const InstrumentId i = insts[rng() % 2];
        const unsigned k = rng() % 8;
        const char* bid = k == 0 ? "0" : (k == 1 ? "101" : "99.99");
        const char* ask = k == 1 ? "100" : "100.01";
        w.loop.process(quote(i, bid, ask, w.clock.now()));
      } else {
        w.loop.process(trade(insts[rng() % 2], "100", w.clock.now(), "300"));
      }
      route(step);
      if (::testing::Test::HasFatalFailure()) return;
    }
    // The end: every parent's horizon passes, every cancel is answered, the retention passes.
    for (int k = 0; k < 40; ++k) {
      w.clock.advance(std::chrono::seconds(20));
      w.loop.do_work();
      route(10000 + k);
      if (::testing::Test::HasFatalFailure()) return;
      // The broker fills what is still live (past the horizon the slicer crosses the rest).
      std::vector<OrderId> live;
      w.om.for_each_live_child([&](const ChildOrder& c) { live.push_back(c.id()); });
      for (const OrderId id : live) {
        const ChildOrder* c = w.om.child(id);
        if (c == nullptr || c->leaves().raw <= 0) continue;
        ExecutionReported f{};
        f.order = id;
        f.exec_type = ExecType::kTrade;
        f.status = OrdStatus::kFilled;
        f.last_qty = c->leaves();
        f.last_px = px("100");
        f.cum_qty = Qty::from_raw(c->cum_qty().raw + c->leaves().raw);
        const std::string eid = "Z" + std::to_string(++exec_n);
        f.exec_id.assign(eid.c_str());
        w.loop.process(f);
      }
      route(20000 + k);
      if (::testing::Test::HasFatalFailure()) return;
    }
    w.clock.advance(std::chrono::minutes(5));
    w.loop.do_work();
    w.loop.process(trade(w.d.spy, "100", w.clock.now()));  // reclaim runs on an event
    route(30000);
    EXPECT_EQ(w.slicer.active(), 0u) << "seed " << seed;
    EXPECT_EQ(w.om.parents_held(), 0u) << "seed " << seed << ": parents left in the order manager";
  }
  EXPECT_EQ(cases, 60u * 500u);
}

// The defect ParentPastHorizon (tests/kernel) shows, at the slicer: past its finish-by time a
// parent whose new child the gate denies for a reason waiting does not lift ends at its next step
// (ParentOrderClosed, the rest left over); an order-rate denial only delays it.
TEST(EventLinksRandom, ADenialPastTheHorizonEndsTheParentUnlessItIsTransient) {
  for (const DenyReason why : {DenyReason::kCashInsufficient, DenyReason::kOrderRate}) {
    World w(4, 4);
    ParentOrderRequested r{};
    r.parent = OrderId{4242};
    r.account = w.a0;
    r.instrument = w.d.spy;
    r.side = Side::kBuy;
    r.qty = qty("100");
    w.loop.process(r);
    ASSERT_EQ(w.slicer.active(), 1u);
    std::size_t denied = 0;
    for (int k = 0; k < 30; ++k) {  // 10 minutes of 20 s steps, horizon 3 minutes
      w.clock.advance(std::chrono::seconds(20));
      const std::size_t from = w.rec.out.size();
      w.loop.do_work();
      for (std::size_t j = from; j < w.rec.out.size(); ++j) {
        const Event e = w.rec.out[j];
        const auto* p = std::get_if<ChildOrderProposed>(&e);
        if (p == nullptr) continue;
        OrderDenied d{};
        d.order = p->order;
        d.parent = p->parent;
        d.account = p->account;
        d.reason = why;
        w.loop.process(d);  // the gate denies every child
        ++denied;
      }
    }
    EXPECT_GT(denied, 0u);
    if (why == DenyReason::kOrderRate) {
      EXPECT_EQ(w.slicer.active(), 1u) << "a transient denial ended the parent";
    } else {
      EXPECT_EQ(w.slicer.active(), 0u) << "denied for good past its horizon, still worked";
      std::size_t closed = 0;
      for (const Event& e : w.rec.out) closed += std::holds_alternative<ParentOrderClosed>(e);
      EXPECT_EQ(closed, 1u);
    }
  }
}

}  // namespace
}  // namespace ballast
