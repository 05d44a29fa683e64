// The execution pipeline in the real core loop: slicing engine -> compliance gate -> order
// manager, with a broker stand-in that fills every order it receives at its limit. A TWAP parent
// is worked to completion; positions and cash in the book equal the fills exactly; a sell larger
// than the holding is cut off by the gate at the holding and the excess never reaches the broker.
#include <gtest/gtest.h>

#include <memory>

#include <string>
#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "ballast/risk/compliance.hpp"
#include "engine/drift_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;

/// Acknowledges and fills every SubmitOrder in full at its limit (a stand-in for the broker
/// simulator of issue 6); records what it received.
struct InstantBroker {
  std::vector<SubmitOrder> received;
  std::uint64_t exec_seq = 0;
  Money traded{};
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    const auto* s = std::get_if<SubmitOrder>(&e);
    if (s == nullptr) return;
    received.push_back(*s);
    ExecutionReported ack{};
    ack.hdr.event_time = now;
    ack.order = s->order;
    ack.session = s->session;
    ack.exec_type = ExecType::kNew;
    ack.status = OrdStatus::kNew;
    ack.side = s->side;
    ack.leaves_qty = s->qty;
    ack.exec_id.assign("A" + std::to_string(++exec_seq));
    out.emit(ack);
    ExecutionReported fill = ack;
    fill.exec_type = ExecType::kTrade;
    fill.status = OrdStatus::kFilled;
    fill.last_qty = s->qty;
    fill.last_px = s->limit;
    fill.cum_qty = s->qty;
    fill.leaves_qty = Qty{};
    fill.avg_px = s->limit;
    fill.exec_id.assign("F" + std::to_string(++exec_seq));
    out.emit(fill);
    traded += notional(s->limit, s->qty, Rounding::kHalfEven) * (s->side == Side::kBuy ? 1 : -1);
  }
};

/// Starts the parents on the first quote (inside a dispatch, so the engine's timer request
/// reaches the core loop).
struct Starter {
  SlicingEngine* engine = nullptr;
  std::vector<ParentRequest> parents;
  bool started = false;
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    if (started || !std::holds_alternative<QuoteUpdated>(e)) return;
    started = true;
    for (const auto& p : parents) ASSERT_TRUE(engine->start_parent(p, now, out).ok());
  }
};

/// The market data updates the marks the gate and the slicer read.
struct Marks {
  MarketState& market;
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    if (const auto* q = std::get_if<QuoteUpdated>(&e)) (void)market.on_quote(*q, now, out);
  }
};

/// A desk of SPY and AGG priced at 10:00 with one 60/40 account (the two holdings and cash
/// given), the compliance gate (ADV 10M shares each) and the order manager over it.
struct Rig {
  struct Parts {
    Desk& d;
    AccountId acct;
    ComplianceGate& gate;
    OrderManager& om;
    ClOrdIdGenerator& ids;
  };
  Desk d;
  AccountId acct{};
  ComplianceConfig ccfg;
  std::unique_ptr<ComplianceGate> gate;
  std::unique_ptr<OrderManager> om;
  ClOrdIdGenerator ids{1};
  Parts parts_{d, acct, *gate, *om, ids};

  Rig(const char* held_a, const char* held_b, const char* cash)
      : acct(account(d, held_a, held_b, cash)),
        gate(std::make_unique<ComplianceGate>(ccfg, d.instruments, d.book, d.market)),
        om(std::make_unique<OrderManager>(d.book, d.market)) {
    for (const InstrumentId i : {d.spy, d.agg}) gate->set_adv(i, qty("10000000"));
  }
  Parts& parts() { return parts_; }

 private:
  static AccountId account(Desk& d, const char* a, const char* b, const char* cash) {
    const auto model = d.model_60_40();
    d.price_all(ny(10, 0));
    return d.account(model, a, b, cash);
  }
};

/// `algo` over `horizon`, a slice a minute, limits at the touch, children of one share or more.
ExecutionConfig exec_config(ExecAlgo algo, std::chrono::minutes horizon) {
  ExecutionConfig c;
  c.algo = algo;
  c.horizon = horizon;
  c.interval = std::chrono::minutes(1);
  c.min_child_qty = qty("1");
  c.limit.policy = LimitPolicy::kTouch;
  return c;
}

struct NullSink {
  void on_input(const Event&) {}
  bool try_publish(const Event&) { return true; }
};

