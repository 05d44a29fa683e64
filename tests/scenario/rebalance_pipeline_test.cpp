// The whole in-process loop: market data -> drift monitor -> rebalancer (optimizer, lots) ->
// slicing engine -> compliance gate -> order manager -> broker stand-in -> fills -> book, in the
// real core loop with simulated time. A 60/40 account drifted to 70/30 with little cash is
// brought back inside its band; buys wait for the sells that fund them, so cash never goes
// negative.
#include <gtest/gtest.h>

#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "ballast/risk/compliance.hpp"
#include "engine/drift_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;

struct InstantBroker {
  std::vector<SubmitOrder> received;
  std::uint64_t exec_seq = 0;
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    const auto* s = std::get_if<SubmitOrder>(&e);
    if (s == nullptr) return;
    received.push_back(*s);
    ExecutionReported r{};
    r.hdr.event_time = now;
    r.order = s->order;
    r.session = s->session;
    r.side = s->side;
    r.exec_type = ExecType::kTrade;
    r.status = OrdStatus::kFilled;
    r.last_qty = r.cum_qty = s->qty;
    r.last_px = r.avg_px = s->limit;
    r.exec_id.assign("F" + std::to_string(++exec_seq));
    out.emit(r);
  }
};

/// Watches cash after every event: it must never go below zero.
struct CashWatch {
  const PortfolioBook& book;
  AccountId account{};
  Money lowest = Money::max();
  void on_event(const Event&, Timestamp, Outbox&) { lowest = std::min(lowest, book.cash(account)); }
};

struct NullSink {
  void on_input(const Event&) {}
  bool try_publish(const Event&) { return true; }
};

void invalidate(void* ctx, AccountId a) {
  static_cast<DriftMonitor*>(ctx)->invalidate(a);
}

TEST(RebalancePipeline, BringsADriftedAccountBackInsideItsBandWithoutOverdrawingCash) {
  Desk d;
  const auto model = d.model_60_40();
  d.price_all(ny(9, 59));
  const AccountId acct = d.account(model, "700", "300", "500");  // 70/30 at 100, cash 500
  TriggerConfig trig = quiet_triggers();
  trig.absolute = {true, 0.05};
  DriftMonitor monitor(d.book, d.market, {trig});
  ComplianceGate gate(ComplianceConfig{}, d.instruments, d.book, d.market);
  gate.set_adv(d.spy, qty("10000000"));
  gate.set_adv(d.agg, qty("10000000"));
  OrderManager om(d.book, d.market);
  om.set_account_changed_hook(&invalidate, &monitor);
  ClOrdIdGenerator child_ids(1), parent_ids(2);
  ExecutionConfig ecfg;
  ecfg.horizon = std::chrono::minutes(5);
  ecfg.interval = std::chrono::minutes(1);
  ecfg.min_child_qty = qty("1");
  const auto profile = VolumeProfile::flat(570, 960);
  SlicingEngine slicer(ecfg, profile, d.instruments, d.market, om, child_ids);
  OptimizerConfig ocfg;
  Eigen::MatrixXd cov(2, 2);
  cov << 0.04, 0.002, 0.002, 0.0025;
  Rebalancer rebalancer(d.book, d.market, d.instruments, ocfg, cov, 0.0, 1.0, slicer, parent_ids,
                        SessionId{0});
  InstantBroker broker;
  CashWatch watch{d.book, acct};
  ComponentChain<DriftMonitor, SlicingEngine, ComplianceGate, OrderManager, Rebalancer,
                 InstantBroker, CashWatch>
      chain(monitor, slicer, gate, om, rebalancer, broker, watch);
  ManualClock clock{ny(10, 0)};
  NullSink sink;
  CoreLoop loop(clock, chain, sink);
  // Quotes every 30 s (SPY's mid flickers by a cent so marks change and the monitor looks).
  for (int half = 0; half <= 60; ++half) {
    const Timestamp t = ny(10, 0) + std::chrono::seconds(30 * half);
    clock.set(t);
    loop.process(quote(d.spy, half % 2 ? "99.99" : "100.00", half % 2 ? "100.01" : "100.02", t));
    loop.process(quote(d.agg, "99.99", "100.01", t));
    while (auto due = loop.next_timer_due()) {
      if (*due > t) break;
      clock.set(*due);
      loop.do_work();
    }
  }
  EXPECT_GE(rebalancer.counters().rebalances, 1u);
  EXPECT_GE(rebalancer.counters().buys_waiting, 1u);  // the buy had to wait for the sell
  EXPECT_GE(watch.lowest, Money{}) << "cash went negative";
  const auto f = monitor.figures(acct, clock.now());
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05) << "still outside the band";
  EXPECT_FALSE(d.book.has_pending(acct));
  EXPECT_EQ(gate.counters().submitted, broker.received.size());
}

}  // namespace
}  // namespace ballast