/// Works `parents` on `engine` through the gate and the order manager to the broker stand-in:
/// fresh SPY and AGG quotes each minute from 10:00 to 10:`last` (at the minute + `offset`), then
/// the timers due by then. Returns what the broker received.
InstantBroker work(Desk& d, SlicingEngine& engine, ComplianceGate& gate, OrderManager& om,
                   std::vector<ParentRequest> parents, int last, std::chrono::seconds offset) {
  InstantBroker broker;
  Starter starter;
  starter.engine = &engine;
  starter.parents = std::move(parents);
  Marks marks{d.market};
  ComponentChain<Marks, Starter, SlicingEngine, ComplianceGate, OrderManager, InstantBroker> chain(
      marks, starter, engine, gate, om, broker);
  ManualClock clock{ny(10, 0)};
  NullSink sink;
  CoreLoop loop(clock, chain, sink);
  for (int minute = 0; minute <= last; ++minute) {
    const Timestamp t = ny(10, minute) + offset;
    clock.set(t);
    loop.process(quote(d.spy, "99.99", "100.01", t));
    loop.process(quote(d.agg, "99.99", "100.01", t));
    while (auto due = loop.next_timer_due()) {
      if (*due > t) break;
      clock.set(*due);
      loop.do_work();
    }
  }
  return broker;
}

TEST(ExecutionPipeline, WorksATwapParentThroughTheGateToCompletion) {
  Rig r("0", "100", "1000000");
  auto& [d, acct, gate, om, ids] = r.parts();
  const ExecutionConfig ecfg = exec_config(ExecAlgo::kTwap, std::chrono::minutes(10));
  const auto profile = VolumeProfile::flat(570, 960);
  SlicingEngine engine(ecfg, profile, d.instruments, d.market, om, ids);
  // Fresh quotes every minute (the gate denies stale references), then the timers due by then.
  const InstantBroker broker =
      work(d, engine, gate, om,
           {{OrderId{1'000'001}, acct, d.spy, SessionId{0}, Side::kBuy, qty("1000")},
            {OrderId{1'000'002}, acct, d.agg, SessionId{0}, Side::kSell, qty("500")}},
           12, -std::chrono::seconds(1));
  // The SPY buy is done (1000 at most at the bid); the AGG sell is capped by the 100 held: the
  // gate denies the oversell and the slicer keeps the parent working within what it may sell.
  const ParentOrder* buy = om.parent(OrderId{1'000'001});
  ASSERT_NE(buy, nullptr);
  EXPECT_EQ(buy->filled, qty("1000"));
  EXPECT_EQ(d.book.position(acct, d.spy), qty("1000"));
  // The AGG sell of 500 meets a holding of 100: once it is sold, the gate denies further sells
  // (a sell with nothing held is a short sale) and nothing more reaches the broker.
  Qty agg_sold{};
  for (const auto& o : broker.received) {
    if (o.instrument == d.agg && o.side == Side::kSell) agg_sold += o.qty;
  }
  EXPECT_EQ(agg_sold, qty("100"));
  EXPECT_EQ(d.book.position(acct, d.agg), Qty{});
  EXPECT_GT(gate.denied(DenyReason::kShortSale) + gate.denied(DenyReason::kOversell), 0u);
  EXPECT_EQ(engine.counters().denied,
            gate.denied(DenyReason::kShortSale) + gate.denied(DenyReason::kOversell));
  // Cash moved by exactly what traded.
  EXPECT_EQ(d.book.cash(acct), money("1000000") - broker.traded);
  EXPECT_GE(engine.counters().proposed, 10u);
  EXPECT_EQ(gate.counters().submitted, broker.received.size());
}

}  // namespace
// Issue 14: VWAP parents follow their own instrument's volume profile (the kernel loads one per
// instrument from execution.volume_profile). SPY trades all its volume 10:00-10:05, AGG all of
// its 10:25-10:30: ten minutes into a 30-minute horizon the SPY buy is done and the AGG buy has
// not started; with one profile for both they would move alike.
TEST(ExecutionPipeline, VwapParentsFollowTheirOwnInstrumentsProfile) {
  Rig r("0", "0", "10000000");
  auto& [d, acct, gate, om, ids] = r.parts();
  ExecutionConfig ecfg = exec_config(ExecAlgo::kVwap, std::chrono::minutes(30));
  ecfg.participation_cap = 1.0;
  const auto flat = VolumeProfile::flat(570, 960);
  std::vector<VolumeProfile> per_instrument(2, flat);
  per_instrument[d.spy.value] = VolumeProfile::from_buckets({{600, 605, 1.0}}).value();
  per_instrument[d.agg.value] = VolumeProfile::from_buckets({{625, 630, 1.0}}).value();
  SlicingEngine engine(ecfg, flat, d.instruments, d.market, om, ids);
  engine.set_instrument_profiles(&per_instrument);
  (void)work(d, engine, gate, om,
             {{OrderId{1'000'001}, acct, d.spy, SessionId{0}, Side::kBuy, qty("1000")},
              {OrderId{1'000'002}, acct, d.agg, SessionId{0}, Side::kBuy, qty("1000")}},
             10, std::chrono::seconds(1));
  const ParentOrder* spy = om.parent(OrderId{1'000'001});
  const ParentOrder* agg = om.parent(OrderId{1'000'002});
  ASSERT_NE(spy, nullptr);
  ASSERT_NE(agg, nullptr);
  EXPECT_EQ(spy->filled, qty("1000")) << "SPY's volume is all before 10:05";
  EXPECT_EQ(agg->filled, Qty{}) << "AGG's volume is all after 10:25";
}

}  // namespace ballast
